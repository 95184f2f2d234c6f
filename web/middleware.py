"""Session and CSRF cookies marked Secure on responses to requests that came over TLS.

With ``ARENA_SECURE_COOKIES=auto`` (the default): the compose stack serves plain HTTP until
certbot has the certificate (and forever without a domain), when Secure cookies would make
logging in impossible; from then on every request comes over TLS (nginx says so with
X-Forwarded-Proto, trusted with ``ARENA_BEHIND_PROXY``), and the cookies must never travel in
clear again.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecureCookiesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.is_secure():
            for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
                if name in response.cookies:
                    response.cookies[name]["secure"] = True
        return response
