"""System checks for rules that span several settings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def sandbox_check(app_configs, **kwargs):
    errors = []
    if settings.ARENA_SANDBOX == "process" and not settings.ARENA_ALLOW_PROCESS_SANDBOX:
        errors.append(
            Error(
                "ARENA_SANDBOX=process runs submitted code without isolation.",
                hint="Use ARENA_SANDBOX=docker, or set ARENA_ALLOW_PROCESS_SANDBOX=true on a "
                "machine where only trusted code is submitted.",
                id="arena.E001",
            )
        )
    if settings.ARENA_PIP_CA_BUNDLE and not settings.ARENA_PIP_CA_BUNDLE.is_file():
        errors.append(
            Error(
                f"ARENA_PIP_CA_BUNDLE={settings.ARENA_PIP_CA_BUNDLE} is not a file.",
                hint="Point it at a PEM bundle, e.g. /etc/ssl/certs/ca-certificates.crt.",
                id="arena.E002",
            )
        )
    if settings.ARENA_WHEELHOUSE and not settings.ARENA_WHEELHOUSE.is_dir():
        errors.append(
            Error(
                f"ARENA_WHEELHOUSE={settings.ARENA_WHEELHOUSE} is not a folder.",
                hint="Point it at a folder of wheels, or leave it empty.",
                id="arena.E003",
            )
        )
    if not settings.DEBUG and settings.CELERY_BROKER_URL and not _secret_from_env():
        errors.append(
            Warning(
                "ARENA_SECRET_KEY is not set: a key kept in ARENA_VAR_DIR is used.",
                hint="Set ARENA_SECRET_KEY in production, the same on every machine.",
                id="arena.W001",
            )
        )
    return errors


def _secret_from_env() -> bool:
    import os

    return bool(os.environ.get("ARENA_SECRET_KEY"))
