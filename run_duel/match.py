"""One match between two player handles, exactly as the 2019 arena played it (docs/rules.md).

The engine works on the fast :class:`environments.Game`; states travel as plain lists, so the
only numpy arrays ever built are the ones a player receives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from environments import Game, InvalidActionError
from run_duel.errors import ArenaError, DuelAborted, PlayerFailure
from run_duel.outcomes import OTHER_ERROR, PLAYER_1_ERROR, PLAYER_2_ERROR, match_result
from run_duel.players import PlayerHandle
from run_duel.seeds import player_seed
from run_duel.text import cap

# Receives the small dicts of a live duel (see run_duel.duel for their kinds); called on the
# duel's own thread between two moves, so it must return quickly.
Observer = Callable[[dict[str, Any]], None]
# Words a player's failure for the record: (its handle, the failure, " in step() of match 3").
FailureMessage = Callable[[PlayerHandle, PlayerFailure, str], str]


def plain_number(value: float) -> int | float:
    """Scores are sums of rewards; the original records them as integers when they are."""
    return int(value) if float(value).is_integer() else value


def error_message(handle: PlayerHandle, failure: PlayerFailure, where: str = "") -> str:
    """ "player 2 timed out after 10 s in step() of match 37", then the end of its log."""
    message = f"{handle.label} {failure.summary}{where}"
    tail = failure.log_tail.strip()  # capped and cleaned by PlayerFailure
    if tail:
        message += f"\n--- last lines of {handle.label}'s log ---\n{tail}"
    return message


def play_match(
    game: Game,
    player_1: PlayerHandle,
    player_2: PlayerHandle,
    *,
    player_1_starts: bool = True,
    match_number: int = 1,
    on_event: Observer | None = None,
    failure_message: FailureMessage | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """Play one match and return its record (``result``, ``error_msg``, scores, ``states``...).

    Besides the original fields, ``move_seconds`` holds, for each valid move in order, the
    seconds its player took to answer (measured around the call, ms precision).

    ``on_event``, if given, receives a ``move`` event after each valid move: ``match``,
    ``player`` (1 or 2), ``action``, ``state`` (the new state, plain JSON) and ``reward``.
    ``failure_message`` words a player's failure in the record's ``error_msg`` instead of
    :func:`error_message` (a human match tells the human what the agent did, not its log).
    ``seed``, the match's seed (:mod:`run_duel.seeds`), seeds each handle that can be seeded
    (has ``reseed``) for this match, player 1 and player 2 each with its own.

    Never raises for what a player does: a player's failure is recorded as that player's
    error, anything else (:class:`ArenaError` or a bug of ours) as ``OTHER_ERROR``; the scores
    reached so far are kept.
    """
    if seed is not None:
        for side, player in ((1, player_1), (2, player_2)):
            reseed = getattr(player, "reseed", None)
            if reseed is not None:
                reseed(player_seed(seed, side))
    handles = (player_1, player_2) if player_1_starts else (player_2, player_1)
    first_is_player_1 = player_1_starts
    latest = [0.0, 0.0]  # reward of each one's latest move, index 0 = first mover
    totals = [0.0, 0.0]
    started = [False, False]
    game.reset()
    states = [game.state()]
    # Seconds each valid move took its player, ms precision: a player nearing the move
    # deadline sees it on its competitor page before it times out. Not an original field.
    move_seconds: list[float] = []
    result = error_msg = None
    acting, method = 0, "start"
    try:
        while True:
            handle = handles[acting]
            valid_actions = game.legal_actions()
            asked = time.perf_counter()
            if started[acting]:
                method = "step"
                action = handle.step(states[-1], valid_actions, latest[acting] - latest[1 - acting])
            else:
                method = "start"
                started[acting] = True
                action = handle.start(states[-1], valid_actions)
            took = time.perf_counter() - asked
            try:
                reward = game.play(action)
            except InvalidActionError as exc:
                raise PlayerFailure(
                    f"chose action {action}, which is not valid: {exc.reason},"
                ) from exc
            move_seconds.append(round(took, 3))
            latest[acting] = reward
            totals[acting] += reward
            states.append(game.state())
            if on_event is not None:
                on_event(
                    {
                        "kind": "move",
                        "match": match_number,
                        "player": 1 if (acting == 0) == first_is_player_1 else 2,
                        "action": int(action),
                        "state": states[-1],
                        "reward": plain_number(reward),
                    }
                )
            if game.done:
                break
            acting = 1 - acting
        mover, final = acting, states[-1]
        method = "end"
        for acting in (0, 1):
            own = latest[acting]
            handles[acting].end(final, own if acting == mover else own - latest[mover])
    except PlayerFailure as failure:
        guilty_is_player_1 = (acting == 0) == first_is_player_1
        result = PLAYER_1_ERROR if guilty_is_player_1 else PLAYER_2_ERROR
        error_msg = (failure_message or error_message)(
            handles[acting], failure, f" in {method}() of match {match_number}"
        )
    except DuelAborted:
        raise
    except Exception as exc:  # ArenaError or a bug of ours: never the participant's fault
        result = OTHER_ERROR
        kind = "" if isinstance(exc, ArenaError) else f"{type(exc).__name__}: "
        error_msg = cap(f"arena error in {method}() of match {match_number}: {kind}{exc}")

    first_score = totals[0] - totals[1]
    player_1_score = first_score if first_is_player_1 else -first_score
    if result is None:
        result = match_result(player_1_score)
    return {
        "result": result,
        "error_msg": error_msg,
        "player_1_score": plain_number(player_1_score),
        "player_2_score": plain_number(-player_1_score),
        "first_player": "PLAYER_1" if first_is_player_1 else "PLAYER_2",
        "states": states,
        "move_seconds": move_seconds,
    }
