"""The submission zip: every rejection says what is wrong and what to do (pure, no Django)."""

from __future__ import annotations

import contextlib
import io
import os
import random
import tracemalloc
import zipfile

import pytest

from builder.submission import (
    SubmissionError,
    ZipLimits,
    check_submission,
    check_upload,
    unpack_submission,
)
from tests.builder.zips import (
    RANDOM_PLAYER,
    central_entry,
    crafted_zip,
    end_records,
    folder_flood,
    write_zip,
    zip_bytes,
)


def _rejection(path, limits: ZipLimits | None = None) -> str:
    with pytest.raises(SubmissionError) as unpacking:
        unpack_submission(path, path.parent / "out", limits)
    # The up-front check (at upload) says the same as the unpacking (in the build).
    with pytest.raises(SubmissionError) as checking:
        check_submission(io.BytesIO(path.read_bytes()), limits)
    assert str(checking.value).replace("the upload", path.name) == str(unpacking.value)
    assert not (path.parent / "out").exists() or not any((path.parent / "out").iterdir())
    return str(unpacking.value)


def test_it_rejects_a_file_that_is_not_a_zip(tmp_path):
    path = tmp_path / "player.zip"
    path.write_text("print('hello')")
    message = _rejection(path)
    assert message.startswith("player.zip is not a readable zip file (File is not a zip file)")
    assert "create it with 'zip -r'" in message


def test_it_rejects_a_zip_too_large_to_upload(tmp_path):
    # Random bytes do not compress.
    path = write_zip(
        tmp_path / "big.zip", {"player.py": RANDOM_PLAYER, "data.bin": os.urandom(3000)}
    )
    message = _rejection(path, ZipLimits(max_compressed=1024))
    assert message.startswith("the zip is ")
    assert "more than the 1 KB allowed: leave training data and checkpoints" in message


def test_it_rejects_a_zip_that_unpacks_too_large(tmp_path):
    # Zeros compress to almost nothing: the limit is on what the zip unpacks to.
    zeros = b"\0" * 60_000
    path = write_zip(tmp_path / "bomb.zip", {"player.py": RANDOM_PLAYER, "a": zeros, "b": zeros})
    assert path.stat().st_size < 10_000
    message = _rejection(path, ZipLimits(max_uncompressed=100_000))
    unpacked = (120_000 + len(RANDOM_PLAYER)) / 1024
    assert message == (
        f"the zip unpacks to {unpacked:.1f} KB, more than the 97.7 KB allowed: leave what the "
        "player does not need out of it"
    )


def test_it_names_a_single_file_too_large_to_unpack(tmp_path):
    path = write_zip(tmp_path / "bomb.zip", {"player.py": RANDOM_PLAYER, "zeros": b"\0" * 200_000})
    assert _rejection(path, ZipLimits(max_uncompressed=100_000)) == (
        "zeros unpacks to 195.3 KB, more than the 97.7 KB allowed for the whole zip: leave it out"
    )


def test_it_rejects_a_member_packed_beyond_what_deflate_can(tmp_path):
    # bzip2 packs 20 MB of zeros into a few dozen bytes: the shape of a zip bomb.
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("player.py", RANDOM_PLAYER)
        archive.writestr("weights.bin", b"\0" * (20 << 20), zipfile.ZIP_BZIP2)
    message = _rejection(path)
    assert message.startswith("weights.bin would unpack to 20 MB from ")
    assert "more than 2000 times its packed size, as a zip bomb does: leave it out" in message


def test_it_rejects_a_zip_with_too_many_files(tmp_path):
    entries = {"player.py": RANDOM_PLAYER, **{f"data/{n}.txt": "x" for n in range(5)}}
    message = _rejection(write_zip(tmp_path / "many.zip", entries), ZipLimits(max_files=5))
    assert message == (
        "the zip holds 6 files, more than the 5 allowed (each folder counts as one): leave "
        "data, .git and __pycache__ the player does not need out of it"
    )


def test_folders_and_dropped_entries_count_as_files(tmp_path):
    entries = {"player.py": RANDOM_PLAYER, "a/": "", "a/b/": "", ".git/HEAD": "x"}
    message = _rejection(write_zip(tmp_path / "many.zip", entries), ZipLimits(max_files=3))
    assert message.startswith("the zip holds 4 files, more than the 3 allowed")


