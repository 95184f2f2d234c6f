"""``arena submit``: send a player to an arena server, follow it, then show the new
revision's rank once an edition ranks it; ``arena challenge``: an unranked duel on the server
between one of your revisions and another, followed to its result; ``arena duel``: a local
duel (the dev kit, ``python -m run_duel``); ``arena rerun``: a duel of the server played again
here, move for move (:mod:`arena.rerun`); ``arena connect``: a local player against an agent
the server hosts (:mod:`arena.remote_play`).

Every failure is one line on standard error. Exit status of ``submit``: 0 when the revision
passed its validation (or was uploaded, with ``--no-wait``), 1 when its build or validation
failed (the end of the log that tells why is shown once), 2 on bad input (token, game,
folder, a zip the server refused), 3 when the server is unreachable or failing. Of
``challenge``: 0 when the duel was played to the end (or sent, with ``--no-wait``), 1 when
it failed (the arena's error), 2 on bad input (a refused challenge, a spent quota), 3 as
``submit``'s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from arena import results
from arena.client import (
    DEFAULT_SERVER,
    SERVER_FAILURE,
    ApiError,
    ArenaClient,
    CliError,
    name_and_version,
    quote,
    server_and_token,
    submission_bytes,
)

REJECTED = 1
LOG_TAIL_LINES = 30
# How long a valid revision waits for the edition that ranks it, and how long for that edition
# to appear at all (the server forms editions every few seconds; a game with a single valid
# competitor never forms one).
RANK_WAIT = 600.0
EDITION_APPEARS_WITHIN = 30.0
POLL_SECONDS = 1.0
STATE_WORDS = {
    "IMAGE_SCHEDULED": "build: waiting for a builder",
    "IMAGE_RUNNING": "build: building the image",
    "IMAGE_COMPLETED": "build: done",
    "IMAGE_FAILED": "build: failed",
    "TEST_SCHEDULED": "validation: waiting for a runner",
    "TEST_RUNNING": "validation: playing against itself",
    "TEST_COMPLETED": "validation: passed",
    "TEST_FAILED": "validation: failed",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="arena",
        description="Submit a player to an RL Arena server, or run a duel on this machine.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    submit = commands.add_parser(
        "submit",
        help="upload a player folder as a new revision and follow its build and validation",
        description="Upload a player folder (or zip) as a new revision of your competitor, "
        "creating the competitor if needed, and follow its build and validation.",
    )
    submit.add_argument("folder", type=Path, help="the folder holding player.py, or a .zip")
    submit.add_argument("--game", "-g", required=True, help="tic-tac-toe, connect-four, quarto")
    submit.add_argument("--competitor", "-c", required=True, help="your competitor's name")
    submit.add_argument(
        "--public", action="store_true", help="when creating it: anyone may read its source"
    )
    submit.add_argument("--server", help=f"default: ARENA_SERVER, else {DEFAULT_SERVER}")
    submit.add_argument("--token", help="your API token; default: ARENA_TOKEN")
    submit.add_argument(
        "--no-wait", action="store_true", help="stop once uploaded, without following it"
    )
    submit.add_argument(
        "--timeout", type=float, default=1800, help="seconds to follow it (default 1800)"
    )
    submit.add_argument(
        "--rank-wait",
        type=float,
        default=RANK_WAIT,
        help="once valid, seconds to wait for the edition that ranks the new revision "
        f"(default {RANK_WAIT:g}; 0: do not wait)",
    )
    challenge = commands.add_parser(
        "challenge",
        help="an unranked duel of one of your revisions against another, played on the server",
        description="Challenge a competitor (public, or yours) with one of your competitors: an "
        "unranked duel of the number of matches you choose, played on the server like a "
        "tournament's duel (after them) and counted in no ranking. Waits for it and shows "
        "the result.",
    )
    challenge.add_argument("--game", "-g", required=True, help="tic-tac-toe, connect-four, quarto")
    challenge.add_argument(
        "--competitor",
        "-c",
        required=True,
        metavar="MINE[@VERSION]",
        help="your competitor (player 1), at its latest validated revision or @VERSION",
    )
    challenge.add_argument(
        "--against",
        "-a",
        required=True,
        metavar="OTHER[@VERSION]",
        help="the opponent, at its latest validated revision or @VERSION",
    )
    challenge.add_argument(
        "--matches", "-n", type=int, help="how many matches (default: the game's duel length)"
    )
    challenge.add_argument("--server", help=f"default: ARENA_SERVER, else {DEFAULT_SERVER}")
    challenge.add_argument("--token", help="your API token; default: ARENA_TOKEN")
    challenge.add_argument(
        "--no-wait", action="store_true", help="stop once sent, without following it"
    )
    challenge.add_argument(
        "--timeout", type=float, default=3600, help="seconds to follow it (default 3600)"
    )
    commands.add_parser(
        "duel",
        add_help=False,
        help="a duel on this machine, as the arena runs it (same options as python -m run_duel)",
    )
    commands.add_parser(
        "connect",
        add_help=False,
        help="play your player, on this machine, against an agent hosted by the arena; or time "
        "round trips with --ping (arena connect --help)",
    )
    commands.add_parser(
        "rerun",
        add_help=False,
        help="play a duel of the server again here, with its seeds, and say whether every move "
        "matched (arena rerun --help)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["duel"]:
        # Imported only for a duel: `arena submit` needs the standard library alone, and the
        # dev kit brings numpy and the Docker SDK.
        from arena.devkit import main as duel

        return duel(argv[1:])
    if argv[:1] == ["rerun"]:
        from arena.rerun import main as rerun

        return rerun(argv[1:], out)
    if argv[:1] == ["connect"]:
        from arena.remote_play import main as connect

        return connect(argv[1:], out)
    args = parse_args(argv)
    out = out or sys.stdout
    try:
        return challenge(args, out) if args.command == "challenge" else submit(args, out)
    except CliError as exc:
        print(f"arena: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        going_on = (
            "challenge goes on" if args.command == "challenge" else "revision goes on being built"
        )
        print(f"arena: interrupted; the {going_on} on the server", file=sys.stderr)
        return 130
    except Exception as exc:
        # A bug of ours or a server that answers something unexpected: one line still, and the
        # traceback for who asks for it.
        if os.environ.get("ARENA_DEBUG"):
            raise
        print(
            f"arena: unexpected failure ({type(exc).__name__}: {exc}); check --server, and run "
            "again with ARENA_DEBUG=1 to see where it failed",
            file=sys.stderr,
        )
        return SERVER_FAILURE


def submit(args: argparse.Namespace, out: TextIO) -> int:
    server, token = server_and_token(args.server, args.token)
    filename, content = submission_bytes(args.folder)
    client = ArenaClient(server, token)
    me = client.get("/api/v1/me/")
    game = client.get(f"/api/v1/games/{quote(args.game)}/")
    competitor = _competitor(client, game, args, me["username"], out)
    base = f"/api/v1/games/{quote(game['slug'])}/competitors/{quote(competitor['name'])}"
    revision = client.post_file(f"{base}/revisions/", "zip_file", filename, content)
    version = revision["version"]
    page = client.url(
        f"/games/{quote(game['slug'])}/competitors/{quote(competitor['name'])}/revisions/{version}/"
    )
    print(
        f"uploaded revision {version} of {competitor['name']} ({len(content)} bytes): {page}",
        file=out,
    )
    if args.no_wait:
        return 0
    revision = _follow(client, f"{base}/revisions/{version}/", args.timeout, out)
    if not revision["is_valid"]:
        _explain_failure(revision, out)
        return REJECTED
    print(f"revision {version} passed its validation", file=out)
    competitor = _wait_for_rank(client, f"{base}/", version, args.rank_wait, out)
    _show_rank(game, competitor, version, client.url(f"/games/{quote(game['slug'])}/"), out)
    if competitor.get("edition"):
        edition = client.get(
            f"/api/v1/games/{quote(game['slug'])}/tournaments/{competitor['edition']}/"
        )
        _show_leaderboard(edition["leaderboard"], out)
    return 0


def _competitor(
    client: ArenaClient, game: dict[str, Any], args: argparse.Namespace, me: str, out: TextIO
) -> dict[str, Any]:
    path = f"/api/v1/games/{quote(game['slug'])}/competitors/"
    try:
        competitor = client.get(f"{path}{quote(args.competitor)}/")
    except ApiError as exc:
        if exc.status != 404:
            raise
        competitor = client.post_json(path, {"name": args.competitor, "is_public": args.public})
        visibility = "public" if competitor["is_public"] else "private"
        print(
            f"created the {visibility} competitor {competitor['name']} for {game['name']}", file=out
        )
        return competitor
    if competitor["owner"] != me:
        raise CliError(
            f"{game['name']}'s competitor {competitor['name']} belongs to {competitor['owner']}: "
            "choose another name with --competitor"
        )
    return competitor


def _follow(client: ArenaClient, path: str, timeout: float, out: TextIO) -> dict[str, Any]:
    """Poll the revision until its build and validation are over, telling each new state."""
    deadline = time.monotonic() + timeout
    told: set[str] = set()
    while True:
        revision = client.get(path)
        for state in (revision["image_state"], revision["test_state"]):
            if state in STATE_WORDS and state not in told:
                told.add(state)
                print(f"  {STATE_WORDS[state]}", file=out, flush=True)
        if revision["done"]:
            return revision
        if time.monotonic() > deadline:
            raise CliError(
                f"the revision is still {revision['image_state']} / {revision['test_state']} "
                f"after {timeout:g} s; follow it on the website",
                SERVER_FAILURE,
            )
        time.sleep(1.0)


def _tail(text: str | None) -> str:
    lines = (text or "").rstrip().splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


def _failing_side(error: str) -> int:
    """Which player's log tells the failure: the one the error names (a self-play duel)."""
    return 2 if error.startswith("player 2") else 1


