"""Each test of the site starts with an empty cache of its own: the login throttle's counters
(web.throttle) of one test never refuse another's logins."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture(autouse=True)
def own_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4().hex}",
        }
    }
