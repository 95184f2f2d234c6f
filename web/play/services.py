"""Starting a human match under the cap, and the data set of human matches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import Competitor, Environment, HumanMatch, Revision, User
from web.play import backends

# Beyond the idle timeout, how long the holder of a sandbox may stay silent (starting the
# sandbox, the agent thinking) before its match is taken for abandoned: its process died.
SILENCE_MARGIN = timedelta(minutes=3)


class ArenaFull(Exception):
    """Every place for a human match is taken."""


class PlayingAlready(Exception):
    """The user already plays as many matches as one user may (ARENA_PLAY_MATCHES_PER_USER):
    one person cannot take every place."""

    def __init__(self, match: HumanMatch) -> None:
        super().__init__(f"already playing match {match.pk}")
        self.match = match  # the latest of them, to go back to


def abandon_silent_matches() -> int:
    """Active matches whose holder died (no sign of life for too long) stop counting.

    Their claim goes with them: a holder still alive after all finds the match no longer its
    own at its next save (core.work), and stops.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.ARENA_PLAY_IDLE_TIMEOUT) - SILENCE_MARGIN
    silent = HumanMatch.objects.filter(state__in=HumanMatch.ACTIVE_STATES, heartbeat__lt=cutoff)
    return silent.update(state=HumanMatch.ABANDONED, finished=timezone.now(), claim=None)


def active_matches() -> int:
    return HumanMatch.objects.filter(state__in=HumanMatch.ACTIVE_STATES).count()


def start_match(
    user: User, revision: Revision, human_first: bool, client: str = HumanMatch.BROWSER
) -> HumanMatch:
    """A new human match, its agent starting; :class:`PlayingAlready` when the user has their
    share of places, :class:`ArenaFull` when the arena's cap is reached.

    A remote match (``client``: a program through the API) takes a place as a match in the
    browser does: both hold a sandbox of the same workers, so one cap counts them all."""
    abandon_silent_matches()
    with transaction.atomic():
        # Locking the games serialises match creation, so two requests cannot both take
        # the last place (a no-op on SQLite, which serialises writes anyway).
        list(Environment.objects.select_for_update().order_by("pk").values_list("pk"))
        mine = HumanMatch.objects.filter(user=user, state__in=HumanMatch.ACTIVE_STATES)
        if mine.count() >= settings.ARENA_PLAY_MATCHES_PER_USER:
            raise PlayingAlready(mine.order_by("-pk").first())
        if active_matches() >= settings.ARENA_PLAY_MAX_MATCHES:
            raise ArenaFull
        match = HumanMatch.objects.create(
            revision=revision,
            user=user,
            human_first=human_first,
            client=client,
            rules_version=revision.competitor.environment.rules_version,
        )
        backends.start(match.pk)
    return match


def match_record(match: HumanMatch) -> dict:
    """One human match as a line of the data set: everything needed to learn from it."""
    revision = match.revision
    return {
        "id": match.pk,
        "environment": revision.competitor.environment.slug,
        "rules_version": match.rules_version,
        "competitor": revision.competitor.name,
        "revision": revision.version,
        "human": match.user.username,
        "client": match.client,  # "browser", or "remote": a program through the API
        "first_player": "HUMAN" if match.human_first else "AGENT",
        "state": match.state,
        "result": match.result or None,
        "error_msg": match.error_msg,
        "human_score": match.human_score,
        "states": match.states,
        "actions": match.actions,
        "rewards": match.rewards,
        "created": match.created.isoformat(),
        "finished": match.finished.isoformat() if match.finished else None,
    }


def human_matches_jsonl(competitor: Competitor) -> Iterator[str]:
    """Every ended human match against the competitor's revisions, one JSON object a line."""
    matches = (
        HumanMatch.objects.filter(revision__competitor=competitor)
        .exclude(state__in=HumanMatch.ACTIVE_STATES)
        .select_related("revision__competitor__environment", "user")
        .order_by("pk")
    )
    for match in matches.iterator(chunk_size=200):
        yield json.dumps(match_record(match), separators=(",", ":")) + "\n"
