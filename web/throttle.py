"""Attempts counted per account and per client address, in Django's cache (Redis with a
broker, shared by every web process): failed logins and password-reset requests.

A fixed window of 15 minutes: a counter starts with the first attempt and is forgotten when
its window ends. A guesser is slowed to a handful of passwords per quarter hour per account,
and a mail bomber to as many reset mails; the per-address limit stays high, since a meetup's
attendees may all come from one address.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 15 * 60


def client_address(request: HttpRequest) -> str:
    """The client's address: nginx's X-Forwarded-For behind it (it sets the header to the
    address it sees, ``ARENA_BEHIND_PROXY``), else the connection's."""
    if settings.ARENA_BEHIND_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(scope: str, request: HttpRequest, account: str) -> list[tuple[str, int]]:
    """The counters an attempt counts in, with their limits."""
    keys = [(f"ip:{client_address(request)}", settings.ARENA_LOGIN_ATTEMPTS_PER_IP)]
    if account:
        keys.append(
            (f"account:{account.strip().lower()}", settings.ARENA_LOGIN_ATTEMPTS_PER_ACCOUNT)
        )
    # Hashed: no address or email in clear in the cache.
    return [
        (f"arena:throttle:{scope}:{hashlib.sha256(key.encode()).hexdigest()}", limit)
        for key, limit in keys
    ]


def wait_seconds(scope: str, request: HttpRequest, account: str) -> int:
    """0 if an attempt is allowed now, else the seconds until it is."""
    now = time.time()
    wait = 0.0
    for key, limit in _keys(scope, request, account):
        counted = cache.get_many([key, f"{key}:start"])
        if counted.get(key, 0) >= limit:
            start = counted.get(f"{key}:start", now)
            wait = max(wait, start + WINDOW_SECONDS - now, 1)
    return math.ceil(wait)


def count_attempt(scope: str, request: HttpRequest, account: str) -> None:
    for key, _ in _keys(scope, request, account):
        if cache.add(key, 0, WINDOW_SECONDS):
            cache.set(f"{key}:start", time.time(), WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls: a new window
            cache.add(key, 1, WINDOW_SECONDS)


def too_many_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many attempts: try again in {minutes} {unit}."
