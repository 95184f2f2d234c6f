"""A submission zip, checked and unpacked into a folder the image is built from.

Every rejection says what is wrong and what to do, because a participant reads it. A zip is
the participant's own bytes, so nothing in it is trusted before it is bounded: its end record
is read here first, and a zip announcing more entries (files and folders) or a larger list of
contents than the limits allow is refused before :mod:`zipfile` reads that list into memory.
Names are then normalised (``./requirements.txt`` is ``requirements.txt``) before any check,
so every check sees the name the unpacked file will have.
"""

from __future__ import annotations

import contextlib
import io
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from builder.dependencies import DEPENDENCY_FILES, dependencies_from_files
from builder.errors import SubmissionError

DROPPED_PARTS = {"__pycache__", ".git", "__MACOSX", ".ipynb_checkpoints"}
DROPPED_NAMES = {".DS_Store"}
# check_submission reads small files (the dependency lists) whole; they are never this large.
MAX_READ_BYTES = 1024 * 1024
# What zipfile raises for a damaged member, an encrypted one, an unknown compression method
# or a local header that contradicts the central directory.
UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    struct.error,
    OverflowError,
)

# An entry's whole path, in UTF-8 bytes, and each of its parts (Linux's NAME_MAX: a longer
# name cannot be created on disk, which would fail the build as if it were the arena's fault).
MAX_NAME_BYTES = 1024
MAX_PART_BYTES = 255
MAX_DEPTH = 32
# Deflate packs at most about 1032:1 (long runs of one byte), so a member announcing twice
# that is a bzip2 or lzma bomb, or lies about its size; small members are left alone.
MAX_RATIO = 2000
RATIO_FROM_BYTES = 1024 * 1024
# The central directory's share per entry: its fixed 46 bytes, the longest name allowed and
# room for extra fields and a comment. Real zips use a fraction of it.
CENTRAL_ENTRY_BYTES = 46 + MAX_NAME_BYTES + 512
COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}

# The end records (APPNOTE.TXT 4.3.14 to 4.3.16), read here as zipfile reads them.
_EOCD = struct.Struct("<4s4H2LH")  # signature, disk, CD disk, entries here, entries, CD size...
_EOCD_SIGNATURE = b"PK\x05\x06"
_EOCD64_LOCATOR = struct.Struct("<4sLQL")  # signature, CD disk, record offset, disks
_EOCD64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # signature, size, versions, disks, entries x2, CD size...
_EOCD64_SIGNATURE = b"PK\x06\x06"
# zipfile looks for the end record in the last 64 KB and 22 bytes (room for its comment).
_TAIL = (1 << 16) + _EOCD.size
# Control characters (C0, DEL, C1): in a name they hide what the name is, or break the build.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ZipLimits:
    max_compressed: int = 100 * 1024 * 1024
    max_uncompressed: int = 500 * 1024 * 1024
    # Entries: files and folders alike, since each costs the same to list and to unpack.
    max_files: int = 2000

    @property
    def max_central_directory(self) -> int:
        """The largest list of contents ``max_files`` entries can need."""
        return self.max_files * CENTRAL_ENTRY_BYTES


