"""The arena's one vocabulary for results: each number's name, meaning, order and format.

The website (a template filter, ``web.templatetags.arena``), the JSON API's documentation,
the ``arena`` command and the demo's terminal all name and format results from here, so a
number reads the same wherever it is shown. The rules that compute them are elsewhere
(``run_duel.outcomes`` for a duel, ``tournament_manager.rules`` for an edition); the page
"How results are counted" (``/games/<game>/scoring/``) explains them, and docs/rules.md is
their specification.

The standard library only: ``arena submit`` runs on a participant's machine with nothing
else installed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

# Column names, in the order they are shown: what decides the rank first, then its tie-breaks,
# then the rating, which is shown beside the rank and never decides it.
POINTS = "Points"
WINS, DRAWS, LOSSES = "W", "D", "L"
SCORE = "Score"
RATING = "Rating"
# How sure the ranking is that a competitor belongs above the next one down.
SURE = "Sure"
# The mark of two neighbours the ranking cannot tell apart yet (shown as tied): the site's,
# and the terminal's, in ASCII so that any terminal prints it.
TIED_MARK = "\u2248"
TIED_MARK_TERMINAL = "~"
#: Duel results always read wins, draws, losses (W-D-L), on every page and in every terminal.
WDL = (WINS, DRAWS, LOSSES)

# One-line meanings, reused as column titles and as the API's field help.
MEANINGS = {
    "points": "2 per duel won, 1 per duel drawn: decides the rank",
    "wins": "duels won: the first tie-break",
    "draws": "duels drawn (a duel the arena failed counts as drawn)",
    "losses": "duels lost",
    "total_score": "the sum of the player's match scores over its duels: the second tie-break",
    "rating": "conservative OpenSkill rating, mu - 3 sigma: shown, never decides the rank",
    "rating_mu": "OpenSkill mean skill (mu)",
    "rating_sigma": "OpenSkill uncertainty (sigma)",
    "matches_won": "matches won in a duel, the opponent's errors included: decide the duel",
    "next_confidence": (
        "how sure the ranking is that this one belongs above the next one down: the "
        "likelihood of superiority from their head-to-head matches in the edition"
    ),
    "next_separated": "false when that is below the arena's threshold: the two are tied",
}

# The rating's spread factor: the conservative rating is mu minus three sigmas, so a newcomer
# with few duels is not shown above a proven player on luck (openskill's ordinal).
RATING_SIGMAS = 3


def conservative_rating(mu: float | None, sigma: float | None) -> float | None:
    """``mu - 3 sigma``: the one rating number the arena shows (None when unrated)."""
    if mu is None or sigma is None:
        return None
    return mu - RATING_SIGMAS * sigma


def format_rating(rating: float | None) -> str:
    """The rating as shown everywhere: one decimal, a dash when unrated."""
    if rating is None or (isinstance(rating, float) and math.isnan(rating)):
        return "-"
    value = round(float(rating), 1)
    return f"{value + 0.0:.1f}"  # + 0.0: never "-0.0"


def format_score(score: float | None) -> str:
    """A score (a sum of rewards): an integer without decimals, else up to two decimals."""
    if score is None:
        return "-"
    value = float(score)
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def format_wdl(wins: int, draws: int, losses: int) -> str:
    """Wins, draws and losses in the arena's one order: ``3-1-0``."""
    return f"{wins}-{draws}-{losses}"


def format_confidence(
    confidence: float | None, separated: bool | None, *, mark: str = TIED_MARK
) -> str:
    """How sure the ranking is of a pair of neighbours, in whole percents rounded down (so a
    pair shown at 95% did reach a 95% threshold), prefixed by ``mark`` when the two are tied."""
    if confidence is None:
        return "-"
    shown = format_sure(confidence)
    return shown if separated else f"{mark}{shown}"


def format_sure(confidence: float) -> str:
    """A confidence in whole percents rounded down, ">99%" above 99% (never a certain 100%)."""
    return ">99%" if confidence > 0.99 else f"{math.floor(confidence * 100)}%"


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A plain-text table for a terminal: the first two columns left-aligned, numbers right."""
    cells = [[str(cell) for cell in header], *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = [
            cell.ljust(width) if i in (1, 2) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
    return lines


#: What decides the rank, said above a leaderboard in a terminal (the site's caption says it).
RANKED_BY = (
    f"ranked by {POINTS}, then {WINS}, then {SCORE}; {RATING} = mu - 3 sigma; "
    f"{SURE} = how sure each is above the next, {TIED_MARK_TERMINAL} tied"
)

#: The leaderboard's columns in the terminal, as on the site.
LEADERBOARD_HEADER = (
    "Rank", "Competitor", "Owner", POINTS, WINS, DRAWS, LOSSES, SCORE, RATING, SURE,
)  # fmt: skip


def leaderboard_row(
    rank: int | None,
    competitor: str,
    owner: str,
    points_: int,
    wins: int,
    draws: int,
    losses: int,
    total_score: float | None,
    rating: float | None,
    confidence: float | None = None,
    separated: bool | None = None,
) -> tuple[str, ...]:
    """One leaderboard line for a terminal, in :data:`LEADERBOARD_HEADER`'s order."""
    return (
        str(rank) if rank else "-",
        competitor,
        owner,
        str(points_),
        str(wins),
        str(draws),
        str(losses),
        format_score(total_score),
        format_rating(rating),
        format_confidence(confidence, separated, mark=TIED_MARK_TERMINAL),
    )
