"""The dev kit: run on your own machine exactly the duel the server runs.

    python -m run_duel --environment tic-tac-toe \
        --player-1 ./my_player --player-2 example_players/random

P1/P2: a folder holding player.py, a zip of one, or (Docker sandbox) an image name.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

import environments
from builder.image import BuildError, BuildSettings, build_player_image, context_digest
from builder.submission import SubmissionError, check_upload, unpack_submission
from run_duel import coach
from run_duel.docker_sandbox import docker_client, image_exists
from run_duel.duel import ERROR, run_duel
from run_duel.errors import ArenaError
from run_duel.sandbox import Limits
from run_duel.sandboxes import (
    AUTO,
    DOCKER,
    PROCESS,
    SANDBOXES,
    DockerOptions,
    PlayerSpec,
    choose_sandbox,
    open_player,
)

DEV_IMAGE_REPOSITORY = "arena-dev-player"


class BadInput(Exception):
    """Something the user gave us is wrong: one line, then exit 2."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m run_duel",
        description="Run a duel between two players, exactly as the arena runs it.",
    )
    parser.add_argument(
        "--environment", "-e", required=True, help="game slug: " + ", ".join(environments.slugs())
    )
    parser.add_argument(
        "--player-1", "-1", required=True, help="folder with player.py, zip, or Docker image"
    )
    parser.add_argument(
        "--player-2", "-2", required=True, help="folder with player.py, zip, or Docker image"
    )
    parser.add_argument(
        "--matches", "-n", type=int, help="number of matches (default: the game's duel length)"
    )
    parser.add_argument(
        "--sandbox", choices=SANDBOXES, help="default: docker when an engine answers"
    )
    parser.add_argument(
        "--output", "-o", help="write the duel JSON here instead of standard output"
    )
    parser.add_argument("--move-timeout", type=float, help="seconds per move (default: the game's)")
    parser.add_argument(
        "--startup-timeout", type=float, help="seconds to start (default: the game's)"
    )
    parser.add_argument(
        "--memory", type=memory_size, help="memory per player, e.g. 512m (default: the game's)"
    )
    parser.add_argument(
        "--base-image", default=BuildSettings.base_image, help="player base image (Docker)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.add_argument(
        "--coach",
        action="store_true",
        help="after the duel, print the moves a solver proves were blunders (run_duel.coach)",
    )
    parser.add_argument(
        "--coach-seconds",
        type=float,
        default=60.0,
        help="seconds the coach may spend proving positions (default: 60)",
    )
    return parser.parse_args(argv)


