"""A competitor's record and a game's first-player statistics: the one module that counts them.

Everything a competitor page shows about results is computed here, from two sources:

- the duel rows' counters (``Duel.player_1_wins``...), for the list of duels and the
  head-to-head table: one query, no file read;
- the duel records in storage (``Duel.record_file``, one JSON per duel), for what only the
  matches tell: who moved first and how long each move took. Reading a 1000-match record
  takes tens of milliseconds, so each finished duel's record is summed up once into a small
  summary kept in the cache (a finished duel's record never changes), and a page reads at
  most :data:`RECENT_DUELS` of them.

Counting follows docs/rules.md ("One duel"): a player's error is a match won by its opponent,
a failure of the arena (``OTHER_ERROR``) counts for nobody, and a duel the arena failed to play
(``ERROR``) has no winner.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse

from core.models import Competitor, Duel, Environment, TournamentParticipant
from run_duel import outcomes
from web import services

# Duels whose records feed the first/second-player rates and the move-time profile.
RECENT_DUELS = 20
# Version of the cached per-duel summary: bump it when summarise_record changes.
SUMMARY_VERSION = 1
SUMMARY_SECONDS = 30 * 24 * 3600
# Records one view of a game page may read to fill a cold cache (~30 ms each for 1000 matches).
READS_PER_PAGE = 40
ONE_LINE_CHARS = 160

WON, LOST, DRAWN, ERROR = "won", "lost", "drawn", "error"
DUEL_RESULTS = (WON, LOST, DRAWN, ERROR)


# --- One line of a long error --------------------------------------------------------------


def one_line(text: str, limit: int = ONE_LINE_CHARS) -> str:
    """The line of an error message that says what went wrong, clipped to ``limit`` characters.

    The first line that says something, except for a Python traceback, whose meaningful line
    is its last: the exception. Separators ("--- last lines of...") are skipped.
    """
    lines = [line.rstrip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line.strip() and not line.lstrip().startswith("---")]
    if not lines:
        return ""
    chosen = lines[0]
    if chosen.startswith("Traceback (most recent call last)"):
        # The exception line is the first unindented one after the frames.
        exceptions = [line for line in lines[1:] if not line.startswith((" ", "\t"))]
        chosen = exceptions[0] if exceptions else chosen
    chosen = " ".join(chosen.split())
    return chosen if len(chosen) <= limit else chosen[: limit - 1].rstrip() + "…"


# --- Its duels -----------------------------------------------------------------------------


def _mine(competitor: Competitor) -> Q:
    """Its tournament duels: challenges are unranked and listed apart
    (web.services.challenges_of), so no record counts them."""
    sides = Q(revision_1__competitor=competitor) | Q(revision_2__competitor=competitor)
    return sides & Q(kind=Duel.TOURNAMENT)


def side_of(duel: Duel, competitor: Competitor) -> int:
    """1 or 2: the side the competitor played in the duel."""
    return 1 if duel.revision_1.competitor_id == competitor.pk else 2


def duel_outcome(duel: Duel, side: int) -> str:
    """``won``, ``lost``, ``drawn``, ``error`` (the arena failed it) or the duel's state."""
    if duel.state == Duel.FAILED or duel.result == outcomes.ERROR:
        return ERROR
    if duel.state != Duel.COMPLETED:
        return duel.state.lower()
    if duel.result == outcomes.DRAW:
        return DRAWN
    mine = outcomes.PLAYER_1_WIN if side == 1 else outcomes.PLAYER_2_WIN
    return WON if duel.result == mine else LOST


def match_counts(duel: Duel | Mapping[str, Any], side: int) -> tuple[int, int, int]:
    """Matches (won, lost, drawn) of one side: an opponent's error is a match won."""

    def get(name: str) -> int:
        return int(duel[name] if isinstance(duel, Mapping) else getattr(duel, name))

    me, other = ("player_1", "player_2") if side == 1 else ("player_2", "player_1")
    return (
        get(f"{me}_wins") + get(f"{other}_errors"),
        get(f"{other}_wins") + get(f"{me}_errors"),
        get("draws"),
    )


