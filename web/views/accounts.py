"""Accounts: sign up, log in with the email address, log out, password reset, profiles.

The login and password views are Django's, with our templates; their templates have names of
their own because django.contrib.admin, installed first, ships ``registration/password_reset_*``
templates that would otherwise be picked.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import CharField, IntegerField, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from core.models import Revision, Tournament, TournamentParticipant, User
from web import notifications, throttle, webhooks
from web.access import get_person, sees_all_competitors_of, visible_competitors
from web.forms import EmailAuthenticationForm, ProfileForm, SignupForm


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("submit")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        messages.success(
            request,
            f"Welcome, {user.username}! Create a competitor for a game, then upload its zip.",
        )
        return redirect("submit")
    return render(request, "registration/signup.html", {"form": form})


def profile(request: HttpRequest, username: str) -> HttpResponse:
    person = get_person(username)
    latest = Revision.objects.filter(competitor=OuterRef("pk")).order_by("-version")
    # The rank in the game's latest edition; that edition is the leaderboard the game shows.
    latest_edition = Tournament.objects.filter(environment=OuterRef(OuterRef("environment")))
    latest_edition = latest_edition.order_by("-edition").values("pk")[:1]
    current = TournamentParticipant.objects.filter(
        revision__competitor=OuterRef("pk"), tournament=Subquery(latest_edition)
    )
    competitors = (
        visible_competitors(request.user, person)
        .select_related("environment")
        .annotate(
            latest_version=Subquery(latest.values("version")[:1], output_field=IntegerField()),
            latest_image_state=Subquery(latest.values("image_state")[:1], output_field=CharField()),
            latest_test_state=Subquery(latest.values("test_state")[:1], output_field=CharField()),
            current_rank=Subquery(current.values("rank")[:1], output_field=IntegerField()),
            current_edition=Subquery(
                current.values("tournament__edition")[:1], output_field=IntegerField()
            ),
        )
        .order_by("environment__name", "name")
    )
    return render(
        request,
        "web/accounts/profile.html",
        {
            "person": person,
            "competitors": competitors,
            "is_me": request.user.is_authenticated and request.user.pk == person.pk,
            "sees_private": sees_all_competitors_of(request.user, person),
        },
    )


# A webhook's new secret waits here, in the session, to be shown once on the next page.
NEW_SECRET_KEY = "webhook_secret_once"


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        # A webhook needs a secret to be signed with: made with the first address (or anew,
        # webhook_secret below); shown once, never again.
        new_secret = bool(user.webhook_url) and not user.webhook_secret
        if new_secret:
            user.webhook_secret = notifications.new_webhook_secret()
            request.session[NEW_SECRET_KEY] = user.webhook_secret
        if not user.webhook_url:
            user.webhook_secret = ""
        if "webhook_url" in form.changed_data:
            user.webhook_status, user.webhook_status_at = "", None
        user.save()
        if new_secret:
            messages.success(request, "Saved. Copy your webhook's secret now: it is shown once.")
            return redirect("profile-edit")
        messages.success(request, "Your profile is saved.")
        return redirect("profile", user.username)
    context = {
        "form": form,
        "new_secret": request.session.pop(NEW_SECRET_KEY, None),
        "signature_header": webhooks.SIGNATURE_HEADER,
        "last_notifications": notifications.recent(user),
        "webhook_ok": ": delivered" in user.webhook_status,
    }
    return render(request, "web/accounts/profile_edit.html", context)


@login_required
@require_POST
def webhook_secret(request: HttpRequest) -> HttpResponse:
    """A new secret for the webhook (the old one leaked, or was lost), shown once."""
    user = request.user
    assert isinstance(user, User)
    if not user.webhook_url:
        messages.error(
            request, "Give a webhook address first: the secret signs what is sent there."
        )
        return redirect("profile-edit")
    user.webhook_secret = notifications.new_webhook_secret()
    user.save(update_fields=["webhook_secret"])
    request.session[NEW_SECRET_KEY] = user.webhook_secret
    messages.success(
        request, "A new secret signs your webhook from now on: copy it, it is shown once."
    )
    return redirect("profile-edit")


class ThrottledLoginView(auth_views.LoginView):
    """Django's login, refused for a while after too many failures for the account or from the
    client's address (web.throttle): a password cannot be guessed at the server's speed."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = throttle.wait_seconds("login", request, request.POST.get("username", ""))
        if wait:
            # The form unbound, with only the refusal: the password is not even checked.
            context = self.get_context_data(
                form=self.get_form_class()(request), refusal=throttle.too_many_message(wait)
            )
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        throttle.count_attempt("login", self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with every request counted (web.throttle): nobody can send an
    address a flood of mails, nor probe addresses at the server's speed."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = request.POST.get("email", "")
        wait = throttle.wait_seconds("password-reset", request, email)
        if wait:
            # The form unbound, with only the refusal: nothing is checked, nothing is sent.
            context = self.get_context_data(
                form=self.get_form_class()(), refusal=throttle.too_many_message(wait)
            )
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        throttle.count_attempt("password-reset", request, email)
        return super().post(request, *args, **kwargs)


login_view = ThrottledLoginView.as_view(
    template_name="registration/login.html",
    authentication_form=EmailAuthenticationForm,
    redirect_authenticated_user=True,
)
password_reset = ThrottledPasswordResetView.as_view(
    template_name="registration/reset_form.html",
    email_template_name="registration/reset_email.txt",
    subject_template_name="registration/reset_subject.txt",
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="registration/reset_confirm.html"
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/reset_complete.html"
)

urlpatterns = [
    path("signup/", signup, name="signup"),
    path("login/", login_view, name="login"),
    # Django's LogoutView accepts POST only: a link or an image cannot log anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", password_reset, name="password_reset"),
    path("password-reset/sent/", password_reset_done, name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", password_reset_confirm, name="password_reset_confirm"),
    path("password-reset/done/", password_reset_complete, name="password_reset_complete"),
    path("account/", profile_edit, name="profile-edit"),
    path("account/webhook-secret/", webhook_secret, name="webhook-secret"),
    path("users/<str:username>/", profile, name="profile"),
]
