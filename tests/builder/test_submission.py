"""The submission zip: every rejection says what is wrong and what to do (pure, no Django)."""

from __future__ import annotations

import io
import os

import pytest

from builder.submission import SubmissionError, ZipLimits, check_submission, unpack_submission
from tests.builder.zips import RANDOM_PLAYER, write_zip, zip_bytes


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
    path = write_zip(tmp_path / "bomb.zip", {"player.py": RANDOM_PLAYER, "zeros": b"\0" * 200_000})
    assert path.stat().st_size < 10_000
    message = _rejection(path, ZipLimits(max_uncompressed=100_000))
    unpacked = (200_000 + len(RANDOM_PLAYER)) / 1024
    assert message == (
        f"the zip unpacks to {unpacked:.1f} KB, more than the 97.7 KB allowed: leave what the "
        "player does not need out of it"
    )


def test_it_rejects_a_zip_with_too_many_files(tmp_path):
    entries = {"player.py": RANDOM_PLAYER, **{f"data/{n}.txt": "x" for n in range(5)}}
    message = _rejection(write_zip(tmp_path / "many.zip", entries), ZipLimits(max_files=5))
    assert message == "the zip holds 6 files, more than the 5 allowed"


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
