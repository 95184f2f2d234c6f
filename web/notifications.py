"""What the arena tells a competitor's owner: a revision failed or validated, an edition ended.

Each of these is a :class:`~core.models.Notification` row per user, made by a task after the
outcome is committed (the pipeline's hooks only send that task), then a mail and a webhook,
each with a task of its own: a slow mail server or webhook never holds a build, a duel or
each other. The row's unique key makes every step idempotent: a task run twice finds the
mail sent or the webhook delivered and does nothing. Failures to reach either are tried again
with the pipeline's one backoff (:func:`core.pipeline.retry`), a capped number of times, and
a webhook's last outcome is shown on its owner's profile page.

The user chooses (profile page): mails about revisions, mails about editions, a webhook. The
webhook's body is the API's own representation (:mod:`web.api.serializers`) of the revision
or of the edition and the participation in it, signed with the user's secret
(:mod:`web.webhooks`).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from arena import results
from core import pipeline
from core.models import Notification, Revision, Tournament, TournamentParticipant, User
from run_duel.text import cap
from web import webhooks

log = logging.getLogger(__name__)

NOTIFY_REVISION = "web.tasks.notify_revision"
NOTIFY_EDITION = "web.tasks.notify_edition"
SEND_MAIL = "web.tasks.send_notification_mail"
DELIVER_WEBHOOK = "web.tasks.deliver_webhook"

# A failed revision's mail quotes the start of its error; the whole is on the revision page.
MAIL_ERROR_CHARS = 1500

# Mails and webhooks are tried again with the pipeline's doubling delays (1, 2, 4... min, at
# most an hour); of a Work, retrying uses only its task, delays and attempts.
MAILS = pipeline.Work(
    name="notification mails",
    task=SEND_MAIL,
    model=Notification,
    state_field="mailed",
    scheduled="",
    running=None,
    failed="",
    error_field="webhook_error",
    attempts_field="mail_attempts",
    max_attempts=lambda: settings.ARENA_NOTIFY_MAX_ATTEMPTS,
    first_delay=60.0,
    max_delay=3600.0,
)
WEBHOOKS = pipeline.Work(
    name="webhooks",
    task=DELIVER_WEBHOOK,
    model=Notification,
    state_field="webhook_state",
    scheduled=Notification.WEBHOOK_SCHEDULED,
    running=None,
    failed=Notification.WEBHOOK_FAILED,
    error_field="webhook_error",
    attempts_field="webhook_attempts",
    max_attempts=lambda: settings.ARENA_NOTIFY_MAX_ATTEMPTS,
    first_delay=60.0,
    max_delay=3600.0,
)


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def site_url(path: str) -> str:
    return settings.ARENA_SITE_URL + path


# --- The pipeline's hooks (in the stage's transaction: light, and never failing) -------------


def revision_finished(revision: Revision) -> None:
    try:
        pipeline.send(NOTIFY_REVISION, revision.pk)
    except Exception:  # a notification lost is better than a build's outcome rolled back
        log.exception("could not send the notifications of revision %s", revision.pk)


def edition_finished(tournament: Tournament) -> None:
    try:
        pipeline.send(NOTIFY_EDITION, tournament.pk)
    except Exception:
        log.exception("could not send the notifications of edition %s", tournament.pk)


def register() -> None:
    """Called when the web app is ready (web.apps)."""
    pipeline.on_revision_finished(revision_finished)
    pipeline.on_edition_finished(edition_finished)


# --- Which notifications, for whom -----------------------------------------------------------


def revision_event(revision: Revision) -> str | None:
    if revision.image_state == Revision.IMAGE_FAILED:
        return Notification.REVISION_FAILED
    if revision.test_state == Revision.TEST_FAILED:
        return Notification.REVISION_FAILED
    if revision.test_state == Revision.TEST_COMPLETED:
        return Notification.REVISION_VALIDATED
    return None


def notify_revision(revision_id: int) -> None:
    revision = (
        Revision.objects.select_related("competitor__owner", "competitor__environment")
        .filter(pk=revision_id)
        .first()
    )
    event = revision_event(revision) if revision is not None else None
    if revision is None or event is None:
        return
    owner = revision.competitor.owner
    _notify(owner, f"revision-{revision.pk}-{event}", event, revision=revision)


def notify_edition(tournament_id: int) -> None:
    participants = TournamentParticipant.objects.filter(
        tournament_id=tournament_id, tournament__state__in=[Tournament.COMPLETED, Tournament.FAILED]
    ).select_related("revision__competitor__owner")
    for participant in participants:
        owner = participant.revision.competitor.owner
        key = f"edition-{tournament_id}-{participant.pk}"
        _notify(owner, key, Notification.EDITION_FINISHED, participant=participant)


def wants_mail(user: User, event: str) -> bool:
    """Whether the user wants this kind of mail now (the profile page's switches)."""
    if not user.email:
        return False
    if event == Notification.EDITION_FINISHED:
        return user.notify_editions
    return user.notify_revisions


def _notify(user: User, key: str, event: str, **about: Any) -> None:
    mail = wants_mail(user, event)
    wants_webhook = bool(user.webhook_url and user.webhook_secret)
    if not mail and not wants_webhook:
        return
    with transaction.atomic():
        notification, _ = Notification.objects.get_or_create(
            user=user, key=key, defaults={"event": event, **about}
        )
        notification = Notification.objects.select_for_update().get(pk=notification.pk)
        if mail and notification.mailed is None:
            pipeline.send(SEND_MAIL, notification.pk)
        if wants_webhook and notification.webhook_state == Notification.WEBHOOK_NONE:
            notification.webhook_state = Notification.WEBHOOK_SCHEDULED
            notification.save(update_fields=["webhook_state"])
            pipeline.send(DELIVER_WEBHOOK, notification.pk)


def describe(notification: Notification) -> str:
    """``minimax v2 validated``, ``minimax v3 failed``, ``Quarto edition 4: minimax #2``."""
    participant = notification.participant
    if participant is not None:
        tournament = participant.tournament
        rank = f"#{participant.rank}" if participant.rank else "unranked"
        name = participant.revision.competitor.name
        return f"{tournament.environment.name} edition {tournament.edition}: {name} {rank}"
    revision = notification.revision
    assert revision is not None
    happened = "validated" if notification.event == Notification.REVISION_VALIDATED else "failed"
    return f"{revision.competitor.name} v{revision.version} {happened}"


def recent(user: User, count: int = 5) -> list[tuple[Notification, str]]:
    """The user's latest notifications, each with its description (the profile page's table)."""
    rows = user.notifications.select_related(
        "revision__competitor",
        "participant__revision__competitor",
        "participant__tournament__environment",
    ).order_by("-created", "-pk")[:count]
    return [(row, describe(row)) for row in rows]


# --- Mails -----------------------------------------------------------------------------------


def send_notification_mail(notification_id: int) -> None:
    """Mail the notification once; a mail server out of reach is tried again later (capped)."""
    with transaction.atomic():
        # Locked while it is sent: a second copy of this task waits, then finds it mailed.
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, mailed__isnull=True)
            .first()
        )
        if notification is None or not wants_mail(notification.user, notification.event):
            return  # sent already, or turned off since
        notification.mail_attempts += 1
        try:
            subject, body = mail_content(notification)
            send_mail(subject, body, None, [notification.user.email])
        except Exception as exc:
            notification.save(update_fields=["mail_attempts"])
            if pipeline.may_retry(MAILS, notification.mail_attempts):
                delay = pipeline.retry(MAILS, notification.pk, notification.mail_attempts)
                log.warning(
                    "mail of notification %s failed, next try in %g s: %s",
                    notification.pk,
                    delay,
                    exc,
                )
            else:
                log.error("gave up mailing notification %s: %s", notification.pk, exc)
            return
        notification.mailed = timezone.now()
        notification.save(update_fields=["mail_attempts", "mailed"])