def _size(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def check_upload(
    source: str | Path | BinaryIO, limits: ZipLimits | None = None
) -> dict[str, bytes]:
    """Every check an uploaded zip gets: the zip itself, then its dependency files.

    The one function behind the server's upload (:mod:`web.services`) and the dev kit's
    zips (:mod:`arena.devkit`), so a participant learns at home what the server would refuse.
    Returns the content of the dependency files found beside ``player.py``.
    """
    files = check_submission(source, limits, read=DEPENDENCY_FILES)
    dependencies_from_files(files)  # a malformed environment.yml is refused now, not later
    return files


def check_submission(
    source: str | Path | BinaryIO,
    limits: ZipLimits | None = None,
    read: Iterable[str] = (),
) -> dict[str, bytes]:
    """Check the zip without extracting it; return the content of the ``read`` root files present.

    Runs every check :func:`unpack_submission` runs, so an uploader hears of any rejection at
    once instead of from a failed build. ``read`` names text files beside ``player.py`` (such
    as ``requirements.txt``) whose content the caller wants to check too.
    """
    with _open_checked(source, limits or ZipLimits()) as (archive, members, prefix):
        wanted = {f"{prefix}/{name}" if prefix else name: name for name in read}
        found = {}
        for name, info in members:
            if name in wanted and not info.is_dir():
                label = wanted[name]
                if info.file_size > MAX_READ_BYTES:
                    raise SubmissionError(
                        f"{label} is {_size(info.file_size)}, more than the "
                        f"{_size(MAX_READ_BYTES)} allowed: list only the packages the player needs"
                    )
                content = _read(archive, name, info)
                if b"\0" in content:
                    raise SubmissionError(
                        f"{label} holds NUL bytes, so it is not a text file: write it again "
                        "as plain text, one package per line"
                    )
                found[label] = content
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
            # Normalised names have no '..', no root and no empty part: always inside.
            target = destination.joinpath(*relative.parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source, open(target, "wb") as sink:
                    # zipfile stops at the size the central directory announced, checked above.
                    while chunk := source.read(1 << 20):
                        sink.write(chunk)
            except UNREADABLE as exc:
                raise _unreadable(name, exc) from exc
    return destination


@contextlib.contextmanager
def _open_checked(
    source: str | Path | BinaryIO, limits: ZipLimits
) -> Iterator[tuple[zipfile.ZipFile, list[tuple[str, zipfile.ZipInfo]], str]]:
    """The open archive, its kept members (by normalised name) and the folder holding player.py."""
    with contextlib.ExitStack() as stack:
        if isinstance(source, (str, Path)):
            label = Path(source).name
            stream: BinaryIO = stack.enter_context(open(source, "rb"))
        else:
            # An uploaded file: its name is the participant's.
            label = Path(getattr(source, "name", None) or "the upload").name
            stream = source
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        if size > limits.max_compressed:
            raise SubmissionError(
                f"the zip is {_size(size)}, more than the {_size(limits.max_compressed)} "
                "allowed: leave training data and checkpoints you do not need out of it"
            )
        _check_end_record(stream, size, limits, label)
        stream.seek(0)
        try:
            archive = zipfile.ZipFile(stream)
        except UnicodeDecodeError as exc:
            raise SubmissionError(
                f"the zip holds a name that is not valid UTF-8, {exc.object[:100]!r}: rename "
                "that file or folder and create the zip again"
            ) from exc
        except Exception as exc:
            # Whatever zipfile raises about bytes the participant chose is about their zip.
            raise _not_a_zip(label, exc) from exc
        stack.enter_context(archive)
        # The end record may understate the entries; the directory read is bounded, count again.
        _check_entry_count(len(archive.filelist), limits)
        members = _checked_members(archive, limits)
        prefix = _player_prefix([name for name, info in members if not info.is_dir()])
        yield archive, members, prefix


def _not_a_zip(label: str, exc: BaseException | str) -> SubmissionError:
    return SubmissionError(
        f"{label} is not a readable zip file ({str(exc)[:200]}): create it with 'zip -r' "
        "or your system's 'compress' command"
    )


def _check_end_record(stream: BinaryIO, size: int, limits: ZipLimits, label: str) -> None:
    """Refuse a zip whose end record announces too many entries or too large a directory.

    Reads at most the last 64 KB (the end record and its comment), finding the record exactly
    as zipfile does so that both see the same numbers, and the zip64 record beside it.
    """
    tail_start = max(0, size - _TAIL)
    stream.seek(tail_start)
    tail = stream.read(size - tail_start)
    # zipfile first tries a record without a comment at the very end, then the last signature.
    end = tail[-_EOCD.size :]
    if len(end) == _EOCD.size and end.startswith(_EOCD_SIGNATURE) and end.endswith(b"\0\0"):
        at = len(tail) - _EOCD.size
    else:
        at = tail.rfind(_EOCD_SIGNATURE)
    if at < 0 or at + _EOCD.size > len(tail):
        raise _not_a_zip(label, "File is not a zip file")
    _, disk, directory_disk, _, entries, directory_size, _, _ = _EOCD.unpack_from(tail, at)
    # A field at its maximum means "see the zip64 record"; with none, zipfile takes it as is.
    counts = [] if entries == 0xFFFF else [entries]
    sizes = [] if directory_size == 0xFFFFFFFF else [directory_size]
    for record in _zip64_records(stream, size, tail, tail_start, at):
        disk = disk or record[4] or record[5]
        counts.append(record[7])
        sizes.append(record[8])
    if disk or directory_disk:
        raise SubmissionError(
            f"{label} is one part of a split zip: create it again as a single zip file"
        )
    # The largest of what any version of zipfile could read from these records.
    entries, directory_size = max(counts, default=entries), max(sizes, default=directory_size)
    _check_entry_count(entries, limits)
    if directory_size > limits.max_central_directory:
        raise SubmissionError(
            f"the zip's list of contents is {_size(directory_size)}, more than the "
            f"{_size(limits.max_central_directory)} its {limits.max_files} files may need: "
            "create it again with 'zip -r', with fewer files and shorter names"
        )


def _zip64_records(
    stream: BinaryIO, size: int, tail: bytes, tail_start: int, at: int
) -> Iterator[tuple[int, ...]]:
    """The zip64 end records a locator just before the end record points to (0, 1 or 2)."""
    locator_at = at - _EOCD64_LOCATOR.size
    if locator_at < 0:
        return
    signature, _, offset, _ = _EOCD64_LOCATOR.unpack_from(tail, locator_at)
    if signature != _EOCD64_LOCATOR_SIGNATURE:
        return
    # Python 3.11 reads the record just before the locator, later versions where it points.
    for position in {tail_start + locator_at - _EOCD64.size, offset}:
        if not 0 <= position <= size - _EOCD64.size:  # the offset is the participant's
            continue
        stream.seek(position)
        data = stream.read(_EOCD64.size)
        if len(data) == _EOCD64.size and data.startswith(_EOCD64_SIGNATURE):
            yield _EOCD64.unpack(data)


def _check_entry_count(entries: int, limits: ZipLimits) -> None:
    if entries > limits.max_files:
        raise SubmissionError(
            f"the zip holds {entries} files, more than the {limits.max_files} allowed (each "
            "folder counts as one): leave data, .git and __pycache__ the player does not need "
            "out of it"
        )


def _read(archive: zipfile.ZipFile, name: str, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)
    except UNREADABLE as exc:
        raise _unreadable(name, exc) from exc


def _unreadable(name: str, exc: BaseException) -> SubmissionError:
    return SubmissionError(
        f"{name} cannot be read from the zip ({exc}): create the zip again, "
        "without a password, with 'zip -r' or your system's 'compress' command"
    )


def _normalised(info: zipfile.ZipInfo) -> str:
    """The entry's path as it will be unpacked ('' for the root), or why it cannot be."""
    # orig_filename: zipfile cuts filename at a NUL byte, hiding what follows it.
    raw = info.orig_filename
    if _CONTROL.search(raw):
        raise SubmissionError(
            f"the zip holds a name with a control character, {raw[:100]!r}: rename it with "
            "printable characters only"
        )
    if len(raw.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        raise SubmissionError(
            f"the zip holds a name longer than {MAX_NAME_BYTES} bytes, {raw[:60]!r}...: use "
            "shorter names and fewer nested folders"
        )
    name = raw.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        raise SubmissionError(f"the zip holds an absolute path, {raw!r}: zip relative paths")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise SubmissionError(f"the zip holds a path going up, {raw!r}: zip relative paths")
    if len(parts) > MAX_DEPTH:
        raise SubmissionError(
            f"the zip holds a path {len(parts)} levels deep, more than the {MAX_DEPTH} "
            f"allowed, {raw[:60]!r}...: flatten your folders"
        )
    for part in parts:
        if len(part.encode("utf-8", "surrogateescape")) > MAX_PART_BYTES:
            raise SubmissionError(
                f"the zip holds a name longer than {MAX_PART_BYTES} bytes, {part[:60]!r}...: "
                "rename it shorter"
            )
    if not parts and not info.is_dir():
        raise SubmissionError(f"the zip holds a file without a name, {raw!r}: give it a name")
    return "/".join(parts)


def _checked_members(
    archive: zipfile.ZipFile, limits: ZipLimits
) -> list[tuple[str, zipfile.ZipInfo]]:
    members = []
    total = 0
    # By _same_file_key: what macOS and Windows (and so the dev kit there) take for one file.
    files: dict[str, str] = {}
    folders: dict[str, str] = {}
    for info in archive.infolist():
        name = _normalised(info)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise SubmissionError(
                f"the zip holds a symbolic link, {info.orig_filename!r}: put the file itself "
                "in the zip"
            )
        if not name:  # './', the root itself
            continue
        path = PurePosixPath(name)
        if DROPPED_PARTS.intersection(path.parts) or path.name in DROPPED_NAMES:
            continue
        if not info.is_dir():
            _check_file(name, info, limits)
            key = _same_file_key(name)
            if key in files:
                raise _duplicate(files[key], name)
            files[key] = name
            total += info.file_size
        for folder in [*path.parents][:-1] + ([path] if info.is_dir() else []):
            folders.setdefault(_same_file_key(str(folder)), str(folder))
        members.append((name, info))
    for key in sorted(files.keys() & folders.keys())[:1]:
        raise SubmissionError(
            f"the zip holds {files[key]!r} both as a file and as a folder "
            f"('{folders[key]}/...'): rename one of them"
        )
    if total > limits.max_uncompressed:
        raise SubmissionError(
            f"the zip unpacks to {_size(total)}, more than the {_size(limits.max_uncompressed)} "
            "allowed: leave what the player does not need out of it"
        )
    return members


def _check_file(name: str, info: zipfile.ZipInfo, limits: ZipLimits) -> None:
    """What each file's own header must satisfy before anything reads it."""
    if info.flag_bits & 0x1:
        raise SubmissionError(f"{name} is encrypted: create the zip again without a password")
    if info.compress_type not in COMPRESSIONS:
        raise SubmissionError(
            f"{name} is compressed with a method the arena cannot read (number "
            f"{info.compress_type}): create the zip again with 'zip -r' or your system's "
            "'compress' command"
        )
    if info.file_size > limits.max_uncompressed:
        raise SubmissionError(
            f"{name} unpacks to {_size(info.file_size)}, more than the "
            f"{_size(limits.max_uncompressed)} allowed for the whole zip: leave it out"
        )
    if info.file_size >= RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(
        info.compress_size, 1
    ):
        raise SubmissionError(
            f"{name} would unpack to {_size(info.file_size)} from "
            f"{_size(info.compress_size)}, more than {MAX_RATIO} times its packed size, as a "
            "zip bomb does: leave it out, or have player.py create such a file itself"
        )


def _same_file_key(name: str) -> str:
    """Names differing only in case, or in how an accent is encoded (é as one code point or
    two), are one file on macOS and Windows."""
    return unicodedata.normalize("NFC", name).casefold()


def _duplicate(first: str, second: str) -> SubmissionError:
    if first == second:
        return SubmissionError(
            f"the zip holds {first!r} twice: create it again so each file is in it once"
        )
    return SubmissionError(
        f"the zip holds both {first!r} and {second!r}, one file on macOS and Windows (the "
        "names differ only in case or in how accents are encoded): rename one of them"
    )


def _player_prefix(names: list[str]) -> str:
    """'' when player.py is at the root, 'folder' when a single top folder holds it."""
    if "player.py" in names:
        return ""
    tops = {PurePosixPath(name).parts[0] for name in names}
    if len(tops) == 1:
        top = tops.pop()
        if f"{top}/player.py" in names:
            return top
    raise SubmissionError(
        "the zip has no player.py at its root: put player.py (defining class Player) at the "
        "top of the zip, or zip the folder that holds it"
    )
