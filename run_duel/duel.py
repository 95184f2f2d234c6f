"""A duel: ``num_matches`` matches in pairs, player 1 starting the first of each pair.

Failure policy (bounded time whatever a player does):

- a player that fails to start forfeits every remaining match, each counted as its error;
- a player whose process dies or hangs is restarted before the next match, at most
  ``max_restarts`` times per duel; after that it forfeits its remaining matches;
- an exception, a non-integer or an invalid action costs that match only;
- an arena error (``OTHER_ERROR``) stops the duel at once: its result is ``ERROR``, to be
  retried, and nothing is charged to either player.

An observer (``on_event``) can follow the duel as it is played, for spectators. It receives
small plain-JSON dicts, each with a ``kind``:

- ``match``: a match starts (``match``, ``num_matches``, ``first_player`` 1 or 2, the initial
  ``state``, and ``tally``, the duel's counters so far);
- ``move``: a valid move (``match``, ``player``, ``action``, the new ``state``, ``reward``);
- ``match_end``: its ``result``, both scores, the first line of its ``error`` and the ``tally``;
- ``duel_end``: the duel's ``result``, the first line of its ``error`` and the final ``tally``.

Error lines never carry the players' log tails, which are private. Without an observer the
only cost is one ``is None`` test per move.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import environments
from run_duel.errors import ArenaError, StartupFailure
from run_duel.match import (
    DRAW,
    OTHER_ERROR,
    PLAYER_1_ERROR,
    PLAYER_1_WIN,
    PLAYER_2_ERROR,
    PLAYER_2_WIN,
    Observer,
    error_message,
    plain_number,
    play_match,
)
from run_duel.players import PlayerHandle

ERROR = "ERROR"
DEFAULT_MAX_RESTARTS = 2

Progress = Callable[[int, int, dict[str, Any]], None]


def duel_result(tally: dict[str, Any]) -> str:
    """The duel's result from its counters (GAMES.md, "One duel")."""
    if tally["other_errors"]:
        return ERROR
    points_1 = 2 * (tally["player_1_wins"] + tally["player_2_errors"]) + tally["draws"]
    points_2 = 2 * (tally["player_2_wins"] + tally["player_1_errors"]) + tally["draws"]
    if points_1 != points_2:
        return PLAYER_1_WIN if points_1 > points_2 else PLAYER_2_WIN
    if tally["player_1_score"] != tally["player_2_score"]:
        return PLAYER_1_WIN if tally["player_1_score"] > tally["player_2_score"] else PLAYER_2_WIN
    return DRAW


_COUNTER = {
    PLAYER_1_WIN: "player_1_wins",
    PLAYER_2_WIN: "player_2_wins",
    DRAW: "draws",
    PLAYER_1_ERROR: "player_1_errors",
    PLAYER_2_ERROR: "player_2_errors",
    OTHER_ERROR: "other_errors",
}


