"""Session and CSRF cookies are Secure on answers to requests that came over TLS (nginx says so
with X-Forwarded-Proto, believed only behind it), and plain on plain HTTP, where a Secure cookie
would make logging in impossible (the compose stack before its certificate, the demo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import ROOT
from tests.platform import factories

pytestmark = pytest.mark.django_db


def log_in(client: Client, **extra):
    factories.user("ada")
    client.get(reverse("login"), **extra)
    return client.post(reverse("login"), {"username": "ada@example.com", "password": "pw"}, **extra)


def test_cookies_are_secure_over_tls():
    client = Client()
    response = log_in(client, secure=True)
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert client.cookies["csrftoken"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True


def test_cookies_are_plain_over_plain_http():
    response = log_in(Client())
    assert response.status_code == 302
    assert not response.cookies["sessionid"]["secure"]


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_nginx_its_forwarded_proto_says_tls():
    response = log_in(Client(), HTTP_X_FORWARDED_PROTO="https")
    assert response.cookies["sessionid"]["secure"] is True


def settings_with(**env: str) -> dict:
    """Some settings as core.settings reads them from these environment variables."""
    code = (
        "import json; from django.conf import settings as s; import django; django.setup(); "
        "print(json.dumps({'proxy': s.__dict__['_wrapped'].__dict__.get('SECURE_PROXY_SSL_HEADER'),"
        " 'session': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE,"
        " 'middleware': 'web.middleware.SecureCookiesMiddleware' in s.MIDDLEWARE}))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "core.settings", **env}
    environment.setdefault("ARENA_SECRET_KEY", "tests-only")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_settings_trust_the_proxy_only_when_told():
    assert settings_with(ARENA_BEHIND_PROXY="false")["proxy"] is None
    behind = settings_with(ARENA_BEHIND_PROXY="true")
    assert behind["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert behind["middleware"] and not behind["session"]
    always = settings_with(ARENA_SECURE_COOKIES="true")
    assert always["session"] and always["csrf"] and not always["middleware"]
