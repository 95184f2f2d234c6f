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

Size, whatever a player does: each error message is capped where the player's text enters the
arena (:mod:`run_duel.text`), and a duel keeps :data:`ERROR_TEXT_BUDGET` characters of error
text in full; later errors keep their first line. Time: :func:`duel_time_limit` is the longest
an honest duel can last, from the game's deadlines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import environments
from run_duel.errors import ArenaError, DuelAborted, StartupFailure
from run_duel.match import Observer, error_message, plain_number, play_match
from run_duel.outcomes import (
    COUNTER,
    ERROR,
    OTHER_ERROR,
    PLAYER_1_ERROR,
    PLAYER_2_ERROR,
    duel_result,
    points,
)
from run_duel.players import PlayerHandle, RestartablePlayer
from run_duel.seeds import draw_seed, match_seed, player_seed
from run_duel.text import cap

__all__ = ["ERROR", "duel_result", "duel_time_limit", "match_time_limit", "run_duel"]

DEFAULT_MAX_RESTARTS = 2
# Error text a duel record keeps in full, for all its matches together; past it, each match's
# error keeps its first line. A player failing 1000 matches with megabyte messages still makes
# a small record, and the first errors, the ones to act on, keep their log tails.
ERROR_TEXT_BUDGET = 64 * 1024
FIRST_LINE_CHARS = 300

Progress = Callable[[int, int, dict[str, Any]], None]
# Called after every move and between matches; raises DuelAborted to stop the duel.
KeepAlive = Callable[[], None]


def duel_time_limit(
    environment: str, num_matches: int | None = None, max_restarts: int = DEFAULT_MAX_RESTARTS
) -> float:
    """The longest an honest duel can take, in seconds, from the game's limits.

    Every move of every match at its deadline, plus each player's start-ups (the first one and
    every restart) at theirs. A duel that runs longer is the arena's problem, never a slow
    player's: this bounds the task that plays it.
    """
    info = environments.info(environment)
    game = environments.new_game(environment)
    total = info.num_matches if num_matches is None else num_matches
    # Per match: each ply, then the two end() calls, each with the move deadline.
    matches = total * (game.max_plies + 2) * info.move_timeout
    startups = 2 * (max_restarts + 1) * info.startup_timeout
    return matches + startups


def match_time_limit(environment: str, wait_per_move: float = 0.0) -> float:
    """The longest one honest match of one sandboxed player can take, in seconds: its start-up
    and every ply at the move deadline (plus ``wait_per_move``, e.g. a human's thinking time).
    One move (an API move) is a match's start-up and first ply at most, so this bounds it too.
    """
    info = environments.info(environment)
    plies = environments.new_game(environment).max_plies + 2  # and the two end() calls
    return info.startup_timeout + plies * (info.move_timeout + wait_per_move)


def run_duel(
    environment: str,
    player_1: PlayerHandle,
    player_2: PlayerHandle,
    num_matches: int | None = None,
    *,
    progress: Progress | None = None,
    max_restarts: int = DEFAULT_MAX_RESTARTS,
    on_event: Observer | None = None,
    keepalive: KeepAlive | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """Play a duel and return its record, the JSON of the original arena.

    ``seed`` (None: a fresh one) seeds every player process and every match
    (:mod:`run_duel.seeds`); the record keeps it (``seed``, and each match's ``seed``), so the
    duel can be played again move for move.

    Sandboxed handles (anything with ``launch``/``wait_ready``/``restart``) are started here,
    both at once; closing them stays with the caller, who created them. ``keepalive`` is
    called after every move (a worker's heartbeat: a slow match is still a live one); it
    may raise :class:`DuelAborted`, which stops the duel and propagates.
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
    match_events = on_event
    if keepalive is not None:
        match_events = _with_keepalive(on_event, keepalive)
    error_budget = [ERROR_TEXT_BUDGET]

    seed = draw_seed() if seed is None else seed
    for side, handle in enumerate(players, start=1):
        if hasattr(handle, "set_seeds"):  # a sandbox: seeded as its processes start
            handle.set_seeds(seed, player_seed(seed, side))
    arena_error = _start(players, gone)
    startup_failures = [message for message in gone if message]
    for index in range(total if arena_error is None else 0):
        number = index + 1
        player_1_starts = index % 2 == 0
        seed_of_match = match_seed(seed, number)
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
                on_event=match_events,
                seed=seed_of_match,
            )
        record["seed"] = seed_of_match
        _spend_error_budget(record, error_budget)
        matches.append(record)
        tally[COUNTER[record["result"]]] += 1
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
        if keepalive is not None:
            keepalive()
        try:
            _restart_dead(players, gone, restarts, max_restarts)
        except ArenaError as exc:
            arena_error = cap(f"arena error while restarting a player after match {number}: {exc}")
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
        "seed": seed,
    }


def live_tally(tally: dict[str, Any]) -> dict[str, Any]:
    """The counters so far, with each player's points (2 per win or opponent error, 1 per
    draw), as a spectator's running score."""
    live = {**tally}
    live["player_1_score"] = plain_number(tally["player_1_score"])
    live["player_2_score"] = plain_number(tally["player_2_score"])
    live["player_1_points"], live["player_2_points"] = points(tally)
    return live


def _with_keepalive(on_event: Observer | None, keepalive: KeepAlive) -> Observer:
    def observe(event: dict[str, Any]) -> None:
        keepalive()
        if on_event is not None:
            on_event(event)

    return observe


def _spend_error_budget(record: dict[str, Any], budget: list[int]) -> None:
    """Keep the match's error in full while the duel's budget lasts, else its first line."""
    message = record["error_msg"]
    if not message:
        return
    if len(message) <= budget[0]:
        budget[0] -= len(message)
    else:
        budget[0] = 0
        record["error_msg"] = cap(_first_line(message), FIRST_LINE_CHARS)


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
                return cap(f"arena error while starting {handle.label}: {exc}")
            except DuelAborted:
                raise
            except Exception as exc:  # a bug of ours: the duel is ERROR, never a player's loss
                kind = type(exc).__name__
                return cap(f"arena error while starting {handle.label}: {kind}: {exc}")
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
        handle = cast(RestartablePlayer, handle)  # only a sandbox has a process that dies
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
        "move_seconds": [],
    }