@dataclass(frozen=True)
class DuelFilter:
    """What the competitor page's duel list is narrowed to; empty strings mean everything."""

    opponent: str = ""
    edition: int | None = None
    result: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> DuelFilter:
        edition = query.get("edition", "")
        result = query.get("result", "")
        return cls(
            opponent=query.get("opponent", "").strip(),
            edition=int(edition) if edition.isdigit() else None,
            result=result if result in DUEL_RESULTS else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.opponent or self.edition is not None or self.result)


def duels_of(competitor: Competitor, wanted: DuelFilter = DuelFilter()) -> QuerySet[Duel]:
    """The competitor's duels, newest first, narrowed by ``wanted`` in the database."""
    duels = Duel.objects.filter(_mine(competitor))
    if wanted.opponent:
        duels = duels.filter(
            Q(revision_1__competitor=competitor, revision_2__competitor__name=wanted.opponent)
            | Q(revision_2__competitor=competitor, revision_1__competitor__name=wanted.opponent)
        )
    if wanted.edition is not None:
        duels = duels.filter(tournaments__edition=wanted.edition)
    as_1, as_2 = Q(revision_1__competitor=competitor), Q(revision_2__competitor=competitor)
    completed = Q(state=Duel.COMPLETED)
    if wanted.result == WON:
        duels = duels.filter(
            completed
            & ((as_1 & Q(result=outcomes.PLAYER_1_WIN)) | (as_2 & Q(result=outcomes.PLAYER_2_WIN)))
        )
    elif wanted.result == LOST:
        duels = duels.filter(
            completed
            & ((as_1 & Q(result=outcomes.PLAYER_2_WIN)) | (as_2 & Q(result=outcomes.PLAYER_1_WIN)))
        )
    elif wanted.result == DRAWN:
        duels = duels.filter(completed & Q(result=outcomes.DRAW))
    elif wanted.result == ERROR:
        duels = duels.filter(Q(state=Duel.FAILED) | Q(result=outcomes.ERROR))
    return (
        duels.distinct()
        .select_related("revision_1__competitor", "revision_2__competitor")
        .prefetch_related("tournaments")
        .order_by("-created", "-pk")
    )


def duel_row(duel: Duel, competitor: Competitor) -> dict[str, Any]:
    """One line of the competitor's duel list, from its side."""
    side = side_of(duel, competitor)
    mine, theirs = (
        (duel.revision_1, duel.revision_2) if side == 1 else (duel.revision_2, duel.revision_1)
    )
    finished = duel.state == Duel.COMPLETED and duel.result != outcomes.ERROR
    return {
        "duel": duel,
        "side": side,
        "mine": mine,
        "opponent": theirs,
        "outcome": duel_outcome(duel, side),
        "matches": match_counts(duel, side) if finished else None,
        "editions": sorted(t.edition for t in duel.tournaments.all()),
        "when": duel.finished or duel.created,
    }


def opponents_of(competitor: Competitor) -> list[str]:
    """The names of every competitor it has a duel with, for the filter's choices."""
    duels = Duel.objects.filter(kind=Duel.TOURNAMENT)
    names = set(
        duels.filter(revision_1__competitor=competitor).values_list(
            "revision_2__competitor__name", flat=True
        )
    ) | set(
        duels.filter(revision_2__competitor=competitor).values_list(
            "revision_1__competitor__name", flat=True
        )
    )
    return sorted(names)


# --- Head to head --------------------------------------------------------------------------


@dataclass
class HeadToHead:
    """Its record against one opponent, across every edition."""

    opponent: str
    duels: int = 0
    duels_won: int = 0
    duels_lost: int = 0
    duels_drawn: int = 0
    matches_won: int = 0
    matches_lost: int = 0
    matches_drawn: int = 0
    latest_duel: int = 0
    latest_outcome: str = ""

    @property
    def matches(self) -> int:
        return self.matches_won + self.matches_lost + self.matches_drawn

    @property
    def match_win_percent(self) -> int:
        return round(100 * self.matches_won / self.matches) if self.matches else 0