def test_a_million_folders_are_refused_from_the_end_record_alone(tmp_path):
    path = folder_flood(tmp_path / "flood.zip")
    assert path.stat().st_size > 48 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(SubmissionError) as refused:
            check_submission(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(refused.value)
    assert message.startswith("the zip holds 1000000 files, more than the 2000 allowed")
    # Its central directory alone is 52 MB: never read, let alone parsed.
    assert peak < 2 * 1024 * 1024


def test_an_end_record_understating_the_entries_is_refused_by_its_directory_size(tmp_path):
    path = folder_flood(tmp_path / "flood.zip", count=100_000, claimed=1)
    assert _rejection(path) == (
        "the zip's list of contents is 5 MB, more than the 3 MB its 2000 files may need: "
        "create it again with 'zip -r', with fewer files and shorter names"
    )


def test_entries_beyond_the_count_announced_are_counted_once_read(tmp_path):
    path = folder_flood(tmp_path / "flood.zip", count=50, claimed=1)
    message = _rejection(path, ZipLimits(max_files=10))
    assert message.startswith("the zip holds 50 files, more than the 10 allowed")


@pytest.mark.parametrize("offset", [2**64 - 1, 0], ids=["beyond-the-end", "elsewhere"])
def test_a_zip64_locator_pointing_anywhere_is_no_failure(tmp_path, offset):
    directory = central_entry(b"player.py")
    path = tmp_path / "zip64.zip"
    path.write_bytes(
        directory + end_records(1, len(directory), 0, zip64=True, locator_offset=offset)
    )
    # Read past its end record, the zip is what it is: a directory whose file has no data.
    with pytest.raises(SubmissionError, match=r"^player.py cannot be read from the zip"):
        unpack_submission(path, tmp_path / "out")


def test_damaged_bytes_anywhere_end_as_a_refusal(tmp_path):
    good = zip_bytes(
        {
            "bot/": "",
            "bot/player.py": RANDOM_PLAYER,
            "bot/requirements.txt": "numpy\n",
            "bot/environment.yml": "dependencies: [numpy]\n",
            "bot/données.txt": "a UTF-8 name",
        }
    )
    rng = random.Random(9)
    for _ in range(1000):
        damaged = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        # A refusal with a message; anything else (a crash, an OSError) fails the test.
        with contextlib.suppress(SubmissionError):
            check_upload(io.BytesIO(bytes(damaged)))


def test_it_rejects_a_split_zip(tmp_path):
    directory = central_entry(b"player.py")
    path = tmp_path / "part.zip"
    path.write_bytes(directory + end_records(1, len(directory), 0, disk=1))
    assert _rejection(path) == (
        "part.zip is one part of a split zip: create it again as a single zip file"
    )


def test_it_rejects_an_absolute_path(tmp_path):
    path = write_zip(tmp_path / "abs.zip", {"player.py": RANDOM_PLAYER, "/etc/cron.d/evil": "x"})
    assert _rejection(path) == (
        "the zip holds an absolute path, '/etc/cron.d/evil': zip relative paths"
    )


def test_it_rejects_a_path_going_up(tmp_path):
    path = write_zip(tmp_path / "up.zip", {"player.py": RANDOM_PLAYER, "../../evil.py": "x"})
    assert _rejection(path) == "the zip holds a path going up, '../../evil.py': zip relative paths"


def test_it_rejects_a_symbolic_link(tmp_path):
    path = write_zip(
        tmp_path / "link.zip", {"player.py": RANDOM_PLAYER}, symlinks={"secret": "/etc/shadow"}
    )
    assert _rejection(path) == (
        "the zip holds a symbolic link, 'secret': put the file itself in the zip"
    )


@pytest.mark.parametrize(
    "entries",
    [
        {"main.py": "x"},
        {"src/player.py": RANDOM_PLAYER, "README.md": "x"},  # not a single top folder
        {"a/b/player.py": RANDOM_PLAYER},  # two levels down
        {},
    ],
    ids=["no-player", "folder-beside-files", "too-deep", "empty"],
)
def test_it_rejects_a_zip_without_player_py_at_its_root(tmp_path, entries):
    message = _rejection(write_zip(tmp_path / "noplayer.zip", entries))
    assert message == (
        "the zip has no player.py at its root: put player.py (defining class Player) at the "
        "top of the zip, or zip the folder that holds it"
    )


def test_it_rejects_a_damaged_member(tmp_path):
    data = bytearray(zip_bytes({"player.py": RANDOM_PLAYER * 20}))
    # Corrupt the compressed bytes of the only member, leaving the directory intact.
    data[60:80] = b"\xff" * 20
    path = tmp_path / "damaged.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(SubmissionError, match=r"player.py cannot be read from the zip .*create"):
        unpack_submission(path, tmp_path / "out")


def test_it_accepts_player_py_at_the_root(tmp_path):
    path = write_zip(tmp_path / "ok.zip", {"player.py": RANDOM_PLAYER, "weights/w.bin": b"\1\2"})
    folder = unpack_submission(path, tmp_path / "out")
    assert (folder / "player.py").read_text() == RANDOM_PLAYER
    assert (folder / "weights" / "w.bin").read_bytes() == b"\1\2"


def test_it_flattens_a_single_top_folder_and_drops_litter(tmp_path):
    path = write_zip(
        tmp_path / "folder.zip",
        {
            "my_bot/": "",
            "my_bot/player.py": RANDOM_PLAYER,
            "my_bot/lib/helper.py": "X = 1",
            "my_bot/__pycache__/player.cpython-311.pyc": b"\0",
            "my_bot/.git/HEAD": "ref: refs/heads/main",
            "my_bot/.DS_Store": b"\0",
            "__MACOSX/my_bot/._player.py": b"\0",
        },
    )
    folder = unpack_submission(path, tmp_path / "out")
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == ["lib/helper.py", "player.py"]


def test_it_reads_the_dependency_files_at_the_flattened_root(tmp_path):
    content = zip_bytes(
        {
            "bot/player.py": RANDOM_PLAYER,
            "bot/requirements.txt": "numpy\n",
            "bot/sub/environment.yml": "not at the root",
        }
    )
    found = check_submission(io.BytesIO(content), read=["requirements.txt", "environment.yml"])
    assert found == {"requirements.txt": b"numpy\n"}


def test_it_rejects_a_dependency_file_too_large_to_read(tmp_path):
    content = zip_bytes({"player.py": RANDOM_PLAYER, "requirements.txt": "# x\n" * 300_000})
    with pytest.raises(SubmissionError, match=r"requirements.txt is 1.1 MB, more than the 1 MB"):
        check_submission(io.BytesIO(content), read=["requirements.txt"])


# --- Names: normalised before any check, and refused when they cannot be a file's name -------


def test_a_dependency_file_under_dot_slash_gets_the_same_checks(tmp_path):
    content = zip_bytes({"./player.py": RANDOM_PLAYER, "./requirements.txt": "# x\n" * 300_000})
    with pytest.raises(SubmissionError, match=r"^requirements.txt is 1.1 MB, more than the 1 MB"):
        check_submission(io.BytesIO(content), read=["requirements.txt"])


@pytest.mark.parametrize(
    "name", ["./requirements.txt", "bot//requirements.txt", "bot\\requirements.txt"]
)
def test_names_are_normalised_before_they_are_read(name):
    entries = {"bot/player.py": RANDOM_PLAYER, name: "numpy\n"}
    if name.startswith("./"):
        entries = {"player.py": RANDOM_PLAYER, name: "numpy\n"}
    found = check_submission(io.BytesIO(zip_bytes(entries)), read=["requirements.txt"])
    assert found == {"requirements.txt": b"numpy\n"}


def test_backslashes_unpack_as_folders(tmp_path):
    path = write_zip(
        tmp_path / "win.zip", {"bot\\player.py": RANDOM_PLAYER, "bot\\lib\\w.bin": b"1"}
    )
    folder = unpack_submission(path, tmp_path / "out")
    assert (folder / "player.py").read_text() == RANDOM_PLAYER
    assert (folder / "lib" / "w.bin").read_bytes() == b"1"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "..\\..\\evil.py",
            "the zip holds a path going up, '..\\\\..\\\\evil.py': zip relative paths",
        ),
        ("a/./../../evil.py", "the zip holds a path going up, 'a/./../../evil.py'"),
        ("C:\\Windows\\evil.py", "the zip holds an absolute path, 'C:\\\\Windows\\\\evil.py'"),
        ("\\\\server\\share\\x", "the zip holds an absolute path"),
        ("bad\nname.py", "the zip holds a name with a control character, 'bad\\nname.py': rename"),
        ("x" * 300, "the zip holds a name longer than 255 bytes, 'xxxx"),
        ("d/" * 40 + "x", "the zip holds a path 41 levels deep, more than the 32 allowed"),
        ("é" * 600, "the zip holds a name longer than 1024 bytes"),
    ],
    ids=["up-backslash", "up-dotted", "drive", "unc", "newline", "long-part", "deep", "long-path"],
)
def test_it_rejects_a_name_no_file_can_have(tmp_path, name, message):
    path = write_zip(tmp_path / "names.zip", {"player.py": RANDOM_PLAYER, name: "x"})
    assert _rejection(path).startswith(message)


