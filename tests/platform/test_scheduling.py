"""New editions, reused duels, rankings as duels finish (database only, no players run)."""

from __future__ import annotations

import pytest

from core.models import Duel, Environment, Revision, Tournament
from tests.platform import factories
from tournament_manager.services import duel_finished, schedule_tournament

pytestmark = pytest.mark.django_db


def _finish(duel: Duel, result: str, score_1: float = 0.0) -> None:
    duel.state = Duel.COMPLETED
    duel.result = result
    duel.player_1_score, duel.player_2_score = score_1, -score_1
    duel.save()
    duel_finished(duel)


def _game() -> Environment:
    return Environment.objects.get(slug="tic-tac-toe")


def test_it_needs_two_valid_revisions():
    factories.valid_revision()
    invalid = factories.valid_revision()
    invalid.test_state = Revision.TEST_FAILED
    invalid.save()
    assert schedule_tournament(_game(), send=False) is None


def test_it_schedules_a_round_robin_of_the_latest_valid_revisions():
    comps = [factories.competitor() for _ in range(4)]
    old = factories.valid_revision(comps[0])
    revisions = [factories.valid_revision(c) for c in comps]
    failed = factories.valid_revision(comps[1], test_state=Revision.TEST_FAILED)
    tournament = schedule_tournament(_game(), send=False)
    assert tournament.edition == 1
    assert tournament.duels_total == 6 and tournament.duels_reused == 0
    in_play = set(tournament.participants.values_list("revision_id", flat=True))
    assert in_play == {r.pk for r in revisions}
    assert old.pk not in in_play and failed.pk not in in_play
    pairs = {frozenset((d.revision_1_id, d.revision_2_id)) for d in tournament.duels.all()}
    assert len(pairs) == 6
    # Nothing changed: no new edition.
    assert schedule_tournament(_game(), send=False) is None


def test_a_new_entrant_costs_only_its_own_duels():
    revisions = [factories.valid_revision() for _ in range(3)]
    first = schedule_tournament(_game(), send=False)
    for duel in first.duels.all():
        _finish(duel, "PLAYER_1_WIN")
    first.refresh_from_db()
    assert first.state == Tournament.COMPLETED
    newcomer = factories.valid_revision()
    second = schedule_tournament(_game(), send=False)
    assert second.edition == 2
    assert second.duels_total == 6
    assert second.duels_reused == 3
    new = second.tournamentduel_set.filter(reused=False)
    assert new.count() == 3
    assert all(newcomer.pk in (link.duel.revision_1_id, link.duel.revision_2_id) for link in new)
    assert second.duels_done == 3  # the reused ones are already finished
    assert {r.pk for r in revisions} <= set(
        second.participants.values_list("revision_id", flat=True)
    )


def test_the_ranking_is_live_and_follows_the_rules():
    a, b, c = (factories.valid_revision() for _ in range(3))
    tournament = schedule_tournament(_game(), send=False)
    duels = {frozenset((d.revision_1_id, d.revision_2_id)): d for d in tournament.duels.all()}

    def play(winner, loser, score):
        duel = duels[frozenset((winner.pk, loser.pk))]
        won_as_1 = duel.revision_1_id == winner.pk
        _finish(duel, "PLAYER_1_WIN" if won_as_1 else "PLAYER_2_WIN", score if won_as_1 else -score)

    play(a, b, 10)
    tournament.refresh_from_db()
    assert tournament.state == Tournament.RUNNING and tournament.duels_done == 1
    ranks = {p.revision_id: p.rank for p in tournament.participants.all()}
    # Provisional: c has not played yet, b lost by 10, so c is ahead on total score.
    assert (ranks[a.pk], ranks[c.pk], ranks[b.pk]) == (1, 2, 3)
    play(b, c, 5)
    play(a, c, 1)
    tournament.refresh_from_db()
    assert tournament.state == Tournament.COMPLETED
    standing = {p.revision_id: p for p in tournament.participants.all()}
    assert [standing[r.pk].rank for r in (a, b, c)] == [1, 2, 3]
    assert (standing[a.pk].wins, standing[a.pk].points, standing[a.pk].total_score) == (2, 4, 11)
    assert standing[c.pk].losses == 2 and standing[c.pk].total_score == -6
    assert standing[a.pk].rating_mu > standing[b.pk].rating_mu > standing[c.pk].rating_mu


def test_a_failed_duel_fails_the_tournament_and_counts_as_a_draw():
    factories.valid_revision(), factories.valid_revision()
    tournament = schedule_tournament(_game(), send=False)
    duel = tournament.duels.get()
    duel.state, duel.result = Duel.FAILED, "ERROR"
    duel.player_1_score = 3
    duel.save()
    duel_finished(duel)
    tournament.refresh_from_db()
    assert tournament.state == Tournament.FAILED
    first = tournament.participants.get(revision_id=duel.revision_1_id)
    assert (first.draws, first.points, first.total_score) == (1, 1, 3)


def test_a_replay_plays_every_duel_again():
    for _ in range(3):
        factories.valid_revision()
    first = schedule_tournament(_game(), send=False)
    for duel in first.duels.all():
        _finish(duel, "DRAW")
    again = schedule_tournament(_game(), replay=True, send=False)
    assert again.edition == 2 and again.duels_reused == 0
    assert not set(again.duels.values_list("pk", flat=True)) & set(
        first.duels.values_list("pk", flat=True)
    )


def test_an_edition_never_reuses_a_challenge_and_a_challenge_ranks_nothing():
    one, two = factories.valid_revision(), factories.valid_revision()
    game = _game()
    # A challenge of the very pair, rules and length an edition would play, already won.
    challenge = Duel.objects.create(
        environment=game,
        kind=Duel.CHALLENGE,
        challenger=one.competitor.owner,
        revision_1=one,
        revision_2=two,
        rules_version=game.rules_version,
        num_matches=6,
        early_stop=game.early_stop,
    )
    _finish(challenge, "PLAYER_1_WIN", 1.0)
    tournament = schedule_tournament(game, send=False)
    assert tournament.duels_reused == 0
    duel = tournament.duels.get()
    assert duel.pk != challenge.pk and duel.kind == Duel.TOURNAMENT
    # The edition's own duel decides; the challenge's end changes nothing of it.
    _finish(duel, "PLAYER_2_WIN", -1.0)
    standings = list(tournament.participants.values_list("revision_id", "rank", "points"))
    _finish(challenge, "PLAYER_1_WIN", 1.0)
    assert list(tournament.participants.values_list("revision_id", "rank", "points")) == standings
    assert tournament.participants.get(revision=duel.revision_2).rank == 1
