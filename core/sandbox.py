"""Which sandbox this arena runs players in, a setting every stage reads the same way.

The builder builds for it (an image, or an unpacked folder for the process sandbox) and the
duel runner opens players in it; both ask here, so neither needs the other. The sandboxes
themselves are :mod:`run_duel.sandboxes`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.models import Revision
from run_duel import sandboxes


@functools.cache
def sandbox_kind() -> str:
    """The sandbox this arena builds for, "docker" or "process", from ARENA_SANDBOX ("auto":
    Docker when an engine answers); refused when it would be "process" without
    ARENA_ALLOW_PROCESS_SANDBOX."""
    kind = sandboxes.choose_sandbox(settings.ARENA_SANDBOX)
    if kind == sandboxes.PROCESS and not settings.ARENA_ALLOW_PROCESS_SANDBOX:
        raise ImproperlyConfigured(
            "players would run as local processes, without isolation: start a Docker engine, "
            "or set ARENA_ALLOW_PROCESS_SANDBOX=true on a machine that runs only trusted code"
        )
    return kind


def process_folder(revision: Revision) -> Path:
    """Where the process sandbox keeps a revision's unpacked submission."""
    return Path(settings.VAR_DIR) / "players" / str(revision.pk)
