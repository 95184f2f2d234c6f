"""How sure an edition's ranking is of each neighbour's place, and where extra duels go.

Free of Django, like :mod:`.rules`; the specification is docs/rules.md, "How sure the ranking
is". The ranking orders an edition by points, over all of each participant's round-robin
duels; this module asks, for each two neighbours in that order, whether their own matches
against each other confirm it:

- their **head-to-head** is every match of every duel between the two in the edition (the
  round-robin duel and any extra duels), counted as the duel rules count them: a match won is
  an effective win (:func:`run_duel.outcomes.matches_won`, the opponent's errors included), a
  draw is a draw; a duel the arena failed counts for nobody, as it does in the duel rules;
- the **confidence** that the upper one is above the lower one is the likelihood of
  superiority chess-engine testers use, ``LOS = Phi((W - L) / sqrt(W + L))`` with ``W`` and
  ``L`` the upper one's matches won and lost against the lower one (draws carry no
  information on which is stronger); 0.5 when no match was decisive;
- a pair is **separated** when that confidence reaches the threshold; otherwise the two are
  shown as tied. A pair whose head-to-head says the opposite as surely (``LOS <= 1 -
  threshold``: the lower one beats the upper one, yet has fewer points from the others) is
  tied too, but *decided*: more matches between them would only say it again, so it gets no
  extra duel. So is a pair that drew every one of at least :data:`DRAWN_OUT` matches. The
  undecided ones get extra duels, one at a time per pair, until they are decided or the
  edition's budget is spent.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from run_duel.outcomes import ERROR, matches_won

# Matches, all drawn, after which a tied pair is left tied: no extra duel (see ``drawn_out``).
DRAWN_OUT = 50


@dataclass(frozen=True)
class HeadToHead:
    """Matches between two participants, from the first one's side."""

    wins: int = 0
    draws: int = 0
    losses: int = 0

    def __add__(self, other: HeadToHead) -> HeadToHead:
        return HeadToHead(
            self.wins + other.wins, self.draws + other.draws, self.losses + other.losses
        )

    def flipped(self) -> HeadToHead:
        """The same matches from the other side."""
        return HeadToHead(self.losses, self.draws, self.wins)


@dataclass(frozen=True)
class DuelMatches:
    """What confidence needs of one finished duel: who played and its match counters
    (``run_duel.outcomes`` names: ``player_1_wins``, ``player_2_errors``, ``draws``...)."""

    player_1: Hashable
    player_2: Hashable
    tally: Mapping[str, float]
    result: str = ""
    failed: bool = False


def likelihood_of_superiority(wins: int, losses: int) -> float:
    """``Phi((W - L) / sqrt(W + L))``: how likely the one with ``wins`` is the stronger.

    The normal approximation of the sign test over the decisive matches; 0.5 without any.
    """
    decisive = wins + losses
    if decisive == 0:
        return 0.5
    # Phi(x) = (1 + erf(x / sqrt 2)) / 2, and x / sqrt 2 = (W - L) / sqrt(2 (W + L)).
    return 0.5 * (1.0 + math.erf((wins - losses) / math.sqrt(2.0 * decisive)))


def head_to_head(duels: Iterable[DuelMatches]) -> dict[tuple[Hashable, Hashable], HeadToHead]:
    """Every pair's matches over ``duels``: ``table[a, b]`` is ``a``'s against ``b`` (both
    orders are keys)."""
    # Plain lists while counting: an edition re-ranks after each of its duels.
    counts: dict[tuple[Hashable, Hashable], list[int]] = {}
    for duel in duels:
        if duel.failed or duel.result == ERROR:
            continue  # the arena's failure counts for nobody (docs/rules.md, "One duel")
        won_1, won_2 = matches_won(duel.tally)
        draws = int(duel.tally["draws"])
        forward = counts.setdefault((duel.player_1, duel.player_2), [0, 0, 0])
        backward = counts.setdefault((duel.player_2, duel.player_1), [0, 0, 0])
        forward[0] += int(won_1)
        forward[1] += draws
        forward[2] += int(won_2)
        backward[0] += int(won_2)
        backward[1] += draws
        backward[2] += int(won_1)
    return {pair: HeadToHead(*numbers) for pair, numbers in counts.items()}


@dataclass(frozen=True)
class NeighbourConfidence:
    """How sure the ranking is that ``upper`` belongs above ``lower``, its next one down."""

    upper: Hashable
    lower: Hashable
    matches: HeadToHead  # from ``upper``'s side
    confidence: float  # the likelihood of superiority of ``upper`` over ``lower``
    threshold: float

    @property
    def separated(self) -> bool:
        """The head-to-head confirms the order at the threshold: shown apart, not tied."""
        return self.confidence >= self.threshold

    @property
    def drawn_out(self) -> bool:
        """Every one of at least :data:`DRAWN_OUT` matches drawn: two players that always draw
        (perfect tic-tac-toe, say) are tied by their play, and more draws would not part them."""
        played = self.matches.wins + self.matches.draws + self.matches.losses
        return played >= DRAWN_OUT and self.matches.draws == played

    @property
    def decided(self) -> bool:
        """The head-to-head says which is stronger, either way, or that neither ever wins: no
        extra duel would help."""
        return self.separated or self.confidence <= 1.0 - self.threshold or self.drawn_out


def neighbours(
    order: Sequence[Hashable],
    table: Mapping[tuple[Hashable, Hashable], HeadToHead],
    threshold: float,
) -> list[NeighbourConfidence]:
    """Each pair of neighbours of the ranking ``order`` (best first), top to bottom."""
    if not 0.5 < threshold < 1.0:
        raise ValueError(f"a confidence threshold must be between 0.5 and 1, not {threshold}")
    pairs = []
    for upper, lower in pairwise(order):
        matches = table.get((upper, lower), HeadToHead())
        pairs.append(
            NeighbourConfidence(
                upper=upper,
                lower=lower,
                matches=matches,
                confidence=likelihood_of_superiority(matches.wins, matches.losses),
                threshold=threshold,
            )
        )
    return pairs


def extra_duels(
    pairs: Sequence[NeighbourConfidence],
    *,
    pending: Iterable[frozenset[Hashable]],
    played: Mapping[frozenset[Hashable], int],
    budget_left: int,
) -> list[tuple[Hashable, Hashable]]:
    """The extra duels to schedule now: ``(upper, lower)`` of undecided neighbour pairs.

    ``pending`` are the pairs with an extra duel still to finish (a pair waits for it, so each
    new duel is decided on all the matches before it), ``played`` counts each pair's extra
    duels so far (those with fewer go first, then the ranking's order), and no more than
    ``budget_left`` are given, so an edition's extra duels are bounded by its budget.
    """
    waiting = set(pending)
    candidates = [
        (played.get(frozenset((p.upper, p.lower)), 0), position, p)
        for position, p in enumerate(pairs)
        if not p.decided and frozenset((p.upper, p.lower)) not in waiting
    ]
    candidates.sort(key=lambda c: (c[0], c[1]))
    room = max(0, budget_left)
    return [(p.upper, p.lower) for _, _, p in candidates[:room]]