def test_it_rejects_a_name_with_a_nul_byte_that_zipfile_would_cut(tmp_path):
    # zipfile reads this name as 'player.py': the NUL would hide what follows it.
    path = tmp_path / "nul.zip"
    path.write_bytes(crafted_zip([(b"player.py\0.exe", RANDOM_PLAYER.encode())]))
    assert _rejection(path) == (
        "the zip holds a name with a control character, 'player.py\\x00.exe': rename it with "
        "printable characters only"
    )


def test_it_rejects_a_name_that_is_not_utf8(tmp_path):
    # Flag bit 11 says the names are UTF-8; this one is not (on main: an HTTP 500).
    path = tmp_path / "latin1.zip"
    path.write_bytes(crafted_zip([(b"player.py", b"x"), (b"caf\xe9.py", b"x")], flags=0x800))
    assert _rejection(path) == (
        "the zip holds a name that is not valid UTF-8, b'caf\\xe9.py': rename that file or "
        "folder and create the zip again"
    )


def test_it_rejects_an_encrypted_file_before_reading_it(tmp_path):
    path = tmp_path / "secret.zip"
    path.write_bytes(crafted_zip([(b"player.py", b"x")], flags=0x1))
    assert _rejection(path) == "player.py is encrypted: create the zip again without a password"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            [("a", "x"), ("a/b.py", "x")],
            "the zip holds 'a' both as a file and as a folder ('a/...'): rename one of them",
        ),
        (
            [("lib", "x"), ("lib/", "")],
            "the zip holds 'lib' both as a file and as a folder ('lib/...')",
        ),
        ([("data.txt", "1"), ("./data.txt", "2")], "the zip holds 'data.txt' twice: create it"),
        ([("data.txt", "1"), ("data.txt", "2")], "the zip holds 'data.txt' twice: create it"),
        (
            [("Data.txt", "1"), ("data.txt", "2")],
            "the zip holds both 'Data.txt' and 'data.txt', one file on macOS and Windows",
        ),
        (
            [("caf\u00e9.txt", "1"), ("cafe\u0301.txt", "2")],
            "the zip holds both 'caf\u00e9.txt' and 'cafe\u0301.txt', one file on macOS and "
            "Windows (the names differ only in case or in how accents are encoded): rename one "
            "of them",
        ),
    ],
    ids=["file-and-folder", "file-and-folder-entry", "dot-duplicate", "duplicate", "case", "nfd"],
)
@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_it_rejects_names_that_collide_once_unpacked(tmp_path, entries, message):
    path = tmp_path / "clash.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("player.py", RANDOM_PLAYER)
        for name, content in entries:
            archive.writestr(name, content)
    assert _rejection(path).startswith(message)


@pytest.mark.parametrize("name", ["requirements.txt", "environment.yml"])
def test_it_rejects_nul_bytes_in_a_dependency_file(name):
    content = zip_bytes({"player.py": RANDOM_PLAYER, name: "numpy\0\0\0"})
    with pytest.raises(SubmissionError) as refused:
        check_upload(io.BytesIO(content))
    assert str(refused.value) == (
        f"{name} holds NUL bytes, so it is not a text file: write it again as plain text, one "
        "package per line"
    )
