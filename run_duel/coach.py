"""The coach: the moves of a duel that a solver proves were blunders, and every position's value.

A **blunder** is a move that turned its mover's proven value into a worse one: a won position
into a draw or a loss, a drawn one into a loss (docs/rules.md, "The coach"). The value before
a move is the solver's value of the position for its mover; the value after is minus the
solver's value of the next position (the opponent moves there), or the move's own result when
it ended the game (its reward's sign). A move is judged only when both values are proven.

The solver (:mod:`environments.solver`) may need more time than a duel can spare: the
analysis has a total budget per duel and a budget per position, and counts what stays
unknown. Many matches of a duel repeat positions, so each position is solved once (the
verdicts are kept by position, in a cache the caller may share between duels). The deepest
positions are solved first: they are the cheapest to prove, so a budget that runs out leaves
the openings unknown rather than everything.

Pure: no Django. The platform (``duel_runner.coach``) stores :func:`analyse`'s JSON, the site
shows it, and the dev kit prints :func:`report_text` after a local duel (``--coach``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import environments
from environments.notation import describe_move
from environments.solver import UNKNOWN, Solver, Verdict, solver

__all__ = [
    "FORMAT",
    "Blunder",
    "analyse",
    "position_key",
    "report_text",
    "step_values",
    "value_words",
]

#: The version of the analysis JSON; a stored analysis of another version is computed again.
FORMAT = 1

#: The words of a value for the player it belongs to.
VALUE_WORDS = {1: "won", 0: "drawn", -1: "lost"}


def position_key(state: Sequence[Any]) -> str:
    """A position's key in the analysis: its state's numbers joined by commas, integers
    without a decimal point (``1.0`` and ``1`` are the same position)."""
    parts = []
    for number in state:
        value = float(number)
        parts.append(str(int(value)) if value.is_integer() else repr(value))
    return ",".join(parts)


def _sign(reward: float) -> int:
    return (reward > 0) - (reward < 0)


@dataclass
class Blunder:
    """One kind of blunder: the same move by the same player from the same position."""

    position: str
    state: list[Any]
    #: The player of the duel who moved: 1 or 2.
    mover: int
    action: int
    move: str
    #: The mover's value before the move and after it (1 won, 0 drawn, -1 lost).
    before: int
    after: int
    #: What the position offered, in words ("X wins in 3 (winning moves: b2 or c3)").
    best: str
    best_actions: list[int]
    #: Each time it was played: the match (from 1) and the replay step of the position.
    occurrences: list[dict[str, int]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "state": self.state,
            "mover": self.mover,
            "action": self.action,
            "move": self.move,
            "before": self.before,
            "after": self.after,
            "turned": f"{VALUE_WORDS[self.before]} into {VALUE_WORDS[self.after]}",
            "best": self.best,
            "best_actions": self.best_actions,
            "count": len(self.occurrences),
            "occurrences": self.occurrences,
        }


def _mover_word(slug: str, mover_index: int | None, side: int | None) -> str:
    """The mark of the player to move (X, O), else its player number, else a neutral word."""
    marks = environments.info(slug).play.marks
    if marks and mover_index is not None:
        return marks[mover_index]
    return f"player {side}" if side else "the player to move"


def _or_list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def value_words(
    slug: str,
    state: Sequence[Any],
    verdict: Verdict,
    mover_index: int | None,
    side: int | None = None,
    most: int = 3,
) -> str:
    """The verdict of ``state`` in words for the replay and the reports: "X wins in 3
    (winning moves: b2)",
    "O loses in 2 (best defence: a1)", "draw with best play (b2 or c3)", "unknown".

    ``mover_index``: 0 if the first mover of the match is to move, 1 the second (the mark
    of the game's ``play.marks``); ``side``, the duel's player to move (1 or 2), names it
    where the game has no marks. "In N" counts the
    mover's own moves; at most ``most`` best moves are named.
    """
    if not verdict.known:
        return "unknown"
    who = _mover_word(slug, mover_index, side)
    moves = [describe_move(slug, state, a) for a in verdict.best_actions[:most]]
    if len(verdict.best_actions) > most:
        moves.append(f"{len(verdict.best_actions) - most} more")
    with_moves = _or_list(moves)
    if verdict.value == 0:
        return f"draw with best play ({with_moves})" if moves else "draw with best play"
    turns = "" if verdict.plies is None else f" in {(verdict.plies + 1) // 2}"
    if verdict.value == 1:
        # The moves named keep the win, not always the fastest one: the solvers prove which
        # moves win, and "in N" is the fastest of them.
        return f"{who} wins{turns}" + (f" (winning moves: {with_moves})" if moves else "")
    return f"{who} loses{turns}" + (f" (best defence: {with_moves})" if moves else "")


@dataclass
class _Move:
    match: int  # from 1
    step: int  # index of the position before the move in the match's states
    mover: int  # the duel's player, 1 or 2
    mover_index: int  # 0 the match's first mover, 1 the second
    before: str
    after: str
    action: int
    state: list[Any]
    ended: bool
    reward: float


def _moves(slug: str, number: int, match: Mapping[str, Any]) -> Iterable[_Move]:
    """The moves of a match, replayed by the rules from its states (a record that the rules
    cannot replay stops where they lose track of it)."""
    states = match.get("states") or []
    first = 1 if match.get("first_player", "PLAYER_1") == "PLAYER_1" else 2
    game = environments.new_game(slug)
    game.reset()
    if not states or list(game.state()) != list(states[0]):
        return
    for step, target in enumerate(states[1:]):
        if game.done:
            return
        for action in game.legal_actions():
            trial = game.copy()
            reward = trial.play(action)
            if list(trial.state()) == list(target):
                break
        else:
            return
        mover_index = step % 2
        yield _Move(
            match=number,
            step=step,
            mover=first if mover_index == 0 else 3 - first,
            mover_index=mover_index,
            before=position_key(states[step]),
            after=position_key(target),
            action=int(action),
            state=list(states[step]),
            ended=trial.done,
            reward=reward,
        )
        game = trial


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    return {"value": verdict.value, "plies": verdict.plies, "best": list(verdict.best_actions)}


def analyse(
    slug: str,
    record: Mapping[str, Any],
    seconds: float,
    position_seconds: float = 1.0,
    cache: dict[str, Verdict] | None = None,
    the_solver: Solver | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """The coach's analysis of a duel record: its blunders grouped by position, every
    position's verdict and the figures of the work, as JSON.

    ``seconds`` bounds the whole analysis (0: nothing is solved, all unknown), and
    ``position_seconds`` each position; ``cache`` (position key -> verdict) is read and
    filled. A game without a solver gets ``{"solver": False, ...}`` and no blunders.
    """
    started = clock()
    the_solver = the_solver if the_solver is not None else solver(slug)
    matches = record.get("matches") or []
    empty_stats = {"moves": 0, "moves_judged": 0, "positions": 0, "proven": 0, "unknown": 0}
    if the_solver is None:
        return {
            "format": FORMAT,
            "game": slug,
            "solver": False,
            "blunders": [],
            "positions": {},
            "stats": {**empty_stats, "seconds": 0.0, "budget_spent": False},
        }
    cache = cache if cache is not None else {}
    moves = [move for n, match in enumerate(matches, 1) for move in _moves(slug, n, match)]

    # Every unfinished position once, the deepest first (cheapest to prove).
    depth: dict[str, int] = {}
    states: dict[str, list[Any]] = {}
    for move in moves:
        depth[move.before] = max(depth.get(move.before, 0), move.step)
        states[move.before] = move.state
        if not move.ended:
            depth[move.after] = max(depth.get(move.after, 0), move.step + 1)
    for move in moves:  # the state of a position reached but never moved from
        if not move.ended and move.after not in states:
            match = matches[move.match - 1]
            states[move.after] = list(match["states"][move.step + 1])

    verdicts: dict[str, Verdict] = {}
    budget_spent = False
    for key in sorted(depth, key=lambda k: -depth[k]):
        if key in cache:
            verdicts[key] = cache[key]
            continue
        left = seconds - (clock() - started)
        if left <= 0 or position_seconds <= 0:
            budget_spent = budget_spent or left <= 0
            verdicts[key] = UNKNOWN
            continue  # not cached: a later analysis with time to spare may prove it
        verdict = verdicts[key] = the_solver.solve(states[key], min(position_seconds, left))
        if verdict.known:  # an unknown one was short of time: a later analysis may prove it
            cache[key] = verdict

    groups: dict[tuple[str, int, int], Blunder] = {}
    judged = 0
    for move in moves:
        before = verdicts.get(move.before, UNKNOWN).value
        if move.ended:
            after: int | None = _sign(move.reward)
        else:
            next_value = verdicts.get(move.after, UNKNOWN).value
            after = None if next_value is None else -next_value
        if before is None or after is None:
            continue
        judged += 1
        if after >= before:
            continue
        group_key = (move.before, move.mover, move.action)
        blunder = groups.get(group_key)
        if blunder is None:
            verdict = verdicts[move.before]
            blunder = groups[group_key] = Blunder(
                position=move.before,
                state=move.state,
                mover=move.mover,
                action=move.action,
                move=describe_move(slug, move.state, move.action),
                before=before,
                after=after,
                best=value_words(slug, move.state, verdict, move.mover_index, move.mover),
                best_actions=list(verdict.best_actions),
            )
        blunder.occurrences.append({"match": move.match, "step": move.step})

    proven = sum(1 for v in verdicts.values() if v.known)
    blunders = sorted(
        groups.values(),
        key=lambda b: (-len(b.occurrences), b.after - b.before, b.occurrences[0]["match"]),
    )
    return {
        "format": FORMAT,
        "game": slug,
        "solver": True,
        "blunders": [b.as_json() for b in blunders],
        # Only proven positions: the replay says "unknown" for the rest.
        "positions": {k: _verdict_json(v) for k, v in verdicts.items() if v.known},
        "stats": {
            "moves": len(moves),
            "moves_judged": judged,
            "positions": len(verdicts),
            "proven": proven,
            "unknown": len(verdicts) - proven,
            "seconds": round(clock() - started, 3),
            "budget_spent": budget_spent,
        },
    }


def step_values(
    slug: str,
    states: Sequence[Sequence[Any]],
    positions: Mapping[str, Mapping[str, Any]],
    first_side: int = 1,
) -> list[str | None]:
    """For the replay: each step's proven value in words ("X wins in 3 (winning moves: b2)"),
    "unknown" when the analysis has none, None for the last position (the match's outcome says it).
    ``first_side``: the duel's player who moved first in this match."""
    words: list[str | None] = []
    for step, state in enumerate(states):
        found = positions.get(position_key(state))
        if found is None:
            # The last state of a match is finished; others were not proven.
            words.append(None if step == len(states) - 1 and step > 0 else "unknown")
            continue
        verdict = Verdict(found["value"], found.get("plies"), tuple(found.get("best") or ()))
        mover_index = step % 2
        side = first_side if mover_index == 0 else 3 - first_side
        words.append(value_words(slug, state, verdict, mover_index, side))
    return words


def report_text(analysis: Mapping[str, Any], names: Mapping[int, str] | None = None) -> str:
    """The analysis for a terminal: each blunder, how often, where, and the work's figures."""
    names = names or {1: "player 1", 2: "player 2"}
    if not analysis.get("solver"):
        return f"Coach: no solver for {analysis.get('game')}, so no blunder can be proven."
    stats = analysis["stats"]
    lines = [
        f"Coach: {stats['proven']} of {stats['positions']} positions proven "
        f"({stats['unknown']} unknown) in {stats['seconds']:.1f} s; "
        f"{stats['moves_judged']} of {stats['moves']} moves judged."
    ]
    if stats.get("budget_spent"):
        lines.append("  The time budget ran out: raise --coach-seconds to prove more.")
    blunders = analysis.get("blunders") or []
    if not blunders:
        lines.append("  No blunder proven.")
    for blunder in blunders:
        where = ", ".join(
            f"match {o['match']} step {o['step']}" for o in blunder["occurrences"][:5]
        )
        if blunder["count"] > 5:
            where += f" and {blunder['count'] - 5} more"
        lines.append(
            f"  {names.get(blunder['mover'], blunder['mover'])}, {blunder['move']}: "
            f"{blunder['turned']} ({blunder['best']}); {blunder['count']}x: {where}"
        )
    return "\n".join(lines)
