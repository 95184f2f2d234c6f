"""Competitors and their revisions: the submission form, the pages that follow a build, sources.

Sources, logs and error messages follow :func:`web.access.can_see_private`; states, dates and
ranks are public.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from core.models import Competitor, Revision, TournamentParticipant, User
from core.submissions import (
    SubmissionError,
    rate_limited,
    submit_revision,
    zip_limits,
)
from web.access import can_see_private, get_competitor, get_revision, get_revision_source, owns
from web.forms import CompetitorForm, UploadForm, human_size, name_taken, own_competitors
from web.logs import ERROR_DISPLAY_CHARS, clip

# --- What each state of a revision means, for the revision page and its status.json -----

BUILD_STEPS = {
    Revision.IMAGE_SCHEDULED: "Waiting for a free builder; the build starts by itself.",
    Revision.IMAGE_RUNNING: (
        "Building the player's image: unpacking the zip and installing the packages of its "
        "requirements.txt or environment.yml."
    ),
    Revision.IMAGE_COMPLETED: "The image is built.",
    Revision.IMAGE_FAILED: (
        "The image could not be built. Read the error and the build log, fix the zip, then "
        "upload it again as a new revision."
    ),
}


def _validation_steps() -> dict[str, str]:
    matches = settings.ARENA_VALIDATION_MATCHES
    return {
        Revision.TEST_PENDING: "Starts once the image is built.",
        Revision.TEST_SCHEDULED: "Waiting for a free runner to play the validation matches.",
        Revision.TEST_RUNNING: (
            f"Playing {matches} matches against itself, to check that the player starts, "
            "answers in time and plays only valid actions."
        ),
        Revision.TEST_COMPLETED: (
            "Passed: this revision takes part in the game's next tournament edition."
        ),
        Revision.TEST_FAILED: (
            "Failed: the player crashed, ran out of time or played an invalid action. Read the "
            "error and the player logs, fix player.py, then upload it again."
        ),
    }


def _is_done(revision: Revision) -> bool:
    return revision.image_state == Revision.IMAGE_FAILED or revision.test_state in (
        Revision.TEST_COMPLETED,
        Revision.TEST_FAILED,
    )


def _steps(revision: Revision) -> list[dict[str, str]]:
    validation = _validation_steps()[revision.test_state]
    if revision.image_state == Revision.IMAGE_FAILED:
        validation = "Not run: there is no image to run the player in."
    return [
        {
            "key": "build",
            "title": "Build",
            "state": revision.image_state,
            "label": revision.get_image_state_display(),
            "explanation": BUILD_STEPS[revision.image_state],
        },
        {
            "key": "validation",
            "title": "Validation",
            "state": revision.test_state,
            "label": revision.get_test_state_display(),
            "explanation": validation,
        },
    ]


# --- The rank in each edition, as a small SVG line plot drawn here ------------------------

PLOT_WIDTH, PLOT_HEIGHT = 300, 130
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 32, 10, 10, 26
MAX_EDITION_LABELS = 8


def rank_plot(rows: list[TournamentParticipant], slug: str) -> dict[str, Any] | None:
    """Coordinates of the rank-per-edition plot (rank 1 on top), or None with nothing ranked."""
    ranked = [row for row in rows if row.rank is not None]
    if not ranked:
        return None
    first, last = ranked[0].tournament.edition, ranked[-1].tournament.edition
    worst = max(2, *(max(row.field_size, row.rank) for row in ranked))
    inner_width = PLOT_WIDTH - PLOT_LEFT - PLOT_RIGHT
    inner_height = PLOT_HEIGHT - PLOT_TOP - PLOT_BOTTOM

    def x(edition: int) -> float:
        if first == last:
            return PLOT_LEFT + inner_width / 2
        return PLOT_LEFT + (edition - first) / (last - first) * inner_width

    def y(rank: int) -> float:
        return PLOT_TOP + (rank - 1) / (worst - 1) * inner_height

    dots = [
        {
            "x": round(x(row.tournament.edition), 1),
            "y": round(y(row.rank), 1),
            "edition": row.tournament.edition,
            "rank": row.rank,
            "field_size": row.field_size,
            "url": reverse("tournament", args=[slug, row.tournament.edition]),
        }
        for row in ranked
    ]
    step = math.ceil(len(ranked) / MAX_EDITION_LABELS)
    labelled = ranked[::step] if ranked[-1] in ranked[::step] else [*ranked[::step], ranked[-1]]
    rank_ticks = sorted({1, (1 + worst) // 2, worst})
    return {
        "width": PLOT_WIDTH,
        "height": PLOT_HEIGHT,
        "left": PLOT_LEFT,
        "right": PLOT_WIDTH - PLOT_RIGHT,
        "bottom": PLOT_HEIGHT - PLOT_BOTTOM,
        "label_y": PLOT_HEIGHT - 8,
        "line": " ".join(f"{dot['x']},{dot['y']}" for dot in dots),
        "dots": dots,
        "rank_ticks": [{"y": round(y(rank), 1), "rank": rank} for rank in rank_ticks],
        "edition_ticks": [
            {"x": round(x(row.tournament.edition), 1), "edition": row.tournament.edition}
            for row in labelled
        ],
    }


# --- Pages -------------------------------------------------------------------------------

# Logs can be long: the competitor page shows the latest revision's, each revision page its own.
LOG_FIELDS = ("image_log", "test_log_1", "test_log_2")


@require_GET
def competitor(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    competitor = get_competitor(slug, name)
    may_see = can_see_private(request.user, competitor)
    revisions = list(competitor.revisions.defer(*LOG_FIELDS, "test_duel").order_by("-version"))
    latest = None
    if revisions and may_see:
        latest = competitor.revisions.get(pk=revisions[0].pk)
    participations = list(
        TournamentParticipant.objects.filter(revision__competitor=competitor)
        .select_related("tournament", "revision")
        .annotate(field_size=Count("tournament__participants"))
        .order_by("tournament__edition")
    )
    return render(
        request,
        "web/competitors/competitor.html",
        {
            "competitor": competitor,
            "game": competitor.environment,
            "revisions": revisions,
            "latest": latest,
            "may_see": may_see,
            "is_owner": owns(request.user, competitor),
            "participations": participations[::-1],
            "plot": rank_plot(participations, slug),
        },
    )


@require_GET
def revision(request: HttpRequest, slug: str, name: str, version: int) -> HttpResponse:
    competitor = get_competitor(slug, name)
    revision = get_revision(competitor, version)
    done = _is_done(revision)
    return render(
        request,
        "web/competitors/revision.html",
        {
            "competitor": competitor,
            "game": competitor.environment,
            "revision": revision,
            "steps": _steps(revision),
            "done": done,
            "may_see": can_see_private(request.user, competitor),
            "is_owner": owns(request.user, competitor),
        },
    )


@never_cache
@require_GET
def revision_status(request: HttpRequest, slug: str, name: str, version: int) -> JsonResponse:
    """Polled by the revision page while the revision is built and validated."""
    competitor = get_competitor(slug, name)
    # Polled every few seconds: without the logs, which can be long.
    revisions = competitor.revisions.defer(*LOG_FIELDS, "test_duel")
    revision = get_object_or_404(revisions, version=version)
    errors = None
    if can_see_private(request.user, competitor):
        errors = {
            "build": clip(revision.image_error, ERROR_DISPLAY_CHARS),
            "validation": clip(revision.test_error, ERROR_DISPLAY_CHARS),
        }
    return JsonResponse(
        {
            "image_state": revision.image_state,
            "test_state": revision.test_state,
            "steps": _steps(revision),
            "errors": errors,
            "done": _is_done(revision),
        }
    )


@require_GET
def revision_source(request: HttpRequest, slug: str, name: str, version: int) -> HttpResponse:
    revision = get_revision_source(request.user, slug, name, version)
    competitor = revision.competitor
    filename = f"{competitor.environment.slug}-{competitor.name}-v{revision.version}.zip"
    if settings.MEDIA_ACCEL_PREFIX and isinstance(revision.zip_file.storage, FileSystemStorage):
        # nginx sends the file from the media folder it mounts: no thread of ours streams it.
        if not revision.zip_file.storage.exists(revision.zip_file.name):
            raise Http404("this revision's zip is no longer stored")
        response = HttpResponse(content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["X-Accel-Redirect"] = (
            settings.MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + quote(revision.zip_file.name)
        )
        return response
    try:
        stored = revision.zip_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("this revision's zip is no longer stored") from exc
    return FileResponse(
        stored, as_attachment=True, filename=filename, content_type="application/zip"
    )


# Which log a revision's log address names, and its field.
REVISION_LOGS = {"build": "image_log", "validation-1": "test_log_1", "validation-2": "test_log_2"}


@require_GET
def revision_log(
    request: HttpRequest, slug: str, name: str, version: int, which: str
) -> HttpResponse:
    """A revision's whole build or validation log, for who may read it (404 for anyone else)."""
    competitor = get_competitor(slug, name)
    if which not in REVISION_LOGS or not can_see_private(request.user, competitor):
        raise Http404("no such log")
    field = REVISION_LOGS[which]
    text = competitor.revisions.filter(version=version).values_list(field, flat=True).first()
    if text is None:
        raise Http404("no such revision")
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    filename = f"{slug}-{name}-v{version}-{which}.log"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- Submission --------------------------------------------------------------------------

