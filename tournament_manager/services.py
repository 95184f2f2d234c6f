"""Tournaments in the database: new editions, their duels, their live ranking.

The rules themselves (round robin, ranking, rating) are the pure :mod:`tournament_manager.rules`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.models import (
    Competitor,
    Duel,
    Environment,
    Revision,
    Tournament,
    TournamentDuel,
    TournamentParticipant,
)
from core.work import enqueue, gave_up
from tournament_manager import rules

log = logging.getLogger(__name__)

# What the pure ranking gives each participant, saved on its row.
STANDING_FIELDS = [
    "wins", "losses", "draws", "points", "total_score",
    "rank", "rating", "rating_mu", "rating_sigma",
]  # fmt: skip


def eligible_revisions(environment: Environment) -> list[Revision]:
    """Each competitor's latest revision that passed validation, in a stable order."""
    latest = []
    competitors = Competitor.objects.filter(environment=environment).order_by("pk")
    for competitor in competitors:
        revision = competitor.latest_valid_revision()
        if revision is not None:
            latest.append(revision)
    return latest


def duel_length(environment: Environment) -> int:
    return settings.ARENA_DUEL_MATCHES or environment.num_matches


def schedule_tournament(
    environment: Environment, *, replay: bool = False, send: bool = True
) -> Tournament | None:
    """A new edition when the eligible set changed (or ``replay``); None when nothing to do.

    Duels between the same two revisions under the same rules version and duel length that
    an earlier edition played (or is playing) are reused, unless ``replay``.
    """
    with transaction.atomic():
        # One scheduler at a time per game: the edition number and the reuse check depend on it.
        Environment.objects.select_for_update().get(pk=environment.pk)
        revisions = eligible_revisions(environment)
        last = environment.tournaments.order_by("-edition").first()
        if len(revisions) < 2:
            return None
        if not replay and last is not None:
            previous = set(last.participants.values_list("revision_id", flat=True))
            if previous == {r.pk for r in revisions}:
                return None
        tournament = Tournament.objects.create(
            environment=environment, edition=(last.edition + 1) if last else 1
        )
        TournamentParticipant.objects.bulk_create(
            TournamentParticipant(tournament=tournament, revision=r) for r in revisions
        )
        length = duel_length(environment)
        round_of = {
            pair: n for n, pairs in enumerate(rules.round_robin(revisions), 1) for pair in pairs
        }
        known = {} if replay else _reusable_duels(environment, revisions, length)
        reused, to_play = rules.duels_to_play(round_of, known, key=lambda revision: revision.pk)
        new = [
            Duel(
                environment=environment,
                revision_1=first,
                revision_2=second,
                rules_version=environment.rules_version,
                num_matches=length,
                heartbeat=timezone.now(),
            )
            for first, second in to_play
        ]
        Duel.objects.bulk_create(new)
        links = [
            TournamentDuel(tournament=tournament, duel=duel, round=round_of[pair], reused=True)
            for pair, duel in reused
        ] + [
            TournamentDuel(tournament=tournament, duel=duel, round=round_of[pair])
            for pair, duel in zip(to_play, new, strict=True)
        ]
        TournamentDuel.objects.bulk_create(links)
        tournament.duels_total = len(links)
        tournament.duels_reused = len(reused)
        tournament.save(update_fields=["duels_total", "duels_reused"])
        tournament = update_ranking(tournament)
        if send:
            from duel_runner.tasks import run_duel_task

            for duel in new:
                enqueue(run_duel_task, duel.pk)
    log.info(
        "%s: edition %s with %s duels, %s reused",
        environment.slug,
        tournament.edition,
        tournament.duels_total,
        tournament.duels_reused,
    )
    return tournament


def _reusable_duels(
    environment: Environment, revisions: list[Revision], length: int
) -> dict[frozenset[int], Duel]:
    ids = [r.pk for r in revisions]
    duels = Duel.objects.filter(
        environment=environment,
        revision_1_id__in=ids,
        revision_2_id__in=ids,
        rules_version=environment.rules_version,
        num_matches=length,
    ).exclude(state=Duel.FAILED)
    found: dict[frozenset[int], Duel] = {}
    # Prefer a finished duel over one still running, then the newest.
    for duel in duels.order_by("-finished", "-pk"):
        found.setdefault(frozenset((duel.revision_1_id, duel.revision_2_id)), duel)
    return found


def _outcome(duel: Duel) -> rules.DuelOutcome:
    finished = duel.state in (Duel.COMPLETED, Duel.FAILED)
    return rules.DuelOutcome(
        player_1=duel.revision_1_id,
        player_2=duel.revision_2_id,
        result=duel.result if finished else None,
        failed=duel.state == Duel.FAILED,
        player_1_score=duel.player_1_score,
        player_2_score=duel.player_2_score,
    )