def _explain_failure(revision: dict[str, Any], out: TextIO) -> None:
    """The end of the one log that tells the failure, then (raised) the one error line.

    The error message quotes the end of the failing player's log, and in a validation both
    players are the same code: the log is shown once, and the error by its first line.
    """
    version = revision["version"]
    if revision["image_state"] == "IMAGE_FAILED":
        error = revision.get("image_error") or ""
        title, log = "the build log", revision.get("image_log")
        what = "build"
    else:
        error = revision.get("test_error") or ""
        side = _failing_side(error)
        title, log = f"player {side}'s log", revision.get(f"test_log_{side}")
        what = "validation"
    first_line = (error.strip().splitlines() or ["no reason was recorded"])[0]
    tail = _tail(log) or _tail("\n".join(error.strip().splitlines()[1:]))
    if tail:
        print(f"--- the end of {title} ---\n{tail}\n---", file=out)
    print("fix it, then run arena submit again: it uploads a new revision", file=out)
    raise CliError(f"the {what} of revision {version} failed: {first_line}", REJECTED)


def _wait_for_rank(
    client: ArenaClient, path: str, version: int, wait: float, out: TextIO
) -> dict[str, Any]:
    """The competitor once an edition holding ``version`` is ranked, or when ``wait`` is over.

    Until then the competitor's rank is its previous revision's, which is not the answer.
    """
    started = time.monotonic()
    told: set[int] = set()
    while True:
        competitor = client.get(path)
        ranked = competitor.get("ranked_version") == version
        if ranked and competitor.get("edition_state") != "RUNNING":
            return competitor
        if ranked and competitor["edition"] not in told:
            told.add(competitor["edition"])
            print(
                f"  ranking: edition {competitor['edition']} is playing revision {version}'s duels",
                file=out,
                flush=True,
            )
        waited = time.monotonic() - started
        if waited >= wait or (not ranked and waited >= min(wait, EDITION_APPEARS_WITHIN)):
            return competitor
        time.sleep(POLL_SECONDS)


