"""Typed readers of environment variables for the settings.

A bad value stops the process at start-up with a message naming the variable, what was
wrong and an example, instead of failing later in a worker.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true or false")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a whole number, e.g. {default}"
        ) from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below its minimum, {minimum}")
    return number


def env_float(
    name: str, default: float, *, minimum: float | None = None, below: float | None = None
) -> float:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number, e.g. {default}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below its minimum, {minimum}")
    if below is not None and number >= below:
        raise ImproperlyConfigured(f"{name}={number} must be below {below}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}")
    return value


def env_path(name: str, default: Path | None) -> Path | None:
    value = _raw(name)
    if value is None or value == "":
        return default
    return Path(value).expanduser()


@dataclass(frozen=True)
class DatabaseUrl:
    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    def django(self) -> dict[str, object]:
        config: dict[str, object] = {"ENGINE": self.engine, "NAME": self.name}
        if self.engine.endswith("postgresql"):
            config.update(
                USER=self.user,
                PASSWORD=self.password,
                HOST=self.host,
                PORT=self.port,
                CONN_MAX_AGE=60,
                CONN_HEALTH_CHECKS=True,
            )
        else:
            # Several processes (web, worker) share one SQLite file in the embedded mode.
            config["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
        return config


def env_database(name: str, default: str) -> DatabaseUrl:
    """``postgres://user:password@host:5432/name`` or ``sqlite:///path/to/file.sqlite3``."""
    value = env_str(name, default)
    parts = urlsplit(value)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if value.startswith("sqlite:////"):
            path = "/" + path.lstrip("/")
        elif path.startswith("/"):
            path = path[1:]
        if not path:
            raise ImproperlyConfigured(
                f"{name}={value!r} names no file: e.g. sqlite:///var/arena.sqlite3"
            )
        return DatabaseUrl("django.db.backends.sqlite3", path)
    if parts.scheme in ("postgres", "postgresql"):
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise ImproperlyConfigured(
                f"{name}={value!r} names no database: e.g. postgres://arena@db:5432/arena"
            )
        return DatabaseUrl(
            "django.db.backends.postgresql",
            database,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
            parts.hostname or "",
            str(parts.port or ""),
        )
    raise ImproperlyConfigured(
        f"{name}={value!r}: use postgres://user:password@host:5432/name or sqlite:///path"
    )


def read_or_create_secret(path: Path) -> str:
    """The secret kept in ``path``, created there first if there is none.

    Created whole or not at all, readable by its owner only: written to a private temporary
    file (mode 0600) next to it, flushed to disk, then linked to ``path``, which fails if
    another process (a second web worker starting) got there first, whose secret then wins.
    Nobody ever reads a half-written secret, and it is never readable by others, not even for
    a moment.
    """
    import contextlib
    import secrets
    import tempfile

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".secret-", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(50))
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):  # another process's secret won
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    if path.stat().st_mode & 0o077:  # an older copy, made readable by others: not any more
        path.chmod(0o600)
    secret = path.read_text().strip()
    if not secret:
        raise ImproperlyConfigured(
            f"{path} is empty: delete it (a new secret is made at the next start) or set "
            "ARENA_SECRET_KEY"
        )
    return secret
