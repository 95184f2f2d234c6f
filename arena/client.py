"""A small client of the arena's JSON API (/api/v1/), on the standard library alone."""

from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib import error, parse, request

# Files a participant's folder holds that the player never needs.
SKIPPED_FOLDERS = {"__pycache__", ".git", ".hg", ".svn", ".venv", ".mypy_cache", ".pytest_cache"}

BAD_INPUT, SERVER_FAILURE = 2, 3
DEFAULT_SERVER = "http://127.0.0.1:8000"  # `make demo`'s site


class CliError(Exception):
    """A failure told to the user in one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


class ApiError(CliError):
    def __init__(self, message: str, status: int, code: int = BAD_INPUT) -> None:
        super().__init__(message, code)
        self.status = status


class ArenaClient:
    def __init__(self, server: str, token: str, timeout: float = 120.0) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.timeout = timeout

    def url(self, path: str) -> str:
        return f"{self.server}{path}"

    def get(self, path: str) -> Any:
        return self._send("GET", path)

    def get_bytes(self, path: str) -> bytes:
        """A download (a source zip): the body as it is, not JSON."""
        return self._send("GET", path, raw=True)

    def post_json(self, path: str, data: dict[str, Any]) -> Any:
        return self._send("POST", path, json.dumps(data).encode(), "application/json")

    def post_file(self, path: str, field: str, filename: str, content: bytes) -> Any:
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'
        ).encode()
        body += content + f"\r\n--{boundary}--\r\n".encode()
        return self._send("POST", path, body, f"multipart/form-data; boundary={boundary}")

    def _send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str | None = None,
        *,
        raw: bool = False,
    ) -> Any:
        headers = {"Accept": "application/json"}
        if self.token:  # without one, the API answers what anyone may read
            headers["Authorization"] = f"Bearer {self.token}"
        if content_type:
            headers["Content-Type"] = content_type
        req = request.Request(self.url(path), data=body, headers=headers, method=method)
        try:
            with request.urlopen(req, timeout=self.timeout) as response:
                if raw:
                    return response.read()
                return self._decode(response.status, response.read())
        except error.HTTPError as exc:
            data = self._decode(exc.code, exc.read(), failed=True)
            message = data.get("error") if isinstance(data, dict) else None
            raise self._error(exc.code, message or f"HTTP {exc.code}") from None
        except (error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CliError(
                f"cannot reach the arena at {self.server} ({reason}): check the address "
                "(--server or ARENA_SERVER) and that the server is up",
                SERVER_FAILURE,
            ) from None

    def _decode(self, status: int, raw: bytes, failed: bool = False) -> Any:
        try:
            return json.loads(raw)
        except ValueError:
            if failed and status >= 500:
                return None
            raise CliError(
                f"{self.server} answered HTTP {status} with something other than the arena's "
                "API: check the address (--server or ARENA_SERVER)",
                SERVER_FAILURE,
            ) from None

    def _error(self, status: int, message: str) -> ApiError:
        if status == 401:
            return ApiError(
                f"the server refused your API token: {message}",
                status,
            )
        if status >= 500:
            return ApiError(
                f"the arena failed (HTTP {status}): {message}; try again later",
                status,
                SERVER_FAILURE,
            )
        return ApiError(message, status)


def zip_folder(folder: Path) -> bytes:
    """The folder as a zip, without caches and version-control folders."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if SKIPPED_FOLDERS & set(relative.parts) or not path.is_file():
                continue
            archive.write(path, relative.as_posix())
    return buffer.getvalue()


def submission_bytes(path: Path) -> tuple[str, bytes]:
    """(file name, zip) of a player folder or of a zip file, checked for player.py."""
    if path.is_file() and path.suffix == ".zip":
        return path.name, path.read_bytes()
    if not path.is_dir():
        raise CliError(f"{path} is neither a folder nor a .zip file: give the player's folder")
    if not (path / "player.py").is_file():
        raise CliError(
            f"{path} has no player.py: give the folder that holds player.py (with its Player class)"
        )
    return f"{path.resolve().name or 'player'}.zip", zip_folder(path)


def quote(name: str) -> str:
    return parse.quote(name, safe="")


def env_or(value: str | None, name: str, default: str = "") -> str:
    return value or os.environ.get(name, "") or default


def server_and_token(server: str | None, token: str | None) -> tuple[str, str]:
    """The server (the option, else ARENA_SERVER, else :data:`DEFAULT_SERVER`) and the API
    token (the option, else ARENA_TOKEN) of a command that needs one: CliError without it."""
    server = env_or(server, "ARENA_SERVER", DEFAULT_SERVER)
    token = env_or(token, "ARENA_TOKEN")
    if not token:
        raise CliError(
            f"no API token: create one on {server.rstrip('/')}/account/api-token/ and pass it "
            "with --token or ARENA_TOKEN"
        )
    return server, token


def name_and_version(given: str, option: str) -> tuple[str, int | None]:
    """``name`` or ``name@version``: a competitor and its version (None: its latest valid)."""
    name, at, version = given.partition("@")
    if not name or (at and not version.isdigit()):
        raise CliError(f"{option} {given!r}: give a competitor's name, or name@version (bot@3)")
    return name, int(version) if at else None