# A request this much longer than the zip limit cannot hold a zip within it: the other fields
# of the upload form (token, competitor) take a few hundred bytes.
FORM_OVERHEAD = 64 * 1024


class ZipSizeLimit(FileUploadHandler):
    """Stops keeping an upload once it is known to exceed ARENA_ZIP_MAX_BYTES.

    Runs before Django's own handlers, so nothing past the limit reaches memory or a temporary
    file. The rest of the request is read and dropped rather than cut off, so the browser gets
    the page with the message instead of a "connection reset".
    """

    def __init__(self, request: HttpRequest, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.too_large = False
        self._request_too_large = False

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: Any = None
    ) -> None:
        self._request_too_large = content_length > self.max_bytes + FORM_OVERHEAD

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self._request_too_large:
            self.too_large = True
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers keep the file


@dataclass(frozen=True)
class Limits:
    """The submission limits, as the submit page states them."""

    zip_bytes: int
    zip_size: str
    unpacked_size: str
    files: int
    per_hour: int
    validation_matches: int


def _limits() -> Limits:
    zip_rules = zip_limits()
    return Limits(
        zip_bytes=zip_rules.max_compressed,
        zip_size=human_size(zip_rules.max_compressed),
        unpacked_size=human_size(zip_rules.max_uncompressed),
        files=zip_rules.max_files,
        per_hour=settings.ARENA_SUBMISSIONS_PER_HOUR,
        validation_matches=settings.ARENA_VALIDATION_MATCHES,
    )


