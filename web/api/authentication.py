"""API token authentication: ``Authorization: Bearer <token>`` (or ``Token <token>``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from core.models import ApiToken, hash_token

# last_used is a hint for the token page, not an audit log: one write a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_page_hint() -> str:
    return f"create a new one on your profile page ({reverse('api-token')})"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None  # anonymous: reads are public
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: send 'Authorization: Bearer <your API token>'."
            )
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=hash_token(header[1])).first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                f"This API token is not valid (revoked or mistyped): {token_page_hint()}."
            )
        now = timezone.now()
        if token.last_used is None or now - token.last_used > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'  # makes a refused token a 401, not a 403


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "web.api.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Your personal API token, created on your profile page.",
        }
