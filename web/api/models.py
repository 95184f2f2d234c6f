"""Personal API tokens (the moves asked for with them are core.models.ApiMove)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "arena_"


def hash_token(key: str) -> str:
    # A token is 32 random bytes: a fast hash is enough (nothing to brute-force), and it lets
    # a request find its token by an indexed lookup.
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A user's one API token. Only its hash is stored: the token is shown once, at creation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16, help_text="its first characters, to recognise it")
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)
    # The move endpoint's rate limit: moves asked for in the minute that started then.
    move_window_start = models.DateTimeField(null=True, blank=True)
    move_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def create_for(cls, user: settings.AUTH_USER_MODEL) -> str:
        """A new token for the user, replacing any previous one; returns the token itself."""
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        cls.objects.filter(user=user).delete()
        cls.objects.create(user=user, key_hash=hash_token(key), prefix=key[:12])
        return key