@login_required
@csrf_exempt  # checked by _submit, after the size limit is installed (Django's upload docs)
def submit(request: HttpRequest) -> HttpResponse:
    # Upload handlers must be in place before anything reads the request body, and the CSRF
    # check reads it: hence the check inside.
    limit = ZipSizeLimit(request, settings.ARENA_ZIP_MAX_BYTES)
    if request.method == "POST":
        request.upload_handlers.insert(0, limit)
    return _submit(request, limit)


@csrf_protect
def _submit(request: HttpRequest, size_limit: ZipSizeLimit) -> HttpResponse:
    user = request.user
    limits = _limits()
    action = request.POST.get("action") if request.method == "POST" else None
    competitor_form = CompetitorForm(
        request.POST if action == "create" else None,
        initial={"game": request.GET.get("game")},
    )
    upload_form = UploadForm(
        user,
        request.POST if action == "upload" else None,
        request.FILES if action == "upload" else None,
        initial={"competitor": _preselected(user, request.GET)},
    )
    if size_limit.too_large:
        # The file was dropped, so the form would only say that none was chosen.
        upload_form.fields["zip_file"].error_messages["required"] = (
            f"This zip is larger than the {limits.zip_size} allowed, so it was not uploaded: "
            "leave training data and checkpoints the player does not need out of it."
        )

    if action == "create" and competitor_form.is_valid():
        created = _create_competitor(user, competitor_form)
        if created is not None:
            messages.success(
                request,
                f"{created.name} now plays {created.environment.name}: upload its first "
                "revision below.",
            )
            return redirect(f"{reverse('submit')}?competitor={created.pk}#upload")
    if action == "upload" and upload_form.is_valid():
        revision = _upload(upload_form)
        if revision is not None:
            messages.success(
                request,
                f"Revision {revision.version} of {revision.competitor.name} is received. "
                "This page follows its build and validation.",
            )
            competitor = revision.competitor
            return redirect(
                "revision", competitor.environment.slug, competitor.name, revision.version
            )

    limited = rate_limited(user)
    return render(
        request,
        "web/competitors/submit.html",
        {
            "competitor_form": competitor_form,
            "upload_form": upload_form,
            "limits": limits,
            "has_competitors": upload_form.fields["competitor"].queryset.exists(),
            "rate_limited": str(limited) if limited else None,
        },
    )


