"""Failed logins and password-reset requests are throttled per account and per address, with
a message that says when to try again; the counters live in Redis, shared by every process."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from tests.platform import factories

pytestmark = pytest.mark.django_db


def log_in(client: Client, email: str, password: str, address: str = "10.1.2.3"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


@override_settings(ARENA_LOGIN_ATTEMPTS_PER_ACCOUNT=3, ARENA_LOGIN_ATTEMPTS_PER_IP=1000)
def test_an_account_refuses_logins_after_too_many_failures():
    factories.user("ada")
    client = Client()
    for _ in range(3):
        response = log_in(client, "ada@example.com", "wrong")
        assert (
            response.status_code == 200 and "do not match an account" in response.content.decode()
        )
    # Even the right password is refused now, from another address too: the account is
    # protected, whoever guesses.
    response = log_in(client, "ADA@example.com", "pw", address="10.9.9.9")
    assert response.status_code == 429
    assert "Too many attempts: try again in 15 minutes." in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in client.session
    # Another account is not concerned.
    factories.user("bob")
    assert log_in(Client(), "bob@example.com", "pw").status_code == 302


@override_settings(ARENA_LOGIN_ATTEMPTS_PER_ACCOUNT=1000, ARENA_LOGIN_ATTEMPTS_PER_IP=4)
def test_an_address_is_refused_after_too_many_failures_on_any_accounts():
    factories.user("ada")
    for n in range(4):
        log_in(Client(), f"nobody{n}@example.com", "guess")
    assert log_in(Client(), "ada@example.com", "pw").status_code == 429
    assert log_in(Client(), "ada@example.com", "pw", address="10.4.4.4").status_code == 302


@override_settings(ARENA_LOGIN_ATTEMPTS_PER_ACCOUNT=2, ARENA_LOGIN_ATTEMPTS_PER_IP=1000)
def test_password_reset_mails_are_throttled_per_address():
    factories.user("ada")
    client = Client()
    for _ in range(2):
        response = client.post(reverse("password_reset"), {"email": "ada@example.com"})
        assert response.status_code == 302
    response = client.post(reverse("password_reset"), {"email": "ada@example.com"})
    assert response.status_code == 429
    assert "Too many attempts: try again in 15 minutes." in response.content.decode()
    assert len(mail.outbox) == 2


@override_settings(ARENA_BEHIND_PROXY=True, ARENA_LOGIN_ATTEMPTS_PER_IP=2)
def test_behind_nginx_the_forwarded_address_is_counted():
    factories.user("ada")
    for _ in range(2):
        Client().post(
            reverse("login"),
            {"username": "x@example.com", "password": "x"},
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    refused = Client().post(
        reverse("login"),
        {"username": "ada@example.com", "password": "pw"},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert refused.status_code == 429
    other = Client().post(
        reverse("login"),
        {"username": "ada@example.com", "password": "pw"},
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert other.status_code == 302


@override_settings(ARENA_LOGIN_ATTEMPTS_PER_ACCOUNT=2)
def test_the_counters_are_shared_through_redis(settings):
    # The production cache (core/settings.py with a broker), under a prefix of this test.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.CELERY_BROKER_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    from django.core.cache import caches

    factories.user("ada")
    for _ in range(2):
        log_in(Client(), "ada@example.com", "wrong")
    assert log_in(Client(), "ada@example.com", "pw").status_code == 429
    # What another web process would see: a new connection to the same Redis.
    caches["default"].close()
    import redis

    keys = redis.Redis.from_url(settings.CELERY_BROKER_URL).keys(
        f"{settings.CACHES['default']['KEY_PREFIX']}:*arena:throttle:login:*"
    )
    assert keys