def mail_content(notification: Notification) -> tuple[str, str]:
    """The subject and plain-text body of the notification's mail."""
    if notification.participant_id is not None:
        return _edition_mail(notification.participant)  # type: ignore[arg-type]
    assert notification.revision is not None
    return _revision_mail(notification.revision, notification.event)


def _revision_page(revision: Revision) -> str:
    competitor = revision.competitor
    return site_url(
        reverse("revision", args=[competitor.environment.slug, competitor.name, revision.version])
    )


def _footer(competitor: str) -> str:
    settings_link = site_url(reverse("profile-edit"))
    return (
        f"\n\n--\nYou get this mail as the owner of {competitor}. Turn these mails off, or set"
        f" up a webhook, on {settings_link}\n"
    )


def _revision_mail(revision: Revision, event: str) -> tuple[str, str]:
    competitor = revision.competitor
    game = competitor.environment.name
    what = f"{competitor.name} v{revision.version}"
    link = _revision_page(revision)
    footer = _footer(competitor.name)
    if event == Notification.REVISION_VALIDATED:
        subject = f"[RL Arena] {what} ({game}) is valid"
        body = (
            f"Your revision {what} for {game} built and passed its validation (a short duel "
            "against itself). It takes part in the game's next tournament edition.\n\n"
            f"Revision: {link}"
        )
        return subject, body + footer
    if revision.image_state == Revision.IMAGE_FAILED:
        stage, error = "its build", revision.image_error
    else:
        stage, error = "its validation", revision.test_error
    subject = f"[RL Arena] {what} ({game}) failed {stage}"
    body = (
        f"Your revision {what} for {game} failed {stage}. It does not play; the competitor's "
        "latest valid revision, if any, keeps playing. Fix it and upload a new revision.\n\n"
        f"What went wrong:\n\n{cap(error.strip() or 'no message', MAIL_ERROR_CHARS)}\n\n"
        f"The whole error and the logs: {link}"
    )
    return subject, body + footer


