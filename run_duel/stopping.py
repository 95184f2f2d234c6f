"""When a duel may stop before its last match: the one module that owns the early-stop rule.

Off by default: a duel plays all its ``num_matches`` matches, as the 2019 arena did. An
organiser can turn on, per game, one of two rules (docs/rules.md, "Stopping early"):

- ``decided``: stop as soon as the duel's result can no longer change, i.e. the leader's
  effective wins (wins plus the opponent's errors, :func:`run_duel.outcomes.matches_won`)
  exceed the trailer's by more than the matches remaining. A lead of exactly the matches
  remaining is not enough: the trailer could level the points, and equal points go to the
  total score, which the rule does not predict. So a duel heading for a draw is decided only
  when no match remains.
- ``sprt``: ``decided``, and also a sequential probability ratio test on the pairs of matches
  (player 1 starts the first of a pair, player 2 the second; a pair is one observation, so
  the first-mover advantage cancels inside it). Each pair scores 0, 1/4, 1/2, 3/4 or 1 for
  player 1 (a match won 1, drawn 1/2, lost 0, errors counting as the innocent side's wins):
  a pentanomial distribution. The test weighs "player 1 is better by ``elo1``" against
  "player 2 is better by ``-elo0``" with a generalised likelihood ratio (the distribution of
  the pairs is estimated under each hypothesis's mean score by maximum likelihood, as
  fishtest does for one pair of engines) and stops when the log-ratio leaves
  ``[log(beta / (1 - alpha)), log((1 - beta) / alpha)]``.

The SPRT never decides a result: it only says "stop now". The duel's result is computed from
its tally as always, and the test may stop only when the side it favours is strictly ahead
on effective wins, so an early stop never hands the duel to the side that is behind.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from run_duel.outcomes import (
    COUNTER,
    DRAW,
    OTHER_ERROR,
    PLAYER_1_ERROR,
    PLAYER_1_WIN,
    PLAYER_2_ERROR,
    PLAYER_2_WIN,
    matches_won,
)

OFF, DECIDED, SPRT = "off", "decided", "sprt"
MODES = (OFF, DECIDED, SPRT)

# Player 1's share of one match, by result (an error is the innocent side's win).
MATCH_SCORE: Mapping[str, float] = {
    PLAYER_1_WIN: 1.0,
    PLAYER_2_ERROR: 1.0,
    DRAW: 0.5,
    PLAYER_2_WIN: 0.0,
    PLAYER_1_ERROR: 0.0,
}
# A pair's outcomes, player 1's mean score over its two matches.
PAIR_SCORES = (0.0, 0.25, 0.5, 0.75, 1.0)
# An outcome never seen still gets this weight: a player that won every pair so far is not
# proven to win every pair to come, and the estimated distribution needs all five outcomes
# to take any mean score in (0, 1).
UNSEEN_WEIGHT = 1e-3


@dataclass(frozen=True)
class Stopping:
    """The early-stop rule of a game: its mode and, for ``sprt``, the test's parameters.

    ``elo0 < 0 < elo1``: the test tells "player 1 better by ``elo1``" from "player 2 better by
    ``-elo0``" (logistic Elo, per match), with ``alpha`` the chance of stopping in favour of
    player 1 when the second holds and ``beta`` the reverse. Pairs closer than that are left to
    play on. ``min_matches``: the SPRT never stops before them (the ``decided`` rule may).
    """

    mode: str = OFF
    alpha: float = 0.0005
    beta: float = 0.0005
    elo0: float = -15.0
    elo1: float = 15.0
    min_matches: int = 20

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"early stop must be one of {', '.join(MODES)}, not {self.mode!r}")
        if not (0 < self.alpha < 0.5 and 0 < self.beta < 0.5):
            raise ValueError("the SPRT's alpha and beta must be between 0 and 0.5")
        if not self.elo0 < 0 < self.elo1:
            raise ValueError("the SPRT's elo bounds must satisfy elo0 < 0 < elo1")
        if self.min_matches < 0:
            raise ValueError("min_matches must not be negative")

    @property
    def bounds(self) -> tuple[float, float]:
        """The log-likelihood ratio's stopping bounds (Wald's)."""
        return math.log(self.beta / (1 - self.alpha)), math.log((1 - self.beta) / self.alpha)


def decided(tally: Mapping[str, Any], remaining: int) -> bool:
    """Whether the duel's result can no longer change with ``remaining`` matches to play.

    ``tally`` holds the duel's counters (``player_1_wins``, ``player_2_errors``...). A duel
    with an arena error is never "decided" here: it stops anyway and is played again.
    """
    if tally.get("other_errors"):
        return False
    if remaining <= 0:
        return True
    won_1, won_2 = matches_won(tally)
    return abs(won_1 - won_2) > remaining


def expected_score(elo: float) -> float:
    """The mean score per match of a player ``elo`` logistic Elo points better."""
    return 1.0 / (1.0 + 10.0 ** (-elo / 400.0))


def llr(pairs: Mapping[float, int] | Iterable[int], elo0: float, elo1: float) -> float:
    """The generalised log-likelihood ratio of "elo1" against "elo0" for the pairs' outcomes.

    ``pairs``: how many pairs ended with each of :data:`PAIR_SCORES` (a sequence of five
    counts, or a mapping score -> count). Under each hypothesis the pentanomial distribution
    is the one closest to the observed frequencies (maximum likelihood) whose mean is that
    hypothesis's expected score.
    """
    counts = _counts(pairs)
    total = sum(counts)
    if total == 0:
        return 0.0
    weights = [count if count else UNSEEN_WEIGHT for count in counts]
    norm = sum(weights)
    frequencies = [w / norm for w in weights]
    lambda_0 = _lagrange(frequencies, expected_score(elo0))
    lambda_1 = _lagrange(frequencies, expected_score(elo1))
    s0, s1 = expected_score(elo0), expected_score(elo1)
    # p_h(a) = f(a) / (1 + lambda_h (a - s_h)), so log(p1 / p0) needs only the denominators.
    return sum(
        count * (math.log1p(lambda_0 * (a - s0)) - math.log1p(lambda_1 * (a - s1)))
        for a, count in zip(PAIR_SCORES, counts, strict=True)
        if count
    )


def _counts(pairs: Mapping[float, int] | Iterable[int]) -> list[int]:
    if isinstance(pairs, Mapping):
        return [int(pairs.get(score, 0)) for score in PAIR_SCORES]
    counts = [int(count) for count in pairs]
    if len(counts) != len(PAIR_SCORES):
        raise ValueError("a pentanomial needs five counts")
    return counts


def _lagrange(frequencies: list[float], mean: float) -> float:
    """The multiplier that turns ``frequencies`` into the closest distribution with ``mean``.

    It solves ``g(l) = sum f(a) (a - mean) / (1 + l (a - mean)) = 0``; ``g`` decreases on the
    interval where every ``1 + l (a - mean)`` stays positive. Newton's steps, kept inside a
    shrinking bracket (a bisection step whenever Newton's would leave it): a duel calls this
    after every pair, so it must take a handful of steps, not fifty.
    """
    shifted = [a - mean for a in PAIR_SCORES]
    low = -1.0 / max(shifted) * (1 - 1e-12)
    high = -1.0 / min(shifted) * (1 - 1e-12)
    multiplier = 0.0
    for _ in range(100):
        value = slope = 0.0
        for f, x in zip(frequencies, shifted, strict=True):
            term = x / (1 + multiplier * x)
            value += f * term
            slope -= f * term * term
        if value > 0:
            low = multiplier
        else:
            high = multiplier
        step = multiplier - value / slope if slope < 0 else (low + high) / 2
        if not low < step < high:
            step = (low + high) / 2
        if abs(step - multiplier) < 1e-13 or high - low < 1e-13:
            return step
        multiplier = step
    return multiplier


class Stopper:
    """Follows one duel match by match and says when it may stop, and why.

    ``add(result)`` after each match, then ``reason(tally)``: ``None`` to play on, else
    ``"decided"`` or ``"sprt"``.
    """

    def __init__(self, stopping: Stopping | None, num_matches: int) -> None:
        self.stopping = stopping or Stopping()
        self.num_matches = num_matches
        self.played = 0
        self.pairs = [0] * len(PAIR_SCORES)
        self._first_of_pair: float | None = None

    @property
    def active(self) -> bool:
        return self.stopping.mode != OFF

    def add(self, result: str) -> None:
        self.played += 1
        if result == OTHER_ERROR:
            return  # the duel stops anyway, as ERROR
        score = MATCH_SCORE[result]
        if self._first_of_pair is None:
            self._first_of_pair = score
        else:
            self.pairs[round((self._first_of_pair + score) * 2)] += 1
            self._first_of_pair = None

    def reason(self, tally: Mapping[str, Any]) -> str | None:
        mode = self.stopping.mode
        remaining = self.num_matches - self.played
        if mode == OFF or remaining <= 0 or tally.get("other_errors"):
            return None
        if decided(tally, remaining):
            return DECIDED
        if mode == SPRT and self._sprt_stops(tally):
            return SPRT
        return None

    def _sprt_stops(self, tally: Mapping[str, Any]) -> bool:
        stopping = self.stopping
        # Pairs only: a half-played pair would weigh one first mover's match alone.
        if self._first_of_pair is not None or self.played < stopping.min_matches:
            return False
        ratio = llr(self.pairs, stopping.elo0, stopping.elo1)
        lower, upper = stopping.bounds
        won_1, won_2 = matches_won(tally)
        if ratio >= upper:
            return won_1 > won_2
        if ratio <= lower:
            return won_2 > won_1
        return False


def replay(
    stopping: Stopping, results: Iterable[str], num_matches: int
) -> tuple[int, str | None, dict[str, int]]:
    """Where a duel with these match results, in order, would have stopped under ``stopping``:
    the matches played, why it stopped (``None``: it played them all) and the counters then
    (wins, draws and errors only; the scores are not needed to stop). For benchmarks and tests
    that compare early-stopped duels with full ones.
    """
    tally = dict.fromkeys(COUNTER.values(), 0)
    stopper = Stopper(stopping, num_matches)
    for result in results:
        tally[COUNTER[result]] += 1
        stopper.add(result)
        why = stopper.reason(tally)
        if why is not None:
            return stopper.played, why, tally
    return stopper.played, None, tally


def describe(matches_played: int, num_matches: int, stopped: str | None) -> str | None:
    """The sentence a duel's page and record show for an early stop, None for a full duel."""
    if stopped is None:
        return None
    why = {
        DECIDED: "decided (the trailing player could no longer catch up)",
        SPRT: "sprt (a sequential test decided which player is better)",
    }.get(stopped, stopped)
    return f"stopped after {matches_played} of {num_matches} matches: {why}"