def run_duel(
    environment: str,
    player_1: PlayerHandle,
    player_2: PlayerHandle,
    num_matches: int | None = None,
    *,
    progress: Progress | None = None,
    max_restarts: int = DEFAULT_MAX_RESTARTS,
    on_event: Observer | None = None,
) -> dict[str, Any]:
    """Play a duel and return its record, the JSON of the original arena.

    Sandboxed handles (anything with ``launch``/``wait_ready``/``restart``) are started here,
    both at once; closing them stays with the caller, who created them.
    """
    info = environments.info(environment)
    game = environments.new_game(environment)
    total = info.num_matches if num_matches is None else num_matches
    tally: dict[str, Any] = {
        "player_1_errors": 0,
        "player_2_errors": 0,
        "other_errors": 0,
        "player_1_wins": 0,
        "player_2_wins": 0,
        "draws": 0,
        "player_1_score": 0.0,
        "player_2_score": 0.0,
    }
    matches: list[dict[str, Any]] = []
    players = (player_1, player_2)
    # Why a player no longer plays; its remaining matches are forfeited with this message.
    gone: list[str | None] = [None, None]
    restarts = [0, 0]

    arena_error = _start(players, gone)
    startup_failures = [message for message in gone if message]
    for index in range(total if arena_error is None else 0):
        number = index + 1
        player_1_starts = index % 2 == 0
        if on_event is not None:
            game.reset()
            on_event(
                {
                    "kind": "match",
                    "match": number,
                    "num_matches": total,
                    "first_player": 1 if player_1_starts else 2,
                    "state": game.state(),
                    "tally": live_tally(tally),
                }
            )
        if gone[0] or gone[1]:
            record = _forfeit(game, gone, player_1_starts, number)
        else:
            record = play_match(
                game,
                player_1,
                player_2,
                player_1_starts=player_1_starts,
                match_number=number,
                on_event=on_event,
            )
        matches.append(record)
        tally[_COUNTER[record["result"]]] += 1
        tally["player_1_score"] += record["player_1_score"]
        tally["player_2_score"] += record["player_2_score"]
        if on_event is not None:
            on_event(
                {
                    "kind": "match_end",
                    "match": number,
                    "result": record["result"],
                    "player_1_score": record["player_1_score"],
                    "player_2_score": record["player_2_score"],
                    "error": _first_line(record["error_msg"]),
                    "tally": live_tally(tally),
                }
            )
        if record["result"] == OTHER_ERROR:
            break
        try:
            _restart_dead(players, gone, restarts, max_restarts)
        except ArenaError as exc:
            arena_error = f"arena error while restarting a player after match {number}: {exc}"
            break
        if progress is not None:
            progress(number, total, tally)
    if arena_error is not None:
        tally["other_errors"] += 1

    # The duel's error_msg: an arena error first, else why a player could not start, else the
    # first match error.
    errors = [m["error_msg"] for m in matches if m["result"] == OTHER_ERROR]
    errors += [arena_error] if arena_error else []
    errors = errors or startup_failures or [m["error_msg"] for m in matches if m["error_msg"]]
    result = duel_result(tally)
    if on_event is not None:
        on_event(
            {
                "kind": "duel_end",
                "result": result,
                "error": _first_line(errors[0] if errors else None),
                "tally": live_tally(tally),
            }
        )
    return {
        "environment": info.slug,
        "rules_version": info.rules_version,
        "result": result,
        "error_msg": errors[0] if errors else None,
        "num_matches": total,
        "player_1_errors": tally["player_1_errors"],
        "player_2_errors": tally["player_2_errors"],
        "other_errors": tally["other_errors"],
        "player_1_wins": tally["player_1_wins"],
        "player_2_wins": tally["player_2_wins"],
        "draws": tally["draws"],
        "player_1_score": plain_number(tally["player_1_score"]),
        "player_2_score": plain_number(tally["player_2_score"]),
        "matches": matches,
    }


def live_tally(tally: dict[str, Any]) -> dict[str, Any]:
    """The counters so far, with each player's points (2 per win or opponent error, 1 per
    draw), as a spectator's running score."""
    live = {**tally}
    live["player_1_score"] = plain_number(tally["player_1_score"])
    live["player_2_score"] = plain_number(tally["player_2_score"])
    live["player_1_points"] = (
        2 * (tally["player_1_wins"] + tally["player_2_errors"]) + tally["draws"]
    )
    live["player_2_points"] = (
        2 * (tally["player_2_wins"] + tally["player_1_errors"]) + tally["draws"]
    )
    return live


def _first_line(message: str | None) -> str:
    """What a spectator may read of an error: its first line, never the log tail below it."""
    return message.strip().splitlines()[0] if message and message.strip() else ""


def _start(players: tuple[PlayerHandle, PlayerHandle], gone: list[str | None]) -> str | None:
    """Launch both sandboxes, then wait for both: their start-ups overlap."""
    for step in ("launch", "wait_ready"):
        for i, handle in enumerate(players):
            if gone[i] or not hasattr(handle, step):
                continue
            try:
                getattr(handle, step)()
            except StartupFailure as failure:
                gone[i] = error_message(handle, failure)
            except ArenaError as exc:
                return f"arena error while starting {handle.label}: {exc}"
    return None


def _restart_dead(
    players: tuple[PlayerHandle, PlayerHandle],
    gone: list[str | None],
    restarts: list[int],
    max_restarts: int,
) -> None:
    for i, handle in enumerate(players):
        if gone[i] or not getattr(handle, "dead", False):
            continue
        if restarts[i] >= max_restarts:
            gone[i] = (
                f"{handle.label} failed {max_restarts + 1} times (see the earlier matches) "
                "and was not restarted again"
            )
            continue
        restarts[i] += 1
        try:
            handle.restart()
        except StartupFailure as failure:
            gone[i] = error_message(handle, failure)


def _forfeit(
    game: environments.Game, gone: list[str | None], player_1_starts: bool, number: int
) -> dict[str, Any]:
    """A match not played because a player can no longer play: that player's error."""
    # Both gone: the first mover would have failed first.
    first = 0 if player_1_starts else 1
    guilty = first if gone[first] else 1 - first
    game.reset()
    return {
        "result": PLAYER_1_ERROR if guilty == 0 else PLAYER_2_ERROR,
        "error_msg": f"match {number} not played: {gone[guilty]}",
        "player_1_score": 0,
        "player_2_score": 0,
        "first_player": "PLAYER_1" if player_1_starts else "PLAYER_2",
        "states": [game.state()],
    }
