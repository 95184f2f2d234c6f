"""The dev kit, run as a participant runs it: python -m run_duel ..."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from builder.submission import SubmissionError, check_upload
from tests.builder.zips import RANDOM_PLAYER, folder_flood, write_zip
from tests.conftest import EXAMPLE_PLAYERS, ROOT

RANDOM = str(EXAMPLE_PLAYERS / "random")
DUMMY = str(EXAMPLE_PLAYERS / "dummy")


def run_cli(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "run_duel", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_it_prints_the_duel_json(tmp_path):
    result = run_cli(
        "-e", "connect-four", "-1", RANDOM, "-2", DUMMY, "-n", "4", "--sandbox", "process"
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["num_matches"] == 4 and len(record["matches"]) == 4
    assert "player 1 won" in result.stderr


def test_it_writes_the_json_to_a_file_and_reads_zips(tmp_path):
    archive = tmp_path / "random.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(EXAMPLE_PLAYERS / "random" / "player.py", "my_bot/player.py")
    output = tmp_path / "duel.json"
    result = run_cli(
        "-e",
        "quarto",
        "-1",
        str(archive),
        "-2",
        DUMMY,
        "-n",
        "2",
        "--sandbox",
        "process",
        "-o",
        str(output),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(output.read_text())["environment"] == "quarto"
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-e", "chess", "-1", RANDOM, "-2", RANDOM],
            "unknown game 'chess': choose one of connect-four, quarto, tic-tac-toe",
        ),
        (["-e", "quarto", "-1", str(EXAMPLE_PLAYERS), "-2", RANDOM], "player 1: "),
        (
            ["-e", "quarto", "-1", RANDOM, "-2", "/nonexistent/bot"],
            "player 2: /nonexistent/bot is neither",
        ),
        (["-e", "quarto", "-1", RANDOM, "-2", RANDOM, "-n", "0"], "--matches must be at least 1"),
    ],
)
def test_it_rejects_bad_input_in_one_line(args, message):
    result = run_cli(*args, "--sandbox", "process")
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_it_rejects_an_unreadable_zip(tmp_path):
    bad = tmp_path / "bot.zip"
    bad.write_bytes(b"this is no zip")
    result = run_cli("-e", "quarto", "-1", str(bad), "-2", RANDOM, "--sandbox", "process")
    assert result.returncode == 2
    assert "player 1: bot.zip is not a readable zip file" in result.stderr


@pytest.mark.parametrize(
    "entries",
    [
        {"player.py": RANDOM_PLAYER, "lib": "x", "lib/a.py": "x"},
        {"./player.py": RANDOM_PLAYER, "./requirements.txt": "numpy\0"},
        {"player.py": RANDOM_PLAYER, "environment.yml": "dependencies: [a\n"},
        {"player.py": RANDOM_PLAYER, "bad\tname.py": "x"},
        None,  # a million folders
    ],
    ids=["file-and-folder", "nul-requirements", "malformed-environment", "control", "flood"],
)
def test_it_refuses_what_the_server_refuses_with_its_words(tmp_path, entries):
    path = tmp_path / "bot.zip"
    if entries is None:
        folder_flood(path)
    else:
        write_zip(path, entries)
    with pytest.raises(SubmissionError) as server:
        check_upload(io.BytesIO(path.read_bytes()))
    result = run_cli("-e", "quarto", "-1", str(path), "-2", RANDOM, "--sandbox", "process")
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: player 1: {server.value}"
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.docker
def test_it_runs_folders_in_docker_and_cleans_up_on_ctrl_c(docker_client, no_leftover_containers):
    done = run_cli(
        "-e", "tic-tac-toe", "-1", RANDOM, "-2", DUMMY, "-n", "10", "--sandbox", "docker"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["player_1_errors"] == 0

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "run_duel",
            "-e",
            "connect-four",
            "-1",
            str(EXAMPLE_PLAYERS / "minimax"),
            "-2",
            str(EXAMPLE_PLAYERS / "minimax"),
            "--sandbox",
            "docker",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as a terminal sends it, even when this suite was started in the background
        # by a shell that ignores SIGINT (its children would inherit the ignoring).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    from run_duel.docker_sandbox import SANDBOX_LABEL

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(docker_client.containers.list(filters={"label": SANDBOX_LABEL})) >= 2:
            break
        time.sleep(0.2)
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr


def test_coach_prints_the_blunders_after_the_duel():
    from run_duel import coach

    result = run_cli(
        "-e", "tic-tac-toe", "-1", RANDOM, "-2", RANDOM, "-n", "20", "--sandbox", "process",
        "--coach",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)  # standard output stays the duel JSON alone
    analysis = coach.analyse("tic-tac-toe", record, 60)
    assert analysis["blunders"], "two random players blunder in 20 matches of tic-tac-toe"
    stats = analysis["stats"]
    assert (
        f"{stats['proven']} of {stats['positions']} positions proven (0 unknown)" in result.stderr
    )
    for blunder in analysis["blunders"]:
        assert f"player {blunder['mover']}, {blunder['move']}: {blunder['turned']}" in (
            result.stderr
        )


def test_coach_with_no_time_proves_nothing_and_says_so():
    result = run_cli(
        "-e", "tic-tac-toe", "-1", RANDOM, "-2", DUMMY, "-n", "2", "--sandbox", "process",
        "--coach", "--coach-seconds", "0",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Coach: 0 of " in result.stderr and "No blunder proven" in result.stderr
    assert "raise --coach-seconds" in result.stderr