def memory_size(text: str) -> str:
    """``--memory``, checked with the arena's one memory-size grammar (as info.yml's)."""
    try:
        environments.parse_memory(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with contextlib.ExitStack() as stack:
            record = _run(args, stack)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ArenaError as exc:
        print(f"arena error: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("\ninterrupted: the players were stopped", file=sys.stderr)
        return 130
    text = json.dumps(record, indent=1)
    if args.output:
        Path(args.output).write_text(text + "\n")
    else:
        sys.stdout.write(text + "\n")
    print(summary(record), file=sys.stderr)
    if args.coach:
        # On standard error like the summary: standard output stays the duel JSON alone.
        analysis = coach.analyse(args.environment, record, max(0.0, args.coach_seconds))
        print(coach.report_text(analysis), file=sys.stderr)
    return 3 if record["result"] == ERROR else 0


def _run(args: argparse.Namespace, stack: contextlib.ExitStack) -> dict[str, Any]:
    if args.environment not in environments.slugs():
        raise BadInput(
            f"unknown game {args.environment!r}: choose one of {', '.join(environments.slugs())}"
        )
    if args.matches is not None and args.matches < 1:
        raise BadInput("--matches must be at least 1")
    limits = Limits.for_environment(
        args.environment,
        move_timeout=args.move_timeout,
        startup_timeout=args.startup_timeout,
        memory=args.memory,
    )
    sandbox = args.sandbox or default_sandbox()
    specs = [
        player_spec(given, f"player {n}", limits, sandbox, stack, args.base_image)
        for n, given in ((1, args.player_1), (2, args.player_2))
    ]
    players = [open_player(spec, stack) for spec in specs]
    progress = None if args.quiet or not sys.stderr.isatty() else ProgressBar(sys.stderr).update
    return run_duel(args.environment, players[0], players[1], args.matches, progress=progress)


def default_sandbox() -> str:
    sandbox = choose_sandbox(AUTO)
    if sandbox == PROCESS:
        print(
            "warning: no Docker engine answers, so the players run as local processes: "
            "no network or file-system isolation",
            file=sys.stderr,
        )
    return sandbox


def player_spec(
    given: str,
    label: str,
    limits: Limits,
    sandbox: str,
    stack: contextlib.ExitStack,
    base_image: str = BuildSettings.base_image,
) -> PlayerSpec:
    """What to open for a player given as a folder, a zip or (Docker) an image name.

    A zip is unpacked into a temporary folder that ``stack`` removes; a folder becomes its
    image in the Docker sandbox (built once per content). Raises :class:`BadInput` with a
    one-line reason when ``given`` is none of these.
    """
    path = Path(given)
    folder: Path | None = None
    if path.is_dir():
        if not (path / "player.py").is_file():
            raise BadInput(f"{label}: {given} holds no player.py")
        folder = path
    elif path.is_file():
        target = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="arena-zip-")))
        try:
            # Exactly the server's upload checks, so a zip it would refuse is refused here.
            check_upload(path)
            folder = unpack_submission(path, target)
        except SubmissionError as exc:
            raise BadInput(f"{label}: {exc}") from exc
    elif sandbox == PROCESS:
        raise BadInput(f"{label}: {given} is neither a folder holding player.py nor a zip")

    if sandbox == PROCESS:
        assert folder is not None
        return PlayerSpec(PROCESS, folder, label, limits)
    client = docker_client()
    stack.callback(client.close)
    image = _dev_image(client, folder, label, base_image) if folder is not None else given
    if folder is None and not image_exists(client, image):
        raise BadInput(f"{label}: {given} is neither a folder, a zip, nor a Docker image here")
    return PlayerSpec(DOCKER, image, label, limits, docker=DockerOptions(client=client))


def _dev_image(client: Any, folder: Path, label: str, base_image: str) -> str:
    """The player's image, built once per content: a rerun with the same files starts at once."""
    settings = BuildSettings(base_image=base_image)
    if not image_exists(client, settings.base_image):
        raise BadInput(
            f"the player base image {settings.base_image} is missing: build it with "
            "'docker build -f builder/docker/base.Dockerfile -t arena-player-base builder/docker' "
            "or, without access to an image registry, 'builder/docker/build-debian-base.sh'"
        )
    tag = f"{DEV_IMAGE_REPOSITORY}:{context_digest(folder, settings)[:16]}"
    if not image_exists(client, tag):
        print(f"building the image of {label} ({folder}) ...", file=sys.stderr)
        try:
            build_player_image(client, folder, tag, settings)
        except BuildError as exc:
            raise BadInput(f"{label}: {exc}\n{exc.log[-3000:]}") from exc
    return tag


class ProgressBar:
    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width

    def update(self, done: int, total: int, tally: dict[str, Any]) -> None:
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(
            f"\r[{bar}] {done}/{total}  P1 {tally['player_1_wins']} won, "
            f"P2 {tally['player_2_wins']} won, {tally['draws']} drawn, "
            f"errors {tally['player_1_errors']}/{tally['player_2_errors']}"
        )
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def summary(record: dict[str, Any]) -> str:
    text = (
        f"{record['result']}: player 1 won {record['player_1_wins']}, player 2 won "
        f"{record['player_2_wins']}, {record['draws']} drawn; errors "
        f"{record['player_1_errors']}/{record['player_2_errors']}; score "
        f"{record['player_1_score']}/{record['player_2_score']}"
    )
    if record["error_msg"]:
        text += "\nfirst error: " + record["error_msg"]
    return text