def previous_participation(participant: TournamentParticipant) -> TournamentParticipant | None:
    """The competitor's place in the latest earlier edition of the game it took part in."""
    tournament = participant.tournament
    return (
        TournamentParticipant.objects.filter(
            revision__competitor_id=participant.revision.competitor_id,
            tournament__environment_id=tournament.environment_id,
            tournament__edition__lt=tournament.edition,
        )
        .select_related("tournament")
        .order_by("-tournament__edition")
        .first()
    )


def rank_change(rank: int | None, previous: TournamentParticipant | None) -> str:
    """``up 2 places since edition 3``, ``same place as in edition 3``, or ``first edition``."""
    if previous is None or previous.rank is None or rank is None:
        return "its first ranked edition"
    edition = previous.tournament.edition
    moved = previous.rank - rank
    if moved == 0:
        return f"same place as in edition {edition}"
    places = "place" if abs(moved) == 1 else "places"
    return f"{'up' if moved > 0 else 'down'} {abs(moved)} {places} since edition {edition}"


def _edition_mail(participant: TournamentParticipant) -> tuple[str, str]:
    tournament = participant.tournament
    competitor = participant.revision.competitor
    game = tournament.environment.name
    field_size = tournament.participants.count()
    previous = previous_participation(participant)
    change = rank_change(participant.rank, previous)
    leaderboard = site_url(
        reverse("tournament", args=[tournament.environment.slug, tournament.edition])
    )
    rank = f"#{participant.rank} of {field_size}" if participant.rank else "unranked"
    subject = f"[RL Arena] {game} edition {tournament.edition}: {competitor.name} {rank}"
    scoring = site_url(reverse("scoring", args=[tournament.environment.slug]))
    lines = [
        f"{game} edition {tournament.edition} is over.",
        "",
        f"{competitor.name} v{participant.revision.version}: rank {rank} ({change})",
        f"{results.POINTS}: {participant.points}, duels W-D-L "
        + results.format_wdl(participant.wins, participant.draws, participant.losses),
        f"{results.SCORE}: {results.format_score(participant.total_score)}",
        f"{results.RATING}: {results.format_rating(participant.rating)} (mu - 3 sigma)",
        f"How results are counted: {scoring}",
    ]
    if tournament.state == Tournament.FAILED:
        lines += [
            "",
            "Some duels of this edition failed on the arena's side; they count as errors.",
        ]
    lines += ["", f"Leaderboard: {leaderboard}"]
    footer = _footer(competitor.name)
    return subject, "\n".join(lines) + footer