_H2H_FIELDS = (
    "pk",
    "created",
    "result",
    "revision_1__competitor_id",
    "revision_1__competitor__name",
    "revision_2__competitor__name",
    *Duel.COUNTERS,
)


def head_to_head(competitor: Competitor) -> list[HeadToHead]:
    """Its duels played to the end, by opponent; most played first. One query, no file read."""
    rows = (
        Duel.objects.filter(_mine(competitor), state=Duel.COMPLETED)
        .exclude(result=outcomes.ERROR)
        .order_by("created", "pk")
        .values(*_H2H_FIELDS)
    )
    table: dict[str, HeadToHead] = {}
    for row in rows:
        side = 1 if row["revision_1__competitor_id"] == competitor.pk else 2
        name = row["revision_2__competitor__name" if side == 1 else "revision_1__competitor__name"]
        entry = table.setdefault(name, HeadToHead(opponent=name))
        entry.duels += 1
        if row["result"] == outcomes.DRAW:
            entry.duels_drawn += 1
            outcome = DRAWN
        elif row["result"] == (outcomes.PLAYER_1_WIN if side == 1 else outcomes.PLAYER_2_WIN):
            entry.duels_won += 1
            outcome = WON
        else:
            entry.duels_lost += 1
            outcome = LOST
        won, lost, drawn = match_counts(row, side)
        entry.matches_won += won
        entry.matches_lost += lost
        entry.matches_drawn += drawn
        entry.latest_duel, entry.latest_outcome = row["pk"], outcome  # rows come oldest first
    return sorted(table.values(), key=lambda entry: (-entry.duels, entry.opponent))


# --- Rank and rating history, as an SVG chart with real axes ------------------------------

CHART_WIDTH = 340
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 44, 12, 12, 34
RANK_HEIGHT, RATING_HEIGHT = 190, 150
MAX_X_LABELS = 7
MAX_RANK_TICKS = 7
ALL_RANKS_UP_TO = 10  # a label every rank: 15 px apart at most, readable on a phone


def participations(competitor: Competitor) -> list[TournamentParticipant]:
    """Its row in each edition, oldest first, each with ``field_size`` (how many took part)."""
    return list(
        TournamentParticipant.objects.filter(revision__competitor=competitor)
        .select_related("tournament", "revision")
        .annotate(field_size=Count("tournament__participants"))
        .order_by("tournament__edition")
    )


