"""The challenge form's answer: a signed-in participant challenges a competitor's revision
with one of their own (web.services.start_challenge, the same rules and quota as the API's).

The form itself and the list of a competitor's challenges are on its page (competitors.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from core.models import Revision
from web import services
from web.access import get_competitor, get_revision


def _number(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


@require_POST
@login_required
def challenge(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    opponent_competitor = get_competitor(slug, name)
    back = reverse("competitor", args=[slug, name]) + "#challenge"
    mine = Revision.objects.select_related("competitor__environment", "competitor__owner")
    revision = mine.filter(pk=_number(request.POST.get("revision")) or 0).first()
    version = _number(request.POST.get("opponent_version"))
    matches = _number(request.POST.get("matches"))
    if revision is None or matches is None:
        messages.error(
            request, "Choose one of your revisions and a number of matches, then send again."
        )
        return redirect(back)
    try:
        opponent = (
            get_revision(opponent_competitor, version)
            if version is not None
            else services.challenge_revision(opponent_competitor, None, "opponent_version")
        )
        duel = services.start_challenge(request.user, revision, opponent, matches)
    except services.Refused as exc:  # the quota's refusal too
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(
        request,
        f"Challenge sent: {revision} against {opponent}, {matches} "
        f"match{'es' if matches != 1 else ''}, unranked. It starts when a worker is free "
        "(after the tournaments' duels).",
    )
    return redirect("duel", duel.pk)


urlpatterns = [
    path("games/<slug:slug>/competitors/<slug:name>/challenge/", challenge, name="challenge"),
]
