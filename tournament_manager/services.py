"""Tournaments in the database: new editions, their duels, their live ranking.

The rules themselves (round robin, ranking, rating) are the pure :mod:`tournament_manager.rules`.
New duels go to be played through :mod:`core.pipeline`; a duel's end comes back through it
(:func:`duel_finished`, registered as its hook when the app is ready).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core import pipeline
from core.models import (
    Competitor,
    Duel,
    Environment,
    Revision,
    Tournament,
    TournamentDuel,
    TournamentParticipant,
)
from tournament_manager import confidence, rules

log = logging.getLogger(__name__)

# What the pure ranking gives each participant, saved on its row.
STANDING_FIELDS = [
    "wins", "losses", "draws", "points", "total_score",
    "rank", "rating", "rating_mu", "rating_sigma",
]  # fmt: skip
# How sure the ranking is of each one's place above the next one down (tournament_manager.
# confidence), saved on its row.
CONFIDENCE_FIELDS = ["next_confidence", "next_separated", "next_wins", "next_draws", "next_losses"]


def eligible_revisions(environment: Environment) -> list[Revision]:
    """Each active competitor's latest revision that passed validation, in a stable order.

    A competitor the organisers disabled is left out, so its leaving changes the set and
    starts a new edition without it."""
    latest = []
    competitors = Competitor.objects.filter(environment=environment, active=True).order_by("pk")
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

    Duels between the same two revisions under the same rules version, duel length and
    early-stop rule that an earlier edition played (or is playing) are reused, unless
    ``replay``.
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
                early_stop=environment.early_stop,
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
        tournament = update_ranking(tournament, send=send)
        if send:
            pipeline.send_duels(new)
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
        # A challenge is its challenger's, unranked: never an edition's duel.
        kind=Duel.TOURNAMENT,
        revision_1_id__in=ids,
        revision_2_id__in=ids,
        rules_version=environment.rules_version,
        num_matches=length,
        # A duel stopped early (or not) under another rule is not the duel this edition asks.
        early_stop=environment.early_stop,
    ).exclude(state=Duel.FAILED)
    # An edition's extra duels are its own (docs/rules.md): a later edition reuses the pair's
    # round-robin duel, so the same two revisions keep the same result from one to the next.
    duels = duels.annotate(
        extra=Exists(TournamentDuel.objects.filter(duel=OuterRef("pk"), extra=True))
    )
    found: dict[frozenset[int], Duel] = {}
    # Prefer a round-robin duel, then a finished duel over one still running, then the newest.
    for duel in duels.order_by("extra", "-finished", "-pk"):
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


def update_ranking(tournament: Tournament, *, send: bool = True) -> Tournament:
    """Recompute the participants' standings and confidence, the tournament's progress and
    state, and schedule extra duels between tied neighbours once the round robin is over.

    The standings count the round-robin duels only; the extra duels count for the
    confidence of the pairs that played them (docs/rules.md, "How sure the ranking is").
    ``send`` False leaves new extra duels scheduled without sending them (the sweep would).
    """
    tournament = Tournament.objects.select_for_update().get(pk=tournament.pk)
    was_running = tournament.state == Tournament.RUNNING
    participants = {p.revision_id: p for p in tournament.participants.order_by("pk")}
    duels = list(tournament.duels.order_by("finished", "pk"))
    extra_ids = set(
        TournamentDuel.objects.filter(tournament=tournament, extra=True).values_list(
            "duel_id", flat=True
        )
    )
    round_robin = [d for d in duels if d.pk not in extra_ids]
    extras = [d for d in duels if d.pk in extra_ids]
    outcomes = [_outcome(d) for d in round_robin]
    for standing in rules.standings(list(participants), outcomes):
        row = participants[standing.participant]
        for field in STANDING_FIELDS:
            setattr(row, field, getattr(standing, field))
    # The leaderboard's order: rank, then the row's age, as the pages list it.
    order = sorted(participants.values(), key=lambda p: (p.rank or 0, p.pk))
    pairs = _neighbours([p.revision_id for p in order], duels)
    for row in participants.values():
        row.next_confidence = row.next_separated = None
        row.next_wins = row.next_draws = row.next_losses = 0
    for pair in pairs:
        row = participants[pair.upper]
        row.next_confidence, row.next_separated = pair.confidence, pair.separated
        row.next_wins, row.next_draws = pair.matches.wins, pair.matches.draws
        row.next_losses = pair.matches.losses
    TournamentParticipant.objects.bulk_update(
        participants.values(), STANDING_FIELDS + CONFIDENCE_FIELDS
    )
    state = rules.tournament_state(outcomes) if round_robin else Tournament.RUNNING
    if state != Tournament.RUNNING and was_running:
        # The round robin is over: the edition waits for its extra duels, if it has any left.
        extras += _schedule_extra_duels(tournament, pairs, extras, send=send)
        if not all(d.is_finished for d in extras):
            state = Tournament.RUNNING
    tournament.duels_done = sum(d.is_finished for d in round_robin + extras)
    if state != Tournament.RUNNING and tournament.state == Tournament.RUNNING:
        tournament.finished = timezone.now()
        pipeline.edition_finished(tournament)  # its hooks act on commit, when the state is saved
    tournament.state = state
    tournament.save(update_fields=["duels_done", "duels_total", "state", "finished"])
    return tournament


def _neighbours(order: list[int], duels: list[Duel]) -> list[confidence.NeighbourConfidence]:
    """Each neighbour pair of ``order`` (revision ids, best first), from the finished duels."""
    table = confidence.head_to_head(
        confidence.DuelMatches(
            player_1=d.revision_1_id,
            player_2=d.revision_2_id,
            tally=d.tally,
            result=d.result,
            failed=d.state == Duel.FAILED,
        )
        for d in duels
        if d.is_finished  # a running duel's counters are not its result yet
    )
    return confidence.neighbours(order, table, settings.ARENA_CONFIDENCE_THRESHOLD)


def _schedule_extra_duels(
    tournament: Tournament,
    pairs: list[confidence.NeighbourConfidence],
    extras: list[Duel],
    *,
    send: bool,
) -> list[Duel]:
    """New extra duels for undecided neighbour pairs, within the edition's budget.

    Every extra duel ever scheduled counts against the budget, failed ones too, so an
    edition's extra work is bounded whatever happens to it.
    """
    played: dict[frozenset[int], int] = {}
    pending: list[frozenset[int]] = []
    for duel in extras:
        pair = frozenset((duel.revision_1_id, duel.revision_2_id))
        played[pair] = played.get(pair, 0) + 1
        if not duel.is_finished:
            pending.append(pair)
    wanted = confidence.extra_duels(
        pairs,
        pending=pending,
        played=played,
        budget_left=settings.ARENA_EXTRA_DUELS_PER_EDITION - len(extras),
    )
    if not wanted:
        return []
    environment = tournament.environment
    revisions = Revision.objects.in_bulk([r for pair in wanted for r in pair])
    new = []
    for upper, lower in wanted:
        # Alternate who is player 1 from one extra duel of the pair to the next.
        one, two = (
            (upper, lower) if played.get(frozenset((upper, lower)), 0) % 2 == 0 else (lower, upper)
        )
        new.append(
            Duel(
                environment=environment,
                revision_1=revisions[one],
                revision_2=revisions[two],
                rules_version=environment.rules_version,
                num_matches=duel_length(environment),
                heartbeat=timezone.now(),
            )
        )
    Duel.objects.bulk_create(new)
    after = (
        TournamentDuel.objects.filter(tournament=tournament, extra=False)
        .order_by("-round")
        .values_list("round", flat=True)
        .first()
        or 0
    ) + 1
    TournamentDuel.objects.bulk_create(
        TournamentDuel(tournament=tournament, duel=duel, round=after, extra=True) for duel in new
    )
    tournament.duels_total += len(new)
    if send:
        pipeline.send_duels(new)
    log.info(
        "%s: edition %s, %s extra duels between tied neighbours",
        environment.slug,
        tournament.edition,
        len(new),
    )
    return new


def duel_finished(duel: Duel) -> None:
    """Called in the transaction that records a duel's outcome: every edition holding it."""
    if duel.kind == Duel.CHALLENGE:
        return  # no edition holds a challenge: it changes no ranking
    for tournament in Tournament.objects.filter(duels=duel):
        update_ranking(tournament)


def schedule_all(send: bool = True) -> list[Tournament]:
    created = []
    for environment in Environment.objects.filter(active=True):
        tournament = schedule_tournament(environment, send=send)
        if tournament is not None:
            created.append(tournament)
    return created
