"""How sure an edition's ranking is, and its extra duels between tied neighbours (database
only, no players run): docs/rules.md, "How sure the ranking is"."""

from __future__ import annotations

import pytest
from django.db import transaction

from core.models import Duel, Environment, Revision, Tournament, TournamentDuel
from tests.platform import factories
from tournament_manager.services import duel_finished, schedule_tournament

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def budget(settings):
    settings.ARENA_EXTRA_DUELS_PER_EDITION = 3
    settings.ARENA_CONFIDENCE_THRESHOLD = 0.95
    return settings


def _finish(duel: Duel, wins: Revision, wins_count: int, other_count: int) -> None:
    """End ``duel``: ``wins`` won ``wins_count`` matches, the other ``other_count``."""
    one_won = duel.revision_1_id == wins.pk
    duel.player_1_wins, duel.player_2_wins = (
        (wins_count, other_count) if one_won else (other_count, wins_count)
    )
    duel.draws = 0
    duel.state = Duel.COMPLETED
    duel.result = "PLAYER_1_WIN" if (wins_count > other_count) == one_won else "PLAYER_2_WIN"
    if wins_count == other_count:
        duel.result = "DRAW"
    duel.save()
    with transaction.atomic():
        duel_finished(duel)


def _edition(*revisions: Revision) -> tuple[Tournament, dict[frozenset[int], Duel]]:
    tournament = schedule_tournament(Environment.objects.get(slug="tic-tac-toe"), send=False)
    assert {p.revision_id for p in tournament.participants.all()} == {r.pk for r in revisions}
    duels = {frozenset((d.revision_1_id, d.revision_2_id)): d for d in tournament.duels.all()}
    return tournament, duels


def _extras(tournament: Tournament) -> list[Duel]:
    ids = TournamentDuel.objects.filter(tournament=tournament, extra=True).values("duel_id")
    return list(Duel.objects.filter(pk__in=ids).order_by("pk"))


def _rows(tournament: Tournament) -> dict[int, object]:
    return {p.revision_id: p for p in tournament.participants.all()}


def test_close_neighbours_get_extra_duels_up_to_the_budget_then_the_edition_ends():
    a, b, c = (factories.valid_revision() for _ in range(3))
    tournament, duels = _edition(a, b, c)
    _finish(duels[frozenset((a.pk, c.pk))], a, 6, 0)
    _finish(duels[frozenset((b.pk, c.pk))], b, 6, 0)
    assert _extras(tournament) == []  # the round robin is not over: no extra yet
    _finish(duels[frozenset((a.pk, b.pk))], a, 4, 2)  # A above B, but only 4-2: 79%

    tournament.refresh_from_db()
    [extra] = _extras(tournament)
    assert {extra.revision_1_id, extra.revision_2_id} == {a.pk, b.pk}
    assert extra.state == Duel.SCHEDULED and extra.num_matches == 6
    assert tournament.state == Tournament.RUNNING
    assert (tournament.duels_total, tournament.duels_done) == (4, 3)
    rows = _rows(tournament)
    assert rows[a.pk].next_separated is False
    assert rows[a.pk].next_confidence == pytest.approx(0.7929, abs=1e-4)
    assert (rows[a.pk].next_wins, rows[a.pk].next_draws, rows[a.pk].next_losses) == (4, 0, 2)
    assert rows[b.pk].next_separated is True  # B above C at 6-0: 99.3%
    assert rows[c.pk].next_separated is None and rows[c.pk].next_confidence is None

    # Each extra duel is decided on all the matches before it; the pair stays close...
    players = [(extra.revision_1_id, extra.revision_2_id)]
    for _ in range(2):
        _finish(extra, a, 3, 3)
        tournament.refresh_from_db()
        assert tournament.state == Tournament.RUNNING
        extra = _extras(tournament)[-1]
        players.append((extra.revision_1_id, extra.revision_2_id))
    # ...and the sides alternate from one extra duel to the next.
    assert players == [(a.pk, b.pk), (b.pk, a.pk), (a.pk, b.pk)]
    _finish(extra, a, 3, 3)

    # The budget (3) is spent: the edition ends, A and B shown tied.
    tournament.refresh_from_db()
    assert tournament.state == Tournament.COMPLETED and tournament.finished is not None
    assert len(_extras(tournament)) == 3
    assert (tournament.duels_total, tournament.duels_done) == (6, 6)
    rows = _rows(tournament)
    assert (rows[a.pk].next_wins, rows[a.pk].next_losses) == (13, 11)
    assert rows[a.pk].next_separated is False
    # The standings count the round robin only: A's extra "wins" and draws are not points.
    assert (rows[a.pk].wins, rows[a.pk].draws, rows[a.pk].points, rows[a.pk].rank) == (2, 0, 4, 1)
    assert (rows[b.pk].wins, rows[b.pk].losses, rows[b.pk].rank) == (1, 1, 2)