def nice_step(span: float, most: int) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving at most ``most`` ticks on ``span``."""
    if span <= 0:
        return 1.0
    raw = span / max(1, most - 1)
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= raw:
            return float(multiple * power)
    return float(10 * power)


def rank_ticks(field_size: int) -> list[int]:
    """Whole ranks to label, from 1 to the field size: every one in a small field, else 1, the
    multiples of a round step and the field size (a multiple too close to either end gives
    way to it, so two labels never touch)."""
    if field_size <= ALL_RANKS_UP_TO:
        return list(range(1, field_size + 1))
    step = max(2, int(nice_step(field_size - 1, MAX_RANK_TICKS)))
    ticks = [1, *(m for m in range(step, field_size + 1, step) if m - 1 > step / 2)]
    if field_size - ticks[-1] > step / 2:
        ticks.append(field_size)
    else:
        ticks[-1] = field_size
    return ticks


def _x_positions(editions: list[int]) -> tuple[dict[int, float], list[int]]:
    """x of each edition (evenly spaced, in order) and the editions that get a label."""
    inner = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    if len(editions) == 1:
        return {editions[0]: CHART_LEFT + inner / 2}, editions
    xs = {e: CHART_LEFT + i / (len(editions) - 1) * inner for i, e in enumerate(editions)}
    step = math.ceil(len(editions) / MAX_X_LABELS)
    labelled = editions[::step]
    if labelled[-1] != editions[-1]:
        labelled = (
            [*labelled[:-1], editions[-1]] if len(labelled) > 1 else [*labelled, editions[-1]]
        )
    return xs, labelled


def history_chart(rows: list[TournamentParticipant], slug: str) -> dict[str, Any] | None:
    """The rank chart (1 on top, integer ticks up to the largest field) and, when rated, the
    rating chart (mu with its ± sigma band on a labelled scale), editions along the bottom."""
    ranked = [row for row in rows if row.rank is not None]
    if not ranked:
        return None
    editions = [row.tournament.edition for row in ranked]
    xs, labelled = _x_positions(editions)
    worst = max(2, *(max(row.field_size, row.rank) for row in ranked))

    def rank_y(rank: float) -> float:
        inner = RANK_HEIGHT - CHART_TOP - CHART_BOTTOM
        return round(CHART_TOP + (rank - 1) / (worst - 1) * inner, 1)

    def point(row: TournamentParticipant) -> dict[str, Any]:
        return {
            "x": round(xs[row.tournament.edition], 1),
            "edition": row.tournament.edition,
            "rank": row.rank,
            "field_size": row.field_size,
            "url": reverse("tournament", args=[slug, row.tournament.edition]),
        }

    rank_dots = [{**point(row), "y": rank_y(row.rank or 1)} for row in ranked]
    frame = {
        "width": CHART_WIDTH,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - CHART_RIGHT,
        "top": CHART_TOP,
        "x_ticks": [{"x": round(xs[e], 1), "edition": e} for e in labelled],
        "x_title_x": round((CHART_LEFT + CHART_WIDTH - CHART_RIGHT) / 2, 1),
    }

    def y_mid(height: int) -> float:
        return round((CHART_TOP + height - CHART_BOTTOM) / 2, 1)

    chart: dict[str, Any] = {
        "rank": {
            **frame,
            "height": RANK_HEIGHT,
            "y_mid": y_mid(RANK_HEIGHT),
            "bottom": RANK_HEIGHT - CHART_BOTTOM,
            "x_label_y": RANK_HEIGHT - CHART_BOTTOM + 15,
            "x_title_y": RANK_HEIGHT - 3,
            "y_ticks": [{"y": rank_y(r), "label": str(r)} for r in rank_ticks(worst)],
            "line": " ".join(f"{d['x']},{d['y']}" for d in rank_dots),
            "dots": rank_dots,
            "field_size": worst,
        },
        "rating": None,
    }
    rated = [row for row in ranked if row.rating_mu is not None]
    if rated:
        sigma = [row.rating_sigma or 0.0 for row in rated]
        low = min(row.rating_mu - s for row, s in zip(rated, sigma, strict=True))  # type: ignore[operator]
        high = max(row.rating_mu + s for row, s in zip(rated, sigma, strict=True))  # type: ignore[operator]
        step = nice_step(high - low or 1.0, 5)
        bottom_value = math.floor(low / step) * step
        top_value = math.ceil(high / step) * step
        if top_value == bottom_value:
            top_value += step

        def rating_y(value: float) -> float:
            inner = RATING_HEIGHT - CHART_TOP - CHART_BOTTOM
            return round(CHART_TOP + (top_value - value) / (top_value - bottom_value) * inner, 1)

        count = round((top_value - bottom_value) / step)
        ticks = [bottom_value + i * step for i in range(count + 1)]
        dots = [
            {**point(row), "y": rating_y(row.rating_mu or 0.0), "mu": row.rating_mu, "sigma": s}
            for row, s in zip(rated, sigma, strict=True)
        ]
        upper = [f"{d['x']},{rating_y(d['mu'] + d['sigma'])}" for d in dots]
        lower = [f"{d['x']},{rating_y(d['mu'] - d['sigma'])}" for d in dots[::-1]]
        chart["rating"] = {
            **frame,
            "height": RATING_HEIGHT,
            "y_mid": y_mid(RATING_HEIGHT),
            "bottom": RATING_HEIGHT - CHART_BOTTOM,
            "x_label_y": RATING_HEIGHT - CHART_BOTTOM + 15,
            "x_title_y": RATING_HEIGHT - 3,
            "y_ticks": [{"y": rating_y(t), "label": f"{t:g}"} for t in ticks],
            "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
            "band": " ".join(upper + lower),
            "dots": dots,
        }
    return chart


# --- What the records say: per-duel summaries, cached -------------------------------------


def _blank_side() -> dict[str, Any]:
    return {"first": [0, 0, 0], "second": [0, 0, 0], "ms": {}}


def summarise_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A duel record reduced to what the record pages need, small enough to cache.

    ``sides``: for each side ("1", "2"), matches (won, lost, drawn) when it moved ``first``
    and when ``second`` (errors as in docs/rules.md; arena errors left out), and ``ms``, how
    many of its moves took each whole number of milliseconds. ``movers``: matches played to
    the end won by the first mover, won by the second, drawn (errors left out).
    """
    sides = {"1": _blank_side(), "2": _blank_side()}
    movers = [0, 0, 0]
    ms: dict[str, Counter[int]] = {"1": Counter(), "2": Counter()}
    for match in record.get("matches") or []:
        result = match.get("result")
        first = "1" if match.get("first_player") == "PLAYER_1" else "2"
        for side in ("1", "2"):
            seconds = match.get("move_seconds") or []
            own = seconds[0::2] if side == first else seconds[1::2]
            ms[side].update(round(s * 1000) for s in own)
        if result == outcomes.OTHER_ERROR or result not in outcomes.FAULT:
            continue
        winner = _match_winner(result)
        for side in ("1", "2"):
            slot = sides[side]["first" if side == first else "second"]
            slot[0 if winner == side else 1 if winner else 2] += 1
        if result in (outcomes.PLAYER_1_WIN, outcomes.PLAYER_2_WIN):
            movers[0 if winner == first else 1] += 1
        elif result == outcomes.DRAW:
            movers[2] += 1
    for side in ("1", "2"):
        sides[side]["ms"] = {str(k): v for k, v in sorted(ms[side].items())}
    return {"sides": sides, "movers": movers}


