"""Zips for builder tests, written entry by entry so that each hostile shape can be made."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

from tests.conftest import EXAMPLE_PLAYERS

RANDOM_PLAYER = (EXAMPLE_PLAYERS / "random" / "player.py").read_text()


def zip_bytes(entries: dict[str, str | bytes], symlinks: dict[str, str] | None = None) -> bytes:
    """A zip of ``entries`` (name -> content; a name ending in '/' is a folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def write_zip(path: Path, entries: dict[str, str | bytes], **kwargs) -> Path:
    path.write_bytes(zip_bytes(entries, **kwargs))
    return path


def player_zip(path: Path, files: dict[str, str] | None = None) -> Path:
    """The random example player, with ``files`` beside it (requirements.txt...)."""
    return write_zip(path, {"player.py": RANDOM_PLAYER, **(files or {})})
