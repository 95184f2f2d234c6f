"""The coach's pages: a revision's blunder report (the replay's proven values are in
web.views.duels, read through web.coach)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from web import coach
from web.access import get_competitor, get_revision


@require_GET
def blunders(request: HttpRequest, slug: str, name: str, version: int) -> HttpResponse:
    competitor = get_competitor(slug, name)
    revision = get_revision(competitor, version)
    report = coach.revision_blunders(revision)
    return render(
        request,
        "web/competitors/blunders.html",
        {
            "competitor": competitor,
            "game": competitor.environment,
            "revision": revision,
            "report": report,
            "renderer": f"games/{slug}/render.js",
            "renderer_css": f"games/{slug}/style.css",
        },
    )


_revision = "games/<slug:slug>/competitors/<slug:name>/revisions/<int:version>/"
urlpatterns = [path(f"{_revision}blunders/", blunders, name="revision-blunders")]