def _match_winner(result: str) -> str | None:
    """The side awarded a match ("1" or "2"), None for a draw: an error loses the match."""
    if result in (outcomes.PLAYER_1_WIN, outcomes.PLAYER_2_ERROR):
        return "1"
    if result in (outcomes.PLAYER_2_WIN, outcomes.PLAYER_1_ERROR):
        return "2"
    return None


def _summary_key(duel: Duel) -> str:
    # The finish time too: a database rebuilt on the same cache reuses primary keys.
    finished = duel.finished.isoformat() if duel.finished else ""
    return f"arena:record-summary:{SUMMARY_VERSION}:{duel.pk}:{finished}:{duel.record_file.name}"


@dataclass
class ReadBudget:
    """How many records a page may still read from storage; what it had to leave for later."""

    reads: int
    deferred: int = 0


def duel_summaries(
    duels: Iterable[Duel], budget: ReadBudget | None = None
) -> dict[int, dict[str, Any]]:
    """Each finished duel's summary, from the cache or read from its record (then cached).

    With a ``budget``, at most ``budget.reads`` records are read; the duels left unread are
    counted in ``budget.deferred`` (a cold cache never makes one page read thousands of files).
    """
    duels = [duel for duel in duels if duel.record_file]
    keys = {_summary_key(duel): duel for duel in duels}
    found = cache.get_many(list(keys))
    summaries = {keys[key].pk: summary for key, summary in found.items()}
    fresh = {}
    for key, duel in keys.items():
        if duel.pk in summaries:
            continue
        if budget is not None:
            if budget.reads <= 0:
                budget.deferred += 1
                continue
            budget.reads -= 1
        record = services.read_record(duel)
        if record is None:
            continue
        summaries[duel.pk] = fresh[key] = summarise_record(record)
    if fresh:
        cache.set_many(fresh, SUMMARY_SECONDS)
    return summaries