def _preselected(user: User, query: Any) -> int | None:
    """The competitor to preselect: ?competitor=<id>, or the user's only one in ?game=<slug>."""
    if query.get("competitor", "").isdigit():
        return int(query["competitor"])
    if query.get("game"):
        ids = list(own_competitors(user).filter(environment__slug=query["game"]).values("pk")[:2])
        if len(ids) == 1:
            return ids[0]["pk"]
    return None


def _create_competitor(user: User, form: CompetitorForm) -> Competitor | None:
    game, name = form.cleaned_data["game"], form.cleaned_data["name"]
    try:
        with transaction.atomic():
            return Competitor.objects.create(
                owner=user, environment=game, name=name, is_public=form.cleaned_data["is_public"]
            )
    except IntegrityError:  # created by someone else since the form checked
        form.add_error("name", name_taken(game.name, name))
        return None


def _upload(form: UploadForm) -> Revision | None:
    competitor = form.cleaned_data["competitor"]
    try:
        with transaction.atomic():
            # One upload of a user at a time, so two at once cannot both pass the rate limit.
            list(User.objects.select_for_update().filter(pk=competitor.owner_id).values("pk"))
            limited = rate_limited(competitor.owner)
            if limited is not None:
                form.add_error(None, str(limited))
                return None
            return submit_revision(competitor, form.cleaned_data["zip_file"])
    except SubmissionError as exc:
        message = str(exc)
        # "the zip has no player.py" starts a sentence; "environment.yml is not..." keeps its case.
        if message.split(" ", 1)[0].isalpha():
            message = capfirst(message)
        form.add_error("zip_file", message if message.endswith(".") else f"{message}.")
        return None


_revision = "games/<slug:slug>/competitors/<slug:name>/revisions/<int:version>/"
urlpatterns = [
    path("submit/", submit, name="submit"),
    path("games/<slug:slug>/competitors/<slug:name>/", competitor, name="competitor"),
    path(_revision, revision, name="revision"),
    path(f"{_revision}status.json", revision_status, name="revision-status"),
    path(f"{_revision}source.zip", revision_source, name="revision-source"),
    path(f"{_revision}logs/<slug:which>.log", revision_log, name="revision-log"),
]
