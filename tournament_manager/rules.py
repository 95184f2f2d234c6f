"""Tournament rules, free of Django: round robin, standings, rating, tournament state.

The specification is docs/rules.md, sections "One duel" and "Editions and ranking". Everything
here is a pure function of its arguments so the database layer (:mod:`.services`) only maps rows
to :class:`DuelOutcome` and back, and the rules can be tested without a database.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from openskill.models import PlackettLuce

# The duel results as run_duel.outcomes, the one module that judges a duel, names them.
from run_duel.outcomes import DRAW, ERROR, PLAYER_1_WIN, PLAYER_2_WIN

T = TypeVar("T", bound=Hashable)
D = TypeVar("D")

RUNNING = "RUNNING"
COMPLETED = "COMPLETED"
FAILED = "FAILED"

# Kept at module level so every call rates with the same (default) model parameters.
_MODEL = PlackettLuce()


def round_robin(participants: Sequence[T]) -> list[list[tuple[T, T]]]:
    """Every pair exactly once, in rounds where nobody plays twice (the circle method).

    ``n`` participants give ``n - 1`` rounds when ``n`` is even, ``n`` rounds when it is odd
    (each round someone has a bye, which is not listed). Within a pair the first is player 1;
    over the tournament everyone is player 1 in half of its duels, give or take one.
    """
    count = len(participants)
    if len(set(participants)) != count:
        raise ValueError("a participant is listed twice")
    if count < 2:
        return []
    # Seats hold indices into ``participants``; index ``count`` is the bye of an odd count.
    # The bye takes the fixed seat: then whoever faces it sits out, and nobody's player-1
    # balance depends on the alternation of the fixed seat below.
    bye = count if count % 2 else None
    fixed, ring = (count, list(range(count))) if bye is not None else (0, list(range(1, count)))
    half = (len(ring) + 1) // 2
    rounds: list[list[tuple[T, T]]] = []
    for number in range(len(ring)):
        seats = [fixed, *ring]
        pairs: list[tuple[T, T]] = []
        for i in range(half):
            # Top-row seat is player 1. A ring member visits every seat once, so it is on top
            # as often as at the bottom, give or take its duel against the fixed seat...
            first, second = seats[i], seats[-1 - i]
            if i == 0 and number % 2:
                # ...whose side alternates by round, the fixed seat never moving.
                first, second = second, first
            if bye not in (first, second):
                pairs.append((participants[first], participants[second]))
        rounds.append(pairs)
        # Rotate the ring one step; the fixed seat stays.
        ring = [ring[-1], *ring[:-1]]
    return rounds


@dataclass(frozen=True)
class DuelOutcome:
    """What the rules need to know about one duel of a tournament.

    ``result`` is None while the duel has not finished. ``failed`` marks a duel that ended
    without a proper result; it counts as a draw with the scores it reached, whatever
    ``result`` holds (a failed duel may carry ``ERROR`` or nothing).
    """

    player_1: Hashable
    player_2: Hashable
    result: str | None
    failed: bool = False
    # None is accepted for a failed duel that recorded no score (docs/rules.md: a failed duel
    # counts "with the score reached", which is then 0).
    player_1_score: float | None = 0.0
    player_2_score: float | None = 0.0

    @property
    def is_failed(self) -> bool:
        # An arena failure (OTHER_ERROR) makes the duel ERROR: that too is a failed duel.
        return self.failed or self.result == ERROR

    @property
    def is_finished(self) -> bool:
        return self.is_failed or self.result is not None

    def ranks(self) -> tuple[int, int]:
        """Places of player 1 and player 2 (1 is best, equal on a draw) of a finished duel."""
        if self.is_failed or self.result == DRAW:
            return 1, 1
        if self.result == PLAYER_1_WIN:
            return 1, 2
        if self.result == PLAYER_2_WIN:
            return 2, 1
        # Refuse rather than guess: a silently misread result would corrupt the ranking.
        raise ValueError(f"unknown duel result {self.result!r}")


def edition_points(wins: int, draws: int) -> int:
    """An edition's points, which decide the rank: 2 per duel won, 1 per duel drawn."""
    return 2 * wins + draws


@dataclass
class Standing:
    participant: Hashable
    wins: int = 0
    losses: int = 0
    draws: int = 0
    points: int = 0
    total_score: float = 0.0
    rank: int | None = None
    rating_mu: float | None = None
    rating_sigma: float | None = None
    # Conservative estimate mu - 3 sigma (openskill's ordinal): a newcomer with few duels is
    # not placed above a proven player on luck.
    rating: float | None = None

    @property
    def key(self) -> tuple[int, int, float]:
        """The ranking key of docs/rules.md: greater is better."""
        return self.points, self.wins, self.total_score


