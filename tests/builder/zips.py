"""Zips for builder tests, written entry by entry so that each hostile shape can be made."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from pathlib import Path

from tests.conftest import EXAMPLE_PLAYERS

RANDOM_PLAYER = (EXAMPLE_PLAYERS / "random" / "player.py").read_text()


ZIP_DATE = (2019, 6, 1, 12, 0, 0)


def zip_bytes(entries: dict[str, str | bytes], symlinks: dict[str, str] | None = None) -> bytes:
    """A zip of ``entries`` (name -> content; a name ending in '/' is a folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            # A fixed date, not the clock's: two zips of the same entries are the same bytes
            # even when they are made either side of a (2-second) zip timestamp tick.
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            if name.endswith("/"):
                info.external_attr = (stat.S_IFDIR | 0o775) << 16 | 0x10  # as writestr(name)
            else:
                info.external_attr = 0o600 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
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


# --- Zips written byte by byte, for the shapes zipfile will not write -----------------------

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR = struct.Struct("<4sLQL")


def central_entry(name: bytes, size: int = 0, flags: int = 0, offset: int = 0) -> bytes:
    """A central directory header of a stored entry (a folder when ``name`` ends in '/')."""
    attributes = (0o40755 << 16) | 0x10 if name.endswith(b"/") else 0o100644 << 16
    return (
        _CENTRAL.pack(
            b"PK\x01\x02",
            20,
            20,
            flags,
            0,
            0,
            0x21,
            0,
            size,
            size,
            len(name),
            0,
            0,
            0,
            0,
            attributes,
            offset,
        )
        + name
    )


def end_records(
    entries: int,
    directory_size: int,
    directory_offset: int,
    zip64: bool = False,
    disk: int = 0,
    locator_offset: int | None = None,
) -> bytes:
    """The end of central directory record, after a zip64 one and its locator if ``zip64``
    (the locator pointing at ``locator_offset`` if given, else at the zip64 record)."""
    if not zip64:
        return _END.pack(
            b"PK\x05\x06", disk, disk, entries, entries, directory_size, directory_offset, 0
        )
    record_at = directory_offset + directory_size
    return (
        _END64.pack(
            b"PK\x06\x06",
            _END64.size - 12,
            45,
            45,
            0,
            0,
            entries,
            entries,
            directory_size,
            directory_offset,
        )
        + _LOCATOR.pack(
            b"PK\x06\x07", 0, record_at if locator_offset is None else locator_offset, 1
        )
        + _END.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    )


def crafted_zip(entries: list[tuple[bytes, bytes]], flags: int = 0) -> bytes:
    """A zip of stored ``(raw name, content)`` entries, names and flags written as given."""
    local, central = bytearray(), bytearray()
    for name, content in entries:
        crc = zlib.crc32(content)
        header = _LOCAL.pack(
            b"PK\x03\x04", 20, flags, 0, 0, 0x21, crc, len(content), len(content), len(name), 0
        )
        entry = central_entry(name, len(content), flags, len(local))
        central += entry[:16] + struct.pack("<L", crc) + entry[20:]
        local += header + name + content
    return bytes(local + central + end_records(len(entries), len(central), len(local)))


def folder_flood(path: Path, count: int = 1_000_000, claimed: int | None = None) -> Path:
    """The upload that held the web process for 19 s: ``count`` folder entries, ~52 MB.

    Only a central directory (zipfile opens a zip without reading any local header), each
    entry 46 bytes and a 6-byte name, written in slices so the test never holds it whole.
    The end record announces ``claimed`` entries (default: the truth, in a zip64 record).
    """
    template = central_entry(b"00000/")[:-6]
    size = 0
    with open(path, "wb") as sink:
        for start in range(0, count, 100_000):
            stop = min(count, start + 100_000)
            chunk = b"".join(template + b"%05x/" % n for n in range(start, stop))
            sink.write(chunk)
            size += len(chunk)
        if claimed is None:
            sink.write(end_records(count, size, 0, zip64=count > 0xFFFE))
        else:
            sink.write(end_records(claimed, size, 0))
    return path