def _finished(duels: QuerySet[Duel]) -> QuerySet[Duel]:
    return duels.filter(state=Duel.COMPLETED).exclude(result=outcomes.ERROR).exclude(record_file="")


# --- First and second player, move times --------------------------------------------------


@dataclass
class Rate:
    """Matches won, lost and drawn in one seat."""

    won: int = 0
    lost: int = 0
    drawn: int = 0

    @property
    def matches(self) -> int:
        return self.won + self.lost + self.drawn

    def percent(self, count: int) -> int:
        return round(100 * count / self.matches) if self.matches else 0

    @property
    def won_percent(self) -> int:
        return self.percent(self.won)

    @property
    def lost_percent(self) -> int:
        return self.percent(self.lost)

    @property
    def drawn_percent(self) -> int:
        return self.percent(self.drawn)

    @property
    def bars(self) -> list[dict[str, Any]]:
        """Won, drawn, lost as segments of a 0-100 bar (SVG x and width: no inline style)."""
        return _segments(
            [("win", self.won), ("draw", self.drawn), ("loss", self.lost)], self.matches
        )


def _segments(parts: list[tuple[str, int]], total: int) -> list[dict[str, Any]]:
    segments, x = [], 0.0
    for key, count in parts:
        width = 100 * count / total if total else 0.0
        segments.append({"key": key, "x": round(x, 2), "width": round(width, 2)})
        x += width
    return segments


@dataclass
class MoveProfile:
    """Its move times in recent duels, against the game's deadline."""

    moves: int
    median: float
    p95: float
    slowest: float
    deadline: float
    # The 0-to-deadline bar: its ticks and the x of each marker, in SVG units.
    scale: list[dict[str, Any]] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)

    @property
    def median_text(self) -> str:
        return duration(self.median)

    @property
    def p95_text(self) -> str:
        return duration(self.p95)

    @property
    def slowest_text(self) -> str:
        return duration(self.slowest)

    @property
    def p95_share(self) -> int:
        return round(100 * self.p95 / self.deadline) if self.deadline else 0

    @property
    def warning(self) -> bool:
        """Its slow moves are at half the deadline or more: a heavier position may time out."""
        return self.p95 >= self.deadline / 2 or self.slowest >= 0.8 * self.deadline


def duration(seconds: float) -> str:
    """ "4 ms" under a second (the times are whole milliseconds), "1.25 s" from there."""
    return f"{round(seconds * 1000)} ms" if seconds < 1 else f"{seconds:.2f} s"