def test_a_clear_edition_gets_no_extra_duel():
    a, b, c = (factories.valid_revision() for _ in range(3))
    tournament, duels = _edition(a, b, c)
    _finish(duels[frozenset((a.pk, b.pk))], a, 6, 0)
    _finish(duels[frozenset((a.pk, c.pk))], a, 6, 0)
    _finish(duels[frozenset((b.pk, c.pk))], b, 6, 0)
    tournament.refresh_from_db()
    assert tournament.state == Tournament.COMPLETED
    assert _extras(tournament) == [] and tournament.duels_total == 3
    assert all(p.next_separated for p in tournament.participants.exclude(revision=c))


def test_an_extra_duel_that_separates_the_pair_ends_the_edition():
    a, b = factories.valid_revision(), factories.valid_revision()
    tournament, duels = _edition(a, b)
    _finish(duels[frozenset((a.pk, b.pk))], a, 4, 2)
    [extra] = _extras(tournament)
    _finish(extra, a, 6, 0)  # 10-2 in all: 99.0%
    tournament.refresh_from_db()
    assert tournament.state == Tournament.COMPLETED
    assert len(_extras(tournament)) == 1
    row = tournament.participants.get(revision=a)
    assert row.next_separated is True and row.next_confidence > 0.95


def test_a_failed_extra_duel_spends_the_budget_without_failing_the_edition(settings):
    settings.ARENA_EXTRA_DUELS_PER_EDITION = 1
    a, b = factories.valid_revision(), factories.valid_revision()
    tournament, duels = _edition(a, b)
    _finish(duels[frozenset((a.pk, b.pk))], a, 3, 3)
    [extra] = _extras(tournament)
    extra.state, extra.result, extra.other_errors = Duel.FAILED, "ERROR", 1
    extra.player_1_wins = 5  # reached before the arena failed: counts for nobody
    extra.save()
    with transaction.atomic():
        duel_finished(extra)
    tournament.refresh_from_db()
    assert tournament.state == Tournament.COMPLETED
    assert len(_extras(tournament)) == 1
    row = tournament.participants.get(next_confidence__isnull=False)
    assert (row.next_wins, row.next_losses) == (3, 3)


def test_a_reversed_pair_is_tied_but_gets_no_extra_duel():
    # A and C have 4 points, B and D 2; D beat B 6-0, yet B is listed first (the same rank,
    # the older entry): their head-to-head says the opposite, surely, and more duels would
    # only say it again.
    a, b, c, d = (factories.valid_revision() for _ in range(4))
    tournament, duels = _edition(a, b, c, d)
    for winner, loser in ((a, c), (a, d), (b, a), (c, b), (d, b), (c, d)):
        _finish(duels[frozenset((winner.pk, loser.pk))], winner, 6, 0)
    tournament.refresh_from_db()
    order = list(tournament.participants.order_by("rank", "pk").values_list("revision", flat=True))
    assert order == [a.pk, c.pk, b.pk, d.pk]
    rows = _rows(tournament)
    assert rows[a.pk].next_separated is True and rows[c.pk].next_separated is True
    assert rows[b.pk].next_separated is False and rows[b.pk].next_confidence < 0.05
    assert tournament.state == Tournament.COMPLETED
    assert _extras(tournament) == []


def test_extra_duels_are_sent_to_be_played_on_commit(django_capture_on_commit_callbacks):
    a, b = factories.valid_revision(), factories.valid_revision()
    tournament, duels = _edition(a, b)
    duel = duels[frozenset((a.pk, b.pk))]
    duel.state, duel.result, duel.player_1_wins, duel.player_2_wins = (
        Duel.COMPLETED, "DRAW", 3, 3
    )  # fmt: skip
    duel.save()
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        duel_finished(duel)
    # One task sent, the extra duel's run (the edition goes on: no notification yet).
    assert len(callbacks) == 1
    assert _extras(tournament)[0].state == Duel.SCHEDULED


def test_a_later_edition_reuses_the_round_robin_duel_not_the_extras():
    a, b = factories.valid_revision(), factories.valid_revision()
    first, duels = _edition(a, b)
    round_robin = duels[frozenset((a.pk, b.pk))]
    _finish(round_robin, a, 4, 2)
    [extra] = _extras(first)
    _finish(extra, a, 6, 0)  # newer, finished, between the same two: still not reused
    factories.valid_revision()
    second = schedule_tournament(Environment.objects.get(slug="tic-tac-toe"), send=False)
    reused = second.tournamentduel_set.get(reused=True)
    assert reused.duel_id == round_robin.pk and not reused.extra
    # The new edition's own confidence counts its own duels: the old extra is not among them.
    row = second.participants.get(revision=a)
    assert (row.next_wins, row.next_draws, row.next_losses) == (4, 0, 2)