def update_ranking(tournament: Tournament) -> Tournament:
    """Recompute the participants' standings and the tournament's progress and state."""
    tournament = Tournament.objects.select_for_update().get(pk=tournament.pk)
    participants = {p.revision_id: p for p in tournament.participants.all()}
    duels = list(tournament.duels.order_by("finished", "pk"))
    outcomes = [_outcome(d) for d in duels]
    for standing in rules.standings(list(participants), outcomes):
        row = participants[standing.participant]
        for field in STANDING_FIELDS:
            setattr(row, field, getattr(standing, field))
    TournamentParticipant.objects.bulk_update(participants.values(), STANDING_FIELDS)
    tournament.duels_done = sum(d.is_finished for d in duels)
    state = rules.tournament_state(outcomes) if duels else Tournament.RUNNING
    if state != Tournament.RUNNING and tournament.state == Tournament.RUNNING:
        tournament.finished = timezone.now()
    tournament.state = state
    tournament.save(update_fields=["duels_done", "state", "finished"])
    return tournament


def duel_finished(duel: Duel) -> None:
    """Called in the transaction that records a duel's outcome: every edition holding it."""
    for tournament in Tournament.objects.filter(duels=duel):
        update_ranking(tournament)


def schedule_all(send: bool = True) -> list[Tournament]:
    created = []
    for environment in Environment.objects.filter(active=True):
        tournament = schedule_tournament(environment, send=send)
        if tournament is not None:
            created.append(tournament)
    return created


def requeue_stuck_work(stale_after: float | None = None) -> dict[str, int]:
    """Give back work whose worker went silent, and re-send scheduled work nobody took.

    Sending a task twice is harmless (the claim lets only one run), so this errs on the side
    of sending. Each claim counts an attempt; work that used up its attempts is ended (failed,
    with the reason) instead of being sent again, so nothing is tried forever: not a build
    whose ``setup.py`` kills its worker, not a duel that takes a worker down with it.
    """
    from builder.tasks import build_revision
    from duel_runner.tasks import run_duel_task, validate_revision

    stale_after = settings.ARENA_STUCK_AFTER if stale_after is None else stale_after
    cutoff = timezone.now() - timezone.timedelta(seconds=stale_after)
    # Work never claimed has no heartbeat yet: its age is its creation's.
    stale = Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True, created__lt=cutoff)
    counts = {}
    plans: Iterable[tuple[str, type, str, str, str, object, str, int]] = [
        (
            "builds",
            Revision,
            "image_state",
            Revision.IMAGE_RUNNING,
            Revision.IMAGE_SCHEDULED,
            build_revision,
            "image_attempts",
            settings.ARENA_MAX_BUILD_ATTEMPTS,
        ),
        (
            "validations",
            Revision,
            "test_state",
            Revision.TEST_RUNNING,
            Revision.TEST_SCHEDULED,
            validate_revision,
            "test_attempts",
            settings.ARENA_MAX_VALIDATION_ATTEMPTS,
        ),
        (
            "duels",
            Duel,
            "state",
            Duel.RUNNING,
            Duel.SCHEDULED,
            run_duel_task,
            "attempts",
            settings.ARENA_MAX_DUEL_ATTEMPTS,
        ),
    ]
    for name, model, field, running, scheduled, task, attempts, max_attempts in plans:
        with transaction.atomic():
            rows = list(
                model.objects.select_for_update(skip_locked=True)
                .filter(stale, **{f"{field}__in": [running, scheduled]})
                .values_list("pk", field, attempts)
            )
            spent = [pk for pk, _, tries in rows if tries >= max_attempts]
            for pk in spent:
                _give_up(model, pk, field, gave_up(max_attempts, "its worker stopped answering"))
            ids = [pk for pk, _, tries in rows if tries < max_attempts]
            model.objects.filter(pk__in=ids).update(
                **{field: scheduled}, claim=None, worker="", heartbeat=timezone.now()
            )
            for pk in ids:
                enqueue(task, pk)
        counts[name] = len(ids)
        counts[f"{name} given up"] = len(spent)
        taken_back = sum(1 for _, state, _ in rows if state == running)
        if taken_back:
            log.warning("took back %s %s whose worker went silent", taken_back, name)
        if spent:
            log.error("gave up %s %s after %s attempts: %s", len(spent), name, max_attempts, spent)
    from duel_runner.sandboxes import remove_orphaned_containers

    counts["orphaned containers"] = remove_orphaned_containers()
    return counts


def _give_up(model: type, pk: int, field: str, reason: str) -> None:
    """End work that used up its attempts: failed, never charged to a player's record."""
    now = timezone.now()
    release = {"claim": None, "worker": "", "heartbeat": now}
    if model is Duel:
        Duel.objects.filter(pk=pk).update(
            state=Duel.FAILED, result="ERROR", error_msg=reason, finished=now, **release
        )
        duel_finished(Duel.objects.select_related("environment").get(pk=pk))
    elif field == "image_state":
        Revision.objects.filter(pk=pk).update(
            image_state=Revision.IMAGE_FAILED, image_error=reason, **release
        )
    else:
        Revision.objects.filter(pk=pk).update(
            test_state=Revision.TEST_FAILED, test_error=reason, **release
        )