def _show_rank(
    game: dict[str, Any], competitor: dict[str, Any], version: int, leaderboard: str, out: TextIO
) -> None:
    name, edition = competitor["name"], competitor.get("edition")
    if competitor.get("ranked_version") == version and competitor.get("rank"):
        provisional = competitor.get("edition_state") == "RUNNING"
        print(
            f"{name} v{version} is {'provisionally ' if provisional else ''}ranked "
            f"{competitor['rank']} of {competitor['field_size']} in edition {edition} of "
            f"{game['name']}: {leaderboard}",
            file=out,
        )
        return
    before = ""
    if competitor.get("rank") and competitor.get("ranked_version"):
        before = (
            f" (v{competitor['ranked_version']} is ranked {competitor['rank']} of "
            f"{competitor['field_size']} in edition {edition})"
        )
    print(
        f"{name} v{version} is not ranked yet: it plays in the next edition of {game['name']}"
        f"{before}. The leaderboard: {leaderboard}",
        file=out,
    )


def _show_leaderboard(leaderboard: list[dict[str, Any]], out: TextIO) -> None:
    """The edition's leaderboard, with the website's columns and formats (arena.results)."""
    rows = [
        results.leaderboard_row(
            row["rank"],
            f"{row['competitor']} v{row['version']}",
            row["owner"],
            row["points"],
            row["wins"],
            row["draws"],
            row["losses"],
            row["total_score"],
            row["rating"],
            # .get: a server older than the confidence column sends no such fields.
            row.get("next_confidence"),
            row.get("next_separated"),
        )
        for row in leaderboard
    ]
    print(f"  {results.RANKED_BY}", file=out)
    for line in results.table(results.LEADERBOARD_HEADER, rows):
        print(f"  {line}", file=out)


