"""A submission zip, checked and unpacked into a folder the image is built from.

Every rejection says what is wrong and what to do, because a participant reads it.
"""

from __future__ import annotations

import contextlib
import io
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

DROPPED_PARTS = {"__pycache__", ".git", "__MACOSX", ".ipynb_checkpoints"}
DROPPED_NAMES = {".DS_Store"}
# check_submission reads small files (the dependency lists) whole; they are never this large.
MAX_READ_BYTES = 1024 * 1024
# What zipfile raises for a damaged member, an encrypted one or an unknown compression method.
UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)


class SubmissionError(ValueError):
    """The submission cannot be used; the message is for the participant."""


@dataclass(frozen=True)
class ZipLimits:
    max_compressed: int = 100 * 1024 * 1024
    max_uncompressed: int = 500 * 1024 * 1024
    max_files: int = 2000


def _size(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def check_submission(
    source: str | Path | BinaryIO,
    limits: ZipLimits | None = None,
    read: Iterable[str] = (),
) -> dict[str, bytes]:
    """Check the zip without extracting it; return the content of the ``read`` root files present.

    Runs every check :func:`unpack_submission` runs, so an uploader hears of any rejection at
    once instead of from a failed build. ``read`` names files beside ``player.py`` (such as
    ``requirements.txt``) whose content the caller wants to check too.
    """
    with _open_checked(source, limits or ZipLimits()) as (archive, members, prefix):
        wanted = {f"{prefix}/{name}" if prefix else name: name for name in read}
        found = {}
        for name, info in members:
            if name in wanted and not info.is_dir():
                if info.file_size > MAX_READ_BYTES:
                    raise SubmissionError(
                        f"{wanted[name]} is {_size(info.file_size)}, more than the "
                        f"{_size(MAX_READ_BYTES)} allowed: list only the packages the player needs"
                    )
                found[wanted[name]] = _read(archive, info)
        return found


def unpack_submission(
    zip_path: str | Path, destination: str | Path, limits: ZipLimits | None = None
) -> Path:
    """Check the zip and extract it into ``destination`` (created); return the folder.

    Accepts ``player.py`` at the root, or a single top folder holding it (flattened, as when
    a participant zips the folder itself). Drops ``__pycache__``, ``.git`` and OS litter.
    """
    with _open_checked(zip_path, limits or ZipLimits()) as (archive, members, prefix):
        destination = Path(destination)
        destination.mkdir(parents=True, exist_ok=True)
        for name, info in members:
            relative = PurePosixPath(name).relative_to(prefix) if prefix else PurePosixPath(name)
            target = destination.joinpath(*relative.parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source, open(target, "wb") as sink:
                    while chunk := source.read(1 << 20):
                        sink.write(chunk)
            except UNREADABLE as exc:
                raise _unreadable(info, exc) from exc
    return destination


@contextlib.contextmanager
def _open_checked(
    source: str | Path | BinaryIO, limits: ZipLimits
) -> Iterator[tuple[zipfile.ZipFile, list[tuple[str, zipfile.ZipInfo]], str]]:
    """The open archive, its kept members and the folder prefix holding player.py."""
    if isinstance(source, (str, Path)):
        label = Path(source).name
        size = Path(source).stat().st_size
    else:
        # An uploaded file: its name is the participant's, its size is where its end is.
        label = Path(getattr(source, "name", None) or "the upload").name
        source.seek(0, io.SEEK_END)
        size = source.tell()
        source.seek(0)
    if size > limits.max_compressed:
        raise SubmissionError(
            f"the zip is {_size(size)}, more than the {_size(limits.max_compressed)} allowed: "
            "leave training data and checkpoints you do not need out of it"
        )
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(
            f"{label} is not a readable zip file ({exc}): create it with 'zip -r' "
            "or your system's 'compress' command"
        ) from exc
    with archive:
        members = _checked_members(archive, limits)
        prefix = _player_prefix([name for name, _ in members])
        yield archive, members, prefix


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)
    except UNREADABLE as exc:
        raise _unreadable(info, exc) from exc


def _unreadable(info: zipfile.ZipInfo, exc: BaseException) -> SubmissionError:
    return SubmissionError(
        f"{info.filename} cannot be read from the zip ({exc}): create the zip again, "
        "without a password, with 'zip -r' or your system's 'compress' command"
    )


def _checked_members(
    archive: zipfile.ZipFile, limits: ZipLimits
) -> list[tuple[str, zipfile.ZipInfo]]:
    members = []
    total = 0
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        path = PurePosixPath(name)
        if name.startswith("/") or (path.parts and path.parts[0].endswith(":")):
            raise SubmissionError(f"the zip holds an absolute path, {name!r}: zip relative paths")
        if ".." in path.parts:
            raise SubmissionError(f"the zip holds a path going up, {name!r}: zip relative paths")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise SubmissionError(
                f"the zip holds a symbolic link, {name!r}: put the file itself in the zip"
            )
        if DROPPED_PARTS.intersection(path.parts) or path.name in DROPPED_NAMES:
            continue
        members.append((name, info))
        total += info.file_size
    files = sum(1 for _, info in members if not info.is_dir())
    if files > limits.max_files:
        raise SubmissionError(
            f"the zip holds {files} files, more than the {limits.max_files} allowed"
        )
    if total > limits.max_uncompressed:
        raise SubmissionError(
            f"the zip unpacks to {_size(total)}, more than the {_size(limits.max_uncompressed)} "
            "allowed: leave what the player does not need out of it"
        )
    return members


def _player_prefix(names: list[str]) -> str:
    """'' when player.py is at the root, 'folder' when a single top folder holds it."""
    if "player.py" in names:
        return ""
    tops = {PurePosixPath(name).parts[0] for name in names if name.strip("/")}
    if len(tops) == 1:
        top = tops.pop()
        if f"{top}/player.py" in names:
            return top
    raise SubmissionError(
        "the zip has no player.py at its root: put player.py (defining class Player) at the "
        "top of the zip, or zip the folder that holds it"
    )