def percentile(histogram: Mapping[int, int], share: float) -> int:
    """The nearest-rank percentile of a {value: count} histogram (``share`` in 0..1)."""
    total = sum(histogram.values())
    if not total:
        return 0
    rank = max(1, math.ceil(share * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


@dataclass
class SeatRecord:
    """What the recent duels' records say about the competitor."""

    duels: int
    first: Rate
    second: Rate
    profile: MoveProfile | None


BAR_WIDTH, BAR_LEFT, BAR_RIGHT = 320, 8, 8


def seat_record(competitor: Competitor, limit: int = RECENT_DUELS) -> SeatRecord:
    """First/second-player rates and the move-time profile over its latest ``limit`` duels."""
    duels = list(_finished(duels_of(competitor))[:limit])
    summaries = duel_summaries(duels)
    first, second = Rate(), Rate()
    histogram: Counter[int] = Counter()
    for duel in duels:
        summary = summaries.get(duel.pk)
        if summary is None:
            continue
        side = summary["sides"][str(side_of(duel, competitor))]
        for rate, counts in ((first, side["first"]), (second, side["second"])):
            rate.won += counts[0]
            rate.lost += counts[1]
            rate.drawn += counts[2]
        histogram.update({int(ms): count for ms, count in side["ms"].items()})
    return SeatRecord(
        duels=len(summaries),
        first=first,
        second=second,
        profile=move_profile(histogram, competitor.environment.move_timeout),
    )


def move_profile(histogram: Mapping[int, int], deadline: float) -> MoveProfile | None:
    """Median, 95th percentile and slowest move (seconds), placed on a 0-to-deadline bar."""
    moves = sum(histogram.values())
    if not moves:
        return None
    median, p95 = percentile(histogram, 0.5) / 1000, percentile(histogram, 0.95) / 1000
    slowest = max(histogram) / 1000
    inner = BAR_WIDTH - BAR_LEFT - BAR_RIGHT

    def x(seconds: float) -> float:
        return round(BAR_LEFT + min(seconds, deadline) / deadline * inner, 1) if deadline else 0

    step = nice_step(deadline, 6)
    scale = [
        {"x": x(i * step), "label": f"{i * step:g} s"}
        for i in range(int(deadline / step + 1e-9) + 1)
    ]
    marks = {
        "width": BAR_WIDTH,
        "left": BAR_LEFT,
        "right": BAR_WIDTH - BAR_RIGHT,
        "track": BAR_WIDTH - BAR_LEFT - BAR_RIGHT,
        "median": x(median),
        "p95_width": round(x(p95) - BAR_LEFT, 1),
        "slowest": x(slowest),
    }
    return MoveProfile(moves, median, p95, slowest, deadline, scale, marks)


# --- A game's first-player advantage -------------------------------------------------------


@dataclass
class FirstPlayerAdvantage:
    """Matches played to the end in a game's finished duels, by who won them."""

    duels: int
    first_won: int
    second_won: int
    drawn: int
    pending: int = 0  # finished duels not counted yet (a cold cache, read over several views)

    @property
    def matches(self) -> int:
        return self.first_won + self.second_won + self.drawn

    def _percent(self, count: int) -> float:
        return round(100 * count / self.matches, 1) if self.matches else 0.0

    @property
    def first_percent(self) -> float:
        return self._percent(self.first_won)

    @property
    def second_percent(self) -> float:
        return self._percent(self.second_won)

    @property
    def drawn_percent(self) -> float:
        return self._percent(self.drawn)

    @property
    def bars(self) -> list[dict[str, Any]]:
        """The three shares as segments of a 0-100 bar (SVG x and width: no inline style)."""
        parts = [("first", self.first_won), ("draw", self.drawn), ("second", self.second_won)]
        return _segments(parts, self.matches)


def first_player_advantage(
    game: Environment, reads: int = READS_PER_PAGE
) -> FirstPlayerAdvantage | None:
    """Across every finished duel of the game; recomputed only when a duel has finished since.

    The aggregate is cached under the set of finished duels (their number, the latest one and
    the latest finish), and each duel's summary is cached on its own, so a new duel costs one
    file read. On a cold cache one call reads at most ``reads`` records: the panel then says
    how many duels it counts so far, and the next views complete it.
    """
    duels = _finished(game.duels.filter(kind=Duel.TOURNAMENT))
    stamp = duels.aggregate(latest=Max("finished"), top=Max("pk"), count=Count("pk"))
    if not stamp["count"]:
        return None
    # The latest finish as a timestamp: a cache key holds no spaces (memcached refuses them).
    latest = stamp["latest"].timestamp() if stamp["latest"] else 0
    key = f"arena:first-player:{SUMMARY_VERSION}:{game.pk}:{stamp['count']}:{stamp['top']}:{latest}"
    cached = cache.get(key)
    if cached is not None:
        return FirstPlayerAdvantage(**cached)
    movers = [0, 0, 0]
    counted = 0
    budget = ReadBudget(reads)
    for chunk in _chunks(list(duels.only("pk", "finished", "record_file")), 500):
        for summary in duel_summaries(chunk, budget).values():
            counted += 1
            for i in range(3):
                movers[i] += summary["movers"][i]
    advantage = FirstPlayerAdvantage(counted, *movers, pending=budget.deferred)
    if not budget.deferred:
        cache.set(key, asdict(advantage), SUMMARY_SECONDS)
    return advantage


def _chunks(items: list[Duel], size: int) -> Iterable[list[Duel]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
