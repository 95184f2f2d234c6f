"""The website's API token page: create (shown once) or revoke your personal token."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache

from core.models import ApiToken


@never_cache  # the page that shows a new token must not be kept by any cache
@login_required
def api_token(request: HttpRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            new_token = ApiToken.create_for(request.user)
        elif action == "revoke":
            ApiToken.objects.filter(user=request.user).delete()
            messages.success(request, "Your API token is revoked: programs using it are refused.")
            return redirect("api-token")
    token = ApiToken.objects.filter(user=request.user).first()
    return render(
        request,
        "api/token.html",
        {
            "token": token,
            "new_token": new_token,
            "server": request.build_absolute_uri("/").rstrip("/"),
        },
    )


urlpatterns = [path("account/api-token/", api_token, name="api-token")]
