"""Who may see what: one helper per kind of object, used by every view.

Sources and logs of a private competitor are visible only to its owner and to staff; a
public competitor's are visible to everyone. Everything else (leaderboards, duels, replays)
is public. The website and the API find every object here, so a 404 says the same in both.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from core.models import Competitor, Duel, Environment, Revision, Tournament, User


def can_see_private(user: User | AnonymousUser, competitor: Competitor) -> bool:
    """Sources and logs: the owner, staff, or anyone when the competitor is public."""
    if competitor.is_public:
        return True
    return user.is_authenticated and (user.is_staff or user.pk == competitor.owner_id)


def owns(user: User | AnonymousUser, competitor: Competitor) -> bool:
    return user.is_authenticated and user.pk == competitor.owner_id


def get_game(slug: str) -> Environment:
    """The game, or 404 naming the games there are."""
    game = Environment.objects.filter(slug=slug).first()
    if game is None:
        known = ", ".join(Environment.objects.order_by("slug").values_list("slug", flat=True))
        raise Http404(f"There is no game {slug!r}: the games are {known}.")
    return game


def get_competitor(
    slug: str, name: str, competitors: QuerySet[Competitor] | None = None
) -> Competitor:
    """The game's competitor of that name (from ``competitors``, e.g. annotated), or 404."""
    if competitors is None:
        competitors = Competitor.objects.select_related("environment", "owner")
    competitor = competitors.filter(environment__slug=slug, name=name).first()
    if competitor is None:
        game = get_game(slug)  # an unknown game's 404 names the games
        raise Http404(f"{game.name} has no competitor named {name!r}.")
    return competitor


def get_own_competitor(
    user: User, slug: str, name: str, competitors: QuerySet[Competitor] | None = None
) -> Competitor:
    """The user's own competitor; 403 for someone else's (competitors are public, so saying
    whose it is reveals nothing), 404 for none."""
    competitor = get_competitor(slug, name, competitors)
    if competitor.owner_id != user.pk:
        raise PermissionDenied(
            f"{competitor.name} belongs to someone else: you can only upload to your own "
            "competitors. Create one with another name."
        )
    return competitor


def own_competitors(user: User) -> QuerySet[Competitor]:
    """The competitors the user may upload to: their own."""
    return Competitor.objects.filter(owner=user).select_related("environment")


def get_revision(
    competitor: Competitor, version: int, revisions: QuerySet[Revision] | None = None
) -> Revision:
    """The competitor's revision (from ``revisions``, e.g. without its logs), or 404."""
    if revisions is None:
        revisions = competitor.revisions.all()
    revision = revisions.filter(version=version).first()
    if revision is None:
        raise Http404(f"{competitor.name} has no revision {version}.")
    revision.competitor = competitor  # already loaded, with its game and owner
    return revision


def get_revision_source(user: User | AnonymousUser, slug: str, name: str, version: int) -> Revision:
    """A revision whose zip the user may download, or 404 (as if a private one did not exist)."""
    competitor = get_competitor(slug, name)
    if not can_see_private(user, competitor):
        raise Http404("no such source")
    return get_revision(competitor, version)


def sees_all_competitors_of(viewer: User | AnonymousUser, owner: User) -> bool:
    """A profile lists private competitors to their owner and to staff only."""
    return viewer.is_authenticated and (viewer.is_staff or viewer.pk == owner.pk)


def visible_competitors(viewer: User | AnonymousUser, owner: User) -> QuerySet[Competitor]:
    competitors = Competitor.objects.filter(owner=owner)
    if not sees_all_competitors_of(viewer, owner):
        competitors = competitors.filter(is_public=True)
    return competitors


def get_person(username: str) -> User:
    """An active participant, whose profile is public; 404 for a closed account."""
    return get_object_or_404(User, username=username, is_active=True)


def get_tournament(
    slug: str, edition: int, tournaments: QuerySet[Tournament] | None = None
) -> Tournament:
    """The game's edition (from ``tournaments``, e.g. with its leaderboard), or 404."""
    if tournaments is None:
        tournaments = Tournament.objects.select_related("environment")
    tournament = tournaments.filter(environment__slug=slug, edition=edition).first()
    if tournament is None:
        game = get_game(slug)
        raise Http404(f"{game.name} has no edition {edition}.")
    return tournament


def get_duel(pk: int) -> Duel:
    return get_object_or_404(
        Duel.objects.select_related(
            "environment",
            "challenger",
            "revision_1__competitor__owner",
            "revision_2__competitor__owner",
        ),
        pk=pk,
    )


def visible_logs(user: User | AnonymousUser, duel: Duel) -> dict[int, bool]:
    """Whose logs of the duel (and log lines quoted in its error messages) the user may read,
    by side."""
    return {
        1: can_see_private(user, duel.revision_1.competitor),
        2: can_see_private(user, duel.revision_2.competitor),
    }


# run_duel.match.error_message appends the end of the guilty player's log to an error message,
# after this line; the sandboxes are labelled "player 1" and "player 2" (duel_runner.tasks).
_LOG_TAIL = re.compile(r"\n--- last lines of player ([12])'s log ---\n")


def hide_private_log_tails(message: str, visible: dict[int, bool]) -> str:
    """An error message without the log lines it quotes from a player whose logs are private.

    ``visible`` maps a side (1, 2) to whether the viewer may read that player's logs. The
    message itself (what failed, where) stays: it is the match's public result.
    """
    found = _LOG_TAIL.search(message or "")
    if found is None or visible.get(int(found.group(1)), False):
        return message
    side = found.group(1)
    return f"{message[: found.start()]}\n[the end of player {side}'s log is private]"


# What anyone may read of a revision's validation duel (an allow-list: a key added to the
# duel JSON stays private until it is known to be harmless). Its error_msg is the validation
# error, which quotes the player's log.
PUBLIC_TEST_DUEL_KEYS = {"environment", "rules_version", "result", "num_matches", *Duel.COUNTERS}


def public_test_duel(duel: dict | None) -> dict | None:
    """The validation duel's counters as a stranger may see them."""
    return None if duel is None else {k: v for k, v in duel.items() if k in PUBLIC_TEST_DUEL_KEYS}


# --- Challenges -----------------------------------------------------------------------------


def challenge_refusal(user: User, revision: Revision, opponent: Revision) -> tuple[str, str] | None:
    """Why ``user`` may not challenge ``opponent`` with ``revision``, as (the field it is about,
    the message), or None when they may.

    A challenge is played with one of the challenger's own validated revisions, against a
    validated revision of the same game that is public or also their own: a private
    competitor's duels are its owner's to ask for.
    """
    mine, theirs = revision.competitor, opponent.competitor
    if mine.owner_id != user.pk:
        return (
            "competitor",
            f"{mine.name} belongs to someone else: you challenge with one of your own competitors.",
        )
    if theirs.environment_id != mine.environment_id:
        return (
            "opponent",
            f"{theirs.name} plays {theirs.environment.name}, not {mine.environment.name}: "
            "choose an opponent of the same game.",
        )
    if not theirs.is_public and theirs.owner_id != user.pk:
        return (
            "opponent",
            f"{theirs.name} is private: you can challenge public competitors and your own.",
        )
    for field, candidate in (("version", revision), ("opponent_version", opponent)):
        if not candidate.is_valid:
            return (
                field,
                f"{candidate} has not passed its validation (it is "
                f"{candidate.get_test_state_display()}): choose a validated revision.",
            )
    if revision.pk == opponent.pk:
        return (
            "opponent_version",
            f"{revision} cannot challenge itself: choose another opponent or another version.",
        )
    return None
