"""Who may see what: one helper per kind of object, used by every view.

Sources and logs of a private competitor are visible only to its owner and to staff; a
public competitor's are visible to everyone. Everything else (leaderboards, duels, replays)
is public.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from core.models import Competitor, Duel, Revision, User


def can_see_private(user: User | AnonymousUser, competitor: Competitor) -> bool:
    """Sources and logs: the owner, staff, or anyone when the competitor is public."""
    if competitor.is_public:
        return True
    return user.is_authenticated and (user.is_staff or user.pk == competitor.owner_id)


def owns(user: User | AnonymousUser, competitor: Competitor) -> bool:
    return user.is_authenticated and user.pk == competitor.owner_id


def get_competitor(slug: str, name: str) -> Competitor:
    return get_object_or_404(
        Competitor.objects.select_related("environment", "owner"), environment__slug=slug, name=name
    )


def get_owned_competitor(user: User, slug: str, name: str) -> Competitor:
    """The user's own competitor, or 404 (a stranger learns nothing, not even that it exists)."""
    competitor = get_competitor(slug, name)
    if competitor.owner_id != user.pk:
        raise Http404("no such competitor of yours")
    return competitor


def get_revision(competitor: Competitor, version: int) -> Revision:
    return get_object_or_404(competitor.revisions, version=version)


def get_revision_source(user: User | AnonymousUser, slug: str, name: str, version: int) -> Revision:
    """A revision whose zip the user may download, or 404 (as if a private one did not exist)."""
    competitor = get_competitor(slug, name)
    if not can_see_private(user, competitor):
        raise Http404("no such source")
    revision = get_revision(competitor, version)
    revision.competitor = competitor  # already loaded, with its game and owner
    return revision


def sees_all_competitors_of(viewer: User | AnonymousUser, owner: User) -> bool:
    """A profile lists private competitors to their owner and to staff only."""
    return viewer.is_authenticated and (viewer.is_staff or viewer.pk == owner.pk)


def visible_competitors(viewer: User | AnonymousUser, owner: User) -> QuerySet[Competitor]:
    competitors = Competitor.objects.filter(owner=owner)
    if not sees_all_competitors_of(viewer, owner):
        competitors = competitors.filter(is_public=True)
    return competitors


def get_duel(pk: int) -> Duel:
    return get_object_or_404(
        Duel.objects.select_related(
            "environment",
            "revision_1__competitor__owner",
            "revision_2__competitor__owner",
        ),
        pk=pk,
    )


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