def _index(participants: Sequence[Hashable]) -> dict[Hashable, int]:
    index = {p: i for i, p in enumerate(participants)}
    if len(index) != len(participants):
        raise ValueError("a participant is listed twice")
    return index


def _check_players(outcome: DuelOutcome, index: Mapping[Hashable, int]) -> None:
    for player in (outcome.player_1, outcome.player_2):
        if player not in index:
            raise ValueError(f"{player!r} plays a duel but is not a participant")


def ratings(
    participants: Sequence[Hashable], outcomes: Iterable[DuelOutcome]
) -> dict[Hashable, tuple[float, float]]:
    """``(mu, sigma)`` per participant: PlackettLuce over the finished duels, in the given order.

    Each duel is a match of two one-player teams; a draw (and a failed duel) is a tie.
    Participants without a finished duel keep the model's initial rating.
    """
    index = _index(participants)
    current = {p: _MODEL.rating() for p in participants}
    for outcome in outcomes:
        _check_players(outcome, index)
        if not outcome.is_finished:
            continue
        one, two = outcome.player_1, outcome.player_2
        [[new_one], [new_two]] = _MODEL.rate(
            [[current[one]], [current[two]]], ranks=list(outcome.ranks())
        )
        current[one], current[two] = new_one, new_two
    return {p: (r.mu, r.sigma) for p, r in current.items()}


def standings(participants: Sequence[Hashable], outcomes: Iterable[DuelOutcome]) -> list[Standing]:
    """Every participant's standing, best first; ties keep the order of ``participants``.

    Only finished duels count, so a running tournament gets a provisional ranking. Ranks are
    shared by equal ``(points, wins, total_score)`` and the next rank is skipped (1, 1, 3).
    """
    outcomes = list(outcomes)
    index = _index(participants)
    table = {p: Standing(participant=p) for p in participants}
    for outcome in outcomes:
        _check_players(outcome, index)
        if not outcome.is_finished:
            continue
        one, two = table[outcome.player_1], table[outcome.player_2]
        one.total_score += outcome.player_1_score or 0.0
        two.total_score += outcome.player_2_score or 0.0
        rank_1, rank_2 = outcome.ranks()
        if rank_1 == rank_2:
            one.draws += 1
            two.draws += 1
        elif rank_1 < rank_2:
            one.wins += 1
            two.losses += 1
        else:
            two.wins += 1
            one.losses += 1
    for standing in table.values():
        standing.points = edition_points(standing.wins, standing.draws)

    for participant, (mu, sigma) in ratings(participants, outcomes).items():
        standing = table[participant]
        standing.rating_mu, standing.rating_sigma = mu, sigma
        standing.rating = _MODEL.rating(mu=mu, sigma=sigma).ordinal()

    # sorted() is stable, so equal keys stay in the order of ``participants``.
    ordered = sorted(table.values(), key=lambda s: s.key, reverse=True)
    for position, standing in enumerate(ordered):
        previous = ordered[position - 1] if position else None
        if previous is not None and previous.key == standing.key:
            standing.rank = previous.rank
        else:
            # Competition ranking: the rank is one plus the number of strictly better ones.
            standing.rank = position + 1
    return ordered


def tournament_state(outcomes: Sequence[DuelOutcome]) -> str:
    """RUNNING while a duel is unfinished, then FAILED if any duel failed, else COMPLETED.

    No duels at all is vacuously COMPLETED; the caller decides whether that can happen.
    """
    if not all(o.is_finished for o in outcomes):
        return RUNNING
    if any(o.is_failed for o in outcomes):
        return FAILED
    return COMPLETED


def duels_to_play(
    pairs: Iterable[tuple[T, T]],
    finished: Mapping[frozenset[Any], D],
    *,
    key: Callable[[T], Hashable] | None = None,
) -> tuple[list[tuple[tuple[T, T], D]], list[tuple[T, T]]]:
    """Split the round-robin pairs into those an earlier duel settles and those to play.

    ``finished`` maps the unordered pair of participants (or of ``key(participant)``, e.g. a
    primary key) to a duel already played under the same rules version and duel length; which
    of the two was player 1 there does not matter, the duel is symmetric over its match pairs.
    Returns ``(reused, new)``: ``reused`` as ``(pair, duel)``, both lists in the order of
    ``pairs``.
    """
    ident: Callable[[T], Hashable] = key if key is not None else (lambda p: p)
    reused: list[tuple[tuple[T, T], D]] = []
    new: list[tuple[T, T]] = []
    for pair in pairs:
        duel = finished.get(frozenset((ident(pair[0]), ident(pair[1]))))
        if duel is None:
            new.append(pair)
        else:
            reused.append((pair, duel))
    return reused, new
