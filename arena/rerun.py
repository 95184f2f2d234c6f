"""``arena rerun``: play a duel of the server again on this machine and say whether every
move matched.

    arena rerun https://arena.example/duels/42/ [--match 3] [--token ...] [--sandbox ...]

It reads the duel and its matches through the API, downloads both players' sources (public
ones for anyone, a private one only with its owner's token), then plays the same duel with
the dev kit: the same sandbox kind, the game's limits from info.yml, the duel's seed
(:mod:`run_duel.seeds`) and the same first player in each match. ``--match N`` plays match N
alone, in fresh processes seeded as within the duel (a player that carries state from one
match to the next may then play differently).

Exit status: 0 every move matched, 1 a player diverged (where and how is told), 2 bad input
(the duel, a private source, a token), 3 the server or the local sandbox failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import environments
from arena.client import (
    DEFAULT_SERVER,
    SERVER_FAILURE,
    ApiError,
    ArenaClient,
    CliError,
    env_or,
)
from arena.devkit import BadInput, ProgressBar, default_sandbox, player_spec
from builder.image import BuildSettings
from run_duel.divergence import Divergence, first_divergence
from run_duel.duel import ERROR, run_duel
from run_duel.errors import ArenaError, StartupFailure
from run_duel.match import error_message, play_match
from run_duel.outcomes import OTHER_ERROR, PLAYER_1_ERROR, PLAYER_2_ERROR
from run_duel.sandbox import Limits, SandboxedPlayer
from run_duel.sandboxes import SANDBOXES, open_player
from run_duel.seeds import is_seed, match_seed, player_seed

DIVERGED = 1
# A duel's address on the site or in the API: .../duels/42/ or .../api/v1/duels/42/.
_DUEL_PATH = re.compile(r"^(?P<prefix>.*?)/(?:api/v1/)?duels/(?P<id>\d+)(?:/.*)?$")
WHY_PLAYERS_DIVERGE = (
    "a player that draws randomness from os.urandom, the clock, threads or a generator it "
    "seeds itself plays differently each time: see 'Seeds' in docs/rules.md"
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="arena rerun",
        description="Play a duel of the arena again on this machine, with the same players, "
        "sandbox, limits and seeds, and say whether every move matched.",
    )
    parser.add_argument("duel", help="the duel's address (https://.../duels/42/) or its number")
    parser.add_argument("--match", "-m", type=int, help="replay only this match (1-based)")
    parser.add_argument(
        "--server", help=f"default: the duel address's, else ARENA_SERVER, else {DEFAULT_SERVER}"
    )
    parser.add_argument(
        "--token", help="your API token, for your own private players; default: ARENA_TOKEN"
    )
    parser.add_argument(
        "--sandbox", choices=SANDBOXES, help="default: docker when an engine answers"
    )
    parser.add_argument(
        "--base-image", default=BuildSettings.base_image, help="player base image (Docker)"
    )
    parser.add_argument(
        "--output", "-o", type=Path, help="write the local replay's matches here (JSON)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def duel_address(given: str, server: str | None) -> tuple[str, int]:
    """(the server, the duel's number) from a duel's address or number."""
    text = given.strip()
    if text.isdigit():
        return env_or(server, "ARENA_SERVER", DEFAULT_SERVER), int(text)
    parts = urlsplit(text)
    found = _DUEL_PATH.match(parts.path) if parts.scheme in ("http", "https") else None
    if found is None or not parts.netloc:
        raise CliError(
            f"{given!r} is not a duel: give its address (https://<arena>/duels/<number>/) or "
            "its number (with --server)"
        )
    return server or f"{parts.scheme}://{parts.netloc}{found['prefix']}", int(found["id"])


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    args = parse_args(sys.argv[2:] if argv is None else argv)
    out = out or sys.stdout
    try:
        with contextlib.ExitStack() as stack:
            return rerun(args, stack, out)
    except BadInput as exc:
        print(f"arena rerun: {exc}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"arena rerun: {exc}", file=sys.stderr)
        return exc.code
    except ArenaError as exc:
        print(f"arena rerun: arena error: {exc}", file=sys.stderr)
        return SERVER_FAILURE
    except KeyboardInterrupt:
        print("\narena rerun: interrupted; the players were stopped", file=sys.stderr)
        return 130
    except Exception as exc:
        # A bug of ours or a server answering something unexpected: one line, as arena submit.
        if os.environ.get("ARENA_DEBUG"):
            raise
        print(
            f"arena rerun: unexpected failure ({type(exc).__name__}: {exc}); check the duel's "
            "address, and run again with ARENA_DEBUG=1 to see where it failed",
            file=sys.stderr,
        )
        return SERVER_FAILURE


def rerun(args: argparse.Namespace, stack: contextlib.ExitStack, out: TextIO) -> int:
    server, number = duel_address(args.duel, args.server)
    client = ArenaClient(server, env_or(args.token, "ARENA_TOKEN"))
    duel = _get(client, f"/api/v1/duels/{number}/", f"there is no duel {number} on {server}")
    slug = _check_replayable(duel)
    numbers = [match["number"] for match in duel["matches"]]
    if args.match is not None:
        if args.match not in numbers:
            raise CliError(f"duel {number} has no match {args.match}: it has 1 to {len(numbers)}")
        numbers = [args.match]
    recorded = [(n, client.get(f"/api/v1/duels/{number}/matches/{n}/")) for n in numbers]
    names = {side: _name(duel[f"player_{side}"]) for side in (1, 2)}

    limits = Limits.for_environment(slug)
    sandbox = args.sandbox or default_sandbox()
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="arena-rerun-")))
    players = []
    for side in (1, 2):
        source = folder / f"player_{side}.zip"
        source.write_bytes(_download(client, duel, side, names[side]))
        spec = player_spec(str(source), f"player {side}", limits, sandbox, stack, args.base_image)
        players.append(open_player(spec, stack))
    print(
        f"re-running {_duel_words(duel, names, numbers)} here ({sandbox} sandbox, seed "
        f"{duel['seed']}) ...",
        file=sys.stderr,
    )
    if args.match is not None:
        local = [_replay_match(slug, players, duel["seed"], *recorded[0])]
    else:
        bar = None if args.quiet or not sys.stderr.isatty() else ProgressBar(sys.stderr)
        record = run_duel(
            slug,
            players[0],
            players[1],
            len(numbers),
            seed=duel["seed"],
            progress=bar.update if bar else None,
        )
        local = record["matches"]
        if record["result"] == ERROR and not local:
            raise ArenaError(record["error_msg"] or "the duel could not be played here")
    if args.output:
        replay = {"duel": duel["id"], "seed": duel["seed"], "matches": local}
        args.output.write_text(json.dumps({**replay, "numbers": numbers}, indent=1) + "\n")
    # The arena failing here says nothing about the players: no verdict.
    arena_errors = [m for m in local if m["result"] == OTHER_ERROR]
    if arena_errors:
        raise ArenaError(arena_errors[0]["error_msg"])
    divergence = first_divergence(slug, recorded[: len(local)], local)
    if divergence is None and len(local) < len(recorded):
        divergence = Divergence(recorded[len(local)][0], 0, None, "played", "not played here")
    if divergence is None:
        print(
            f"every move matched: {_duel_words(duel, names, numbers)} played here exactly as "
            "on the server",
            file=out,
        )
        return 0
    print(divergence_words(divergence, names), file=out)
    print(f"  ({WHY_PLAYERS_DIVERGE})", file=out)
    return DIVERGED


def divergence_words(divergence: Divergence, names: dict[int, str]) -> str:
    """ "diverged in match 3 at move 5: player 2 (bob's rand v1) played c3 on the server,
    b1 here"."""
    where = f"diverged in match {divergence.match}"
    if divergence.player is None:
        return (
            f"{where}: every move matched, but the server's match {divergence.server} and "
            f"this one {divergence.local}"
        )
    who = f"player {divergence.player} ({names[divergence.player]})"
    return (
        f"{where} at move {divergence.ply}: {who} {divergence.server} on the server, "
        f"but {divergence.local} here"
    )


def _replay_match(
    slug: str, players: list[SandboxedPlayer], seed: int, number: int, recorded: dict[str, Any]
) -> dict[str, Any]:
    """Match ``number`` alone, in fresh processes seeded as within the duel (run_duel)."""
    game = environments.new_game(slug)
    for side, player in enumerate(players, start=1):
        player.set_seeds(seed, player_seed(seed, side))
        player.launch()
    for side, player in enumerate(players, start=1):
        try:
            player.wait_ready()
        except StartupFailure as failure:
            # As the duel records it: that player's error, before any move.
            game.reset()
            return {
                "result": PLAYER_1_ERROR if side == 1 else PLAYER_2_ERROR,
                "error_msg": error_message(player, failure),
                "first_player": recorded.get("first_player", "PLAYER_1"),
                "states": [game.state()],
            }
    this_seed = recorded.get("seed")
    return play_match(
        game,
        players[0],
        players[1],
        player_1_starts=recorded.get("first_player", "PLAYER_1") == "PLAYER_1",
        match_number=number,
        seed=this_seed if is_seed(this_seed) else match_seed(seed, number),
    )


def _get(client: ArenaClient, path: str, not_found: str) -> Any:
    try:
        return client.get(path)
    except ApiError as exc:
        if exc.status == 404:
            raise CliError(not_found) from None
        raise


def _check_replayable(duel: dict[str, Any]) -> str:
    """The duel's game, once it is known that this dev kit can play the duel again."""
    number, slug = duel["id"], duel["game"]
    if not duel["matches"]:
        raise CliError(
            f"duel {number} is {duel['state'].lower()} and has no recorded matches yet: re-run "
            "it once it has been played"
        )
    if not is_seed(duel.get("seed")):
        raise CliError(
            f"duel {number} was played before the arena recorded seeds: it cannot be played "
            "again move for move"
        )
    if slug not in environments.slugs():
        raise CliError(f"this dev kit does not know the game {slug!r}: update it")
    here = environments.info(slug).rules_version
    if duel["rules_version"] != here:
        raise CliError(
            f"duel {number} was played under version {duel['rules_version']} of {slug}'s rules, "
            f"and this dev kit has version {here}: use the dev kit of the same rules"
        )
    return slug


def _download(client: ArenaClient, duel: dict[str, Any], side: int, name: str) -> bytes:
    source = duel.get(f"player_{side}_source")
    if not source:
        raise CliError(
            f"the source of player {side} ({name}) is private: only its owner can re-run this "
            "duel, with their API token (--token or ARENA_TOKEN)"
        )
    # Through the client, hence to the server we asked and no other: the token goes nowhere else.
    parts = urlsplit(source)
    return client.get_bytes(parts.path + (f"?{parts.query}" if parts.query else ""))


def _name(player: dict[str, Any]) -> str:
    return f"{player['owner']}'s {player['competitor']} v{player['version']}"


def _duel_words(duel: dict[str, Any], names: dict[int, str], numbers: list[int]) -> str:
    what = f"match {numbers[0]}" if len(numbers) == 1 else f"its {len(numbers)} matches"
    return f"duel {duel['id']} of {duel['game']}, {names[1]} against {names[2]}, {what}"