# --- arena challenge ------------------------------------------------------------------------


def challenge(args: argparse.Namespace, out: TextIO) -> int:
    server, token = server_and_token(args.server, args.token)
    mine, version = name_and_version(args.competitor, "--competitor")
    theirs, their_version = name_and_version(args.against, "--against")
    wanted: dict[str, Any] = {"game": args.game, "competitor": mine, "opponent": theirs}
    if version is not None:
        wanted["version"] = version
    if their_version is not None:
        wanted["opponent_version"] = their_version
    if args.matches is not None:
        wanted["matches"] = args.matches
    client = ArenaClient(server, token)
    duel = client.post_json("/api/v1/challenges/", wanted)
    print(f"challenge {duel['id']} sent: {_versus(duel)}, unranked: {duel['url']}", file=out)
    if args.no_wait:
        return 0
    duel = _follow_duel(client, f"/api/v1/challenges/{duel['id']}/", args.timeout, out)
    if duel["state"] != "COMPLETED":
        first_line = ((duel.get("error_msg") or "").strip().splitlines() or ["no reason"])[0]
        raise CliError(
            f"challenge {duel['id']} failed: {first_line} (the arena's failure, never a player's "
            "fault)",
            REJECTED,
        )
    _show_duel(duel, out)
    return 0


def _versus(duel: dict[str, Any]) -> str:
    one, two = duel["player_1"], duel["player_2"]
    matches = duel["num_matches"]
    return (
        f"{one['competitor']} v{one['version']} against {two['competitor']} v{two['version']}, "
        f"{matches} match{'es' if matches != 1 else ''}"
    )


def _follow_duel(client: ArenaClient, path: str, timeout: float, out: TextIO) -> dict[str, Any]:
    """Poll the duel until it has ended, telling each state and each match played."""
    deadline = time.monotonic() + timeout
    told = ""
    while True:
        duel = client.get(path)
        if duel["state"] == "SCHEDULED":
            news = "  waiting for a free worker (challenges come after the tournaments' duels)"
        elif duel["state"] == "RUNNING":
            news = f"  playing: {duel['matches_done']} of {duel['num_matches']} matches"
        else:
            news = ""
        if news and news != told:
            told = news
            print(news, file=out, flush=True)
        if duel["state"] in ("COMPLETED", "FAILED"):
            return duel
        if time.monotonic() > deadline:
            raise CliError(
                f"the challenge is still {duel['state'].lower()} after {timeout:g} s; follow it "
                f"on {duel['url']}",
                SERVER_FAILURE,
            )
        time.sleep(POLL_SECONDS)


def _show_duel(duel: dict[str, Any], out: TextIO) -> None:
    """The result in the arena's words: each side's matches W-D-L (its opponent's errors are
    matches won) and score, then who won the duel."""
    won = duel["player_1_matches_won"], duel["player_2_matches_won"]
    draws = duel["draws"]
    rows: list[tuple[str, str, str]] = []
    for side, other in ((1, 2), (2, 1)):
        player = duel[f"player_{side}"]
        rows.append(
            (
                f"{player['competitor']} v{player['version']}",
                results.format_wdl(won[side - 1], draws, won[other - 1]),
                results.format_score(duel[f"player_{side}_score"]),
            )
        )
    width = max(len(name) for name, _, _ in rows)
    for name, wdl, score in rows:
        print(
            f"  {name.ljust(width)}  matches {'-'.join(results.WDL)} {wdl}  score {score}", file=out
        )
    winner = {"PLAYER_1_WIN": 1, "PLAYER_2_WIN": 2}.get(duel["result"])
    if winner is None:
        print("the challenge is a draw (unranked: no ranking changed)", file=out)
    else:
        player = duel[f"player_{winner}"]
        print(
            f"{player['competitor']} v{player['version']} won the challenge (unranked: no "
            "ranking changed)",
            file=out,
        )
