"""The API's addresses, under /api/v1/ (web/urls.py); the schema and its docs pages too."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from web.api import remote, views
from web.api.errors import not_found

_competitor = "games/<slug:slug>/competitors/<slug:name>/"


class DocsView(SpectacularSwaggerSplitView):
    # GET only: its OPTIONS answer would need a template of its own (a 500 otherwise).
    http_method_names = ["get", "head"]


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own: the site's
    # Content-Security-Policy allows no inline script.
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("games/", views.GameList.as_view(), name="api-games"),
    path("games/<slug:slug>/", views.GameDetail.as_view(), name="api-game"),
    path(
        "games/<slug:slug>/competitors/",
        views.CompetitorList.as_view(),
        name="api-competitors",
    ),
    path(_competitor, views.CompetitorDetail.as_view(), name="api-competitor"),
    path(f"{_competitor}revisions/", views.RevisionList.as_view(), name="api-revisions"),
    path(
        f"{_competitor}revisions/<int:version>/",
        views.RevisionDetail.as_view(),
        name="api-revision",
    ),
    path(
        f"{_competitor}revisions/<int:version>/blunders/",
        views.RevisionBlunders.as_view(),
        name="api-revision-blunders",
    ),
    path(
        f"{_competitor}revisions/<int:version>/source.zip",
        views.RevisionSource.as_view(),
        name="api-revision-source",
    ),
    path(f"{_competitor}move/", views.MoveView.as_view(), name="api-move"),
    path("moves/<uuid:move_id>/", views.MoveStatusView.as_view(), name="api-move-status"),
    path(f"{_competitor}connect/", remote.connect, name="api-remote-connect"),
    path("remote-matches/<int:pk>/", remote.match_state, name="api-remote-match"),
    path(
        "remote-matches/<int:pk>/moves/",
        remote.move,
        name="api-remote-move",
    ),
    path(
        "remote-matches/<int:pk>/leave/",
        remote.leave,
        name="api-remote-leave",
    ),
    path("ping/", remote.ping, name="api-ping"),
    path("games/<slug:slug>/tournaments/", views.TournamentList.as_view(), name="api-tournaments"),
    path(
        "games/<slug:slug>/tournaments/<int:edition>/",
        views.TournamentDetail.as_view(),
        name="api-tournament",
    ),
    path("duels/", views.DuelList.as_view(), name="api-duels"),
    path("duels/<int:pk>/", views.DuelDetail.as_view(), name="api-duel"),
    path("duels/<int:pk>/analysis/", views.DuelAnalysisView.as_view(), name="api-duel-analysis"),
    path("duels/<int:pk>/matches/<int:number>/", views.MatchDetail.as_view(), name="api-match"),
    path("challenges/", views.ChallengeCreate.as_view(), name="api-challenges"),
    path("challenges/<int:pk>/", views.ChallengeDetail.as_view(), name="api-challenge"),
    re_path(r"^.*$", not_found),
]
