"""The site's forms: accounts, competitors and uploads. Every error says what to do next."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm, UsernameField
from django.core.validators import RegexValidator

from core.models import Competitor, Environment, User
from web import services, webhooks
from web.access import own_competitors

# GitHub's own rule: letters, digits and single inner hyphens, at most 39 characters.
github_username_validator = RegexValidator(
    r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$",
    "A GitHub username has only letters, digits and single hyphens inside (at most 39 "
    "characters): copy it from your GitHub profile's address, or leave the field empty.",
)


class ProfileFieldsMixin:
    """The optional public details a participant may give, cleaned the same everywhere."""

    cleaned_data: dict[str, Any]

    def clean_github_username(self) -> str:
        # People paste their profile's address or "@name": keep the name.
        value = self.cleaned_data.get("github_username", "").strip()
        value = value.removeprefix("https://").removeprefix("http://")
        value = value.removeprefix("github.com/").removeprefix("@").strip("/")
        if value:
            github_username_validator(value)
        return value

    def clean_team(self) -> str:
        return self.cleaned_data.get("team", "").strip()


class SignupForm(ProfileFieldsMixin, UserCreationForm):
    error_messages = {
        **UserCreationForm.error_messages,
        "password_mismatch": "The two passwords differ: type the same password in both fields.",
    }

    class Meta:
        model = User
        fields = ("email", "username", "github_username", "team")
        field_classes = {"username": UsernameField}
        labels = {
            "email": "Email address",
            "username": "Public name",
            "github_username": "GitHub username (optional)",
            "team": "Team (optional)",
        }
        help_texts = {
            "email": "You log in with it. It is never shown to anyone.",
            "username": (
                "Shown on the leaderboards and in your profile's address: letters, digits "
                "and @ . + - _ only."
            ),
            "github_username": "Shown on your profile, linked to your GitHub page.",
            "team": "Your team or lab, shown on your profile.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["github_username"].widget.attrs.update(autocapitalize="none")

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip())
        # Addresses that differ only in case reach the same person: one account each.
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account already uses this email address: log in with it, or reset its "
                "password if you forgot it."
            )
        return email

    def clean_username(self) -> str:
        username = self.cleaned_data.get("username", "")
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(
                f"The public name {username!r} is taken: choose another one."
            )
        return username


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, asking for the email address (User.USERNAME_FIELD)."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
        error_messages={
            "invalid": "Enter the email address you signed up with, not your public name."
        },
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "This email address and password do not match an account. Check them, or reset "
            "your password if you forgot it."
        ),
        "inactive": "This account is disabled: write to the arena's maintainers.",
    }

    def clean_username(self) -> str:
        email = self.cleaned_data["username"].strip()
        # The backend compares exactly; match the stored address whatever its case.
        matches = list(User.objects.filter(email__iexact=email).values_list("email", flat=True)[:2])
        return matches[0] if len(matches) == 1 else email


class ProfileForm(ProfileFieldsMixin, forms.ModelForm):
    """The public details, and what the arena tells you (web.notifications)."""

    class Meta:
        model = User
        fields = ("github_username", "team", "notify_revisions", "notify_editions", "webhook_url")
        labels = {
            "github_username": "GitHub username",
            "team": "Team",
            "notify_revisions": "Mail me when a revision fails or validates",
            "notify_editions": "Mail me each finished edition's result (rank, change, points)",
        }
        help_texts = {
            "github_username": "Shown on your profile, linked to your GitHub page. Optional.",
            "team": "Your team or lab, shown on your profile. Optional.",
        }

    # An address typed without its scheme is taken as https (Django 6's default too).
    webhook_url = forms.URLField(
        label="Webhook address",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text="Optional. The arena POSTs the same events there as JSON (the API's own "
        "representation), signed in the X-Arena-Signature header. Leave it empty for none.",
    )

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data.get("webhook_url", "").strip()
        if url:
            # Checked now for a clear answer, and again before every post (web.webhooks).
            try:
                _, host, port, _ = webhooks.check_url(url)
                webhooks.resolve(host, port, settings.ARENA_WEBHOOK_ALLOW_LOOPBACK)
            except webhooks.Refused as exc:
                message = str(exc)
                raise forms.ValidationError(f"{message[:1].upper()}{message[1:]}.") from exc
        return url


class GameChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Environment) -> str:
        return obj.name


class CompetitorForm(forms.Form):
    game = GameChoiceField(
        queryset=Environment.objects.filter(active=True),
        to_field_name="slug",
        empty_label="Choose a game",
        error_messages={
            "required": "Choose the game this competitor plays.",
            "invalid_choice": services.GAME_CLOSED,
        },
    )
    name = forms.SlugField(
        max_length=services.COMPETITOR_NAME_MAX_LENGTH,
        help_text=(
            "Its name on the leaderboard and in its address: letters, digits, - and _ "
            "(for example my-minimax)."
        ),
        error_messages={
            "required": "Give the competitor a name.",
            "invalid": services.COMPETITOR_NAME_RULE,
        },
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    is_public = forms.BooleanField(
        label="Public",
        required=False,
        help_text=(
            "Anyone may download a public competitor's source and read its logs. A private "
            "one's are seen only by you and the maintainers; its results are public either way."
        ),
    )


class OwnCompetitorField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Competitor) -> str:
        return f"{obj.name} ({obj.environment.name})"


class UploadForm(forms.Form):
    competitor = OwnCompetitorField(
        queryset=Competitor.objects.none(),
        empty_label="Choose one of your competitors",
        error_messages={
            "required": "Choose the competitor this zip is a new revision of.",
            "invalid_choice": (
                "You can only upload to one of your own competitors: choose one in the list, "
                "or create one with the form on this page."
            ),
        },
    )
    zip_file = forms.FileField(
        label="Zip file",
        allow_empty_file=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        error_messages=services.ZIP_FILE_ERRORS,
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competitor"].queryset = own_competitors(user)
        limits = services.zip_rules()
        size = services.human_size(limits.max_compressed)
        self.fields["zip_file"].help_text = (
            f"At most {size} and {limits.max_files} files (each "
            "folder counts as one), with player.py at its root and, if the player needs "
            "packages, a requirements.txt or environment.yml beside it."
        )

    def clean_competitor(self) -> Competitor:
        competitor = self.cleaned_data["competitor"]
        try:
            services.check_takes_submissions(competitor)
        except services.Refused as exc:
            raise forms.ValidationError(str(exc)) from None
        return competitor