# --- Webhooks --------------------------------------------------------------------------------


def webhook_payload(notification: Notification) -> dict[str, Any]:
    """The webhook's JSON: the event, and the API's representation of what it is about."""
    from web.api import serializers  # the API's app loads after this one's

    if notification.participant_id is not None:
        participant = notification.participant
        assert participant is not None
        tournament = participant.tournament
        previous = previous_participation(participant)
        return {
            "event": notification.event,
            "game": tournament.environment.slug,
            "competitor": participant.revision.competitor.name,
            "edition": serializers.TournamentSerializer(tournament).data,
            "participation": serializers.LeaderboardRowSerializer(participant).data,
            "previous_rank": previous.rank if previous is not None else None,
            "url": site_url(
                reverse("tournament", args=[tournament.environment.slug, tournament.edition])
            ),
        }
    revision = notification.revision
    assert revision is not None
    return {
        "event": notification.event,
        "game": revision.competitor.environment.slug,
        "competitor": revision.competitor.name,
        # As the API shows it to the owner (the upload's answer).
        "revision": serializers.RevisionSerializer(revision, context={"may_see": True}).data,
        "url": _revision_page(revision),
    }


def webhook_body(notification: Notification) -> bytes:
    """The payload as the API renders JSON (dates and numbers alike)."""
    return JSONRenderer().render(webhook_payload(notification))


def deliver_webhook(notification_id: int) -> None:
    """Post the notification to its user's webhook once; retried (capped) while it fails."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, webhook_state=Notification.WEBHOOK_SCHEDULED)
            .first()
        )
        if notification is None:
            return
        user = notification.user
        if not (user.webhook_url and user.webhook_secret):
            notification.webhook_state = Notification.WEBHOOK_NONE
            notification.save(update_fields=["webhook_state"])
            return
        notification.webhook_attempts += 1
        delivery = webhooks.post(
            user.webhook_url,
            webhook_body(notification),
            secret=user.webhook_secret,
            event=notification.event,
            timeout=settings.ARENA_WEBHOOK_TIMEOUT,
            allow_loopback=settings.ARENA_WEBHOOK_ALLOW_LOOPBACK,
        )
        attempts = notification.webhook_attempts
        what = describe(notification)
        if delivery.ok:
            notification.webhook_state = Notification.WEBHOOK_DELIVERED
            notification.webhook_error = ""
            status = f"{what}: delivered (HTTP {delivery.status})"
        elif delivery.worth_retrying and pipeline.may_retry(WEBHOOKS, attempts):
            notification.webhook_error = delivery.error
            status = f"{what}: failed, trying again ({delivery.error})"
            pipeline.retry(WEBHOOKS, notification.pk, attempts)
        else:
            notification.webhook_state = Notification.WEBHOOK_FAILED
            notification.webhook_error = delivery.error
            tries = f"after {attempts} attempts" if attempts > 1 else "not retried"
            status = f"{what}: failed {tries} ({delivery.error})"
        notification.save(update_fields=["webhook_state", "webhook_attempts", "webhook_error"])
        User.objects.filter(pk=user.pk).update(
            webhook_status=cap(status, 300), webhook_status_at=timezone.now()
        )
    if not delivery.ok:
        log.warning(
            "webhook of notification %s (%s): %s", notification.pk, user.webhook_url, delivery.error
        )
