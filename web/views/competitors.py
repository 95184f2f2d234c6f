"""Competitors and their revisions: the submission form, the pages that follow a build, sources.

Sources, logs and error messages follow :func:`web.access.can_see_private`; states, dates and
ranks are public.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from builder.submission import SubmissionError
from core.models import Competitor, Revision, User
from web import records, services
from web.access import (
    can_see_private,
    get_competitor,
    get_revision,
    get_revision_source,
    own_competitors,
    owns,
)
from web.downloads import send_stored_file
from web.forms import CompetitorForm, UploadForm
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


# --- Pages -------------------------------------------------------------------------------


DUELS_PER_PAGE = 20
CHALLENGES_SHOWN = 20  # the latest; the API's duel list has them all (kind "challenge")


@require_GET
def competitor(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    competitor = get_competitor(slug, name)
    may_see = can_see_private(request.user, competitor)
    # Logs can be long: the competitor page shows the latest revision's, each revision page
    # its own.
    revisions = competitor.revisions.defer(*services.REVISION_LOG_FIELDS, "test_duel")
    revisions = list(revisions.order_by("-version"))
    # Errors are private: their one line, for who may read them, links to the whole error.
    revision_rows = [
        (row, records.one_line(row.image_error or row.test_error) if may_see else "")
        for row in revisions
    ]
    latest = None
    if revisions and may_see:
        latest = competitor.revisions.get(pk=revisions[0].pk)
    participations = records.participations(competitor)
    wanted = records.DuelFilter.from_query(request.GET)
    page = Paginator(records.duels_of(competitor, wanted), DUELS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    seats = records.seat_record(competitor)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/competitors/competitor.html",
        {
            "competitor": competitor,
            "game": competitor.environment,
            "revision_rows": revision_rows,
            "latest": latest,
            "may_see": may_see,
            "is_owner": owns(request.user, competitor),
            "participations": participations[::-1],
            "chart": records.history_chart(participations, slug),
            "wanted": wanted,
            "opponents": records.opponents_of(competitor),
            "editions": sorted({p.tournament.edition for p in participations}, reverse=True),
            "duel_results": records.DUEL_RESULTS,
            "page": page,
            "page_links": list(page.paginator.get_elided_page_range(page.number, on_ends=1)),
            "ellipsis": Paginator.ELLIPSIS,
            "filter_query": query.urlencode(),
            "duel_rows": [records.duel_row(duel, competitor) for duel in page.object_list],
            "head_to_head": records.head_to_head(competitor),
            "seats": seats,
            "seat_rates": [("Moving first", seats.first), ("Moving second", seats.second)],
            # Challenges: unranked, listed apart; the form for a signed-in viewer.
            "challenges": [
                records.duel_row(duel, competitor)
                for duel in services.challenges_of(competitor)[:CHALLENGES_SHOWN]
            ],
            "challenge": (
                services.challenge_choices(request.user, competitor)
                if request.user.is_authenticated
                else None
            ),
        },
    )


@require_GET
def revision(request: HttpRequest, slug: str, name: str, version: int) -> HttpResponse:
    competitor = get_competitor(slug, name)
    revision = get_revision(competitor, version)
    done = services.revision_done(revision)
    # A failed revision's whole error, folded under its first line (the build's or the
    # validation's: a revision fails at one of them).
    errors = [
        {"key": key, "title": title, "text": text}
        for key, title, text in (
            ("build", "The build failed", revision.image_error),
            ("validation", "The validation failed", revision.test_error),
        )
        if text
    ]
    return render(
        request,
        "web/competitors/revision.html",
        {
            "competitor": competitor,
            "game": competitor.environment,
            "revision": revision,
            "steps": _steps(revision),
            "errors": errors,
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
    may_see = can_see_private(request.user, competitor)
    # Polled every second or two: without the logs, which can be long, but for the build log
    # while the build runs (its page shows it live, to who may read it).
    deferred = [f for f in services.REVISION_LOG_FIELDS if not (may_see and f == "image_log")]
    revisions = competitor.revisions.defer(*deferred, "test_duel")
    revision = get_revision(competitor, version, revisions)
    errors = None
    build_log = None
    if may_see:
        errors = {
            "build": clip(revision.image_error, ERROR_DISPLAY_CHARS),
            "validation": clip(revision.test_error, ERROR_DISPLAY_CHARS),
        }
        if not services.revision_done(revision):
            build_log = render_to_string(
                "web/competitors/_build_log.html", {"r": revision}, request=request
            )
    return JsonResponse(
        {
            "image_state": revision.image_state,
            "test_state": revision.test_state,
            "steps": _steps(revision),
            "errors": errors,
            "build_log_html": build_log,
            "done": services.revision_done(revision),
        }
    )


@require_GET
def revision_source(request: HttpRequest, slug: str, name: str, version: int) -> HttpResponse:
    revision = get_revision_source(request.user, slug, name, version)
    competitor = revision.competitor
    filename = f"{competitor.environment.slug}-{competitor.name}-v{revision.version}.zip"
    return send_stored_file(revision.zip_file, filename, "application/zip")


@require_GET
def revision_log(
    request: HttpRequest, slug: str, name: str, version: int, which: str
) -> HttpResponse:
    """A revision's whole build or validation log, for who may read it (404 for anyone else)."""
    competitor = get_competitor(slug, name)
    if which not in services.REVISION_LOGS or not can_see_private(request.user, competitor):
        raise Http404("no such log")
    field = services.REVISION_LOGS[which]
    text = competitor.revisions.filter(version=version).values_list(field, flat=True).first()
    if text is None:
        raise Http404("no such revision")
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    filename = f"{slug}-{name}-v{version}-{which}.log"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- Submission --------------------------------------------------------------------------


@login_required
@csrf_exempt  # checked by _submit, after the size limit is installed (Django's upload docs)
def submit(request: HttpRequest) -> HttpResponse:
    # Upload handlers must be in place before anything reads the request body, and the CSRF
    # check reads it: hence the check inside.
    limit = services.limit_upload_size(request) if request.method == "POST" else None
    return _submit(request, limit)


@csrf_protect
def _submit(request: HttpRequest, size_limit: services.ZipSizeLimit | None) -> HttpResponse:
    user = request.user
    limits = services.upload_limits()
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
    if size_limit is not None and size_limit.too_large:
        # The file was dropped, so the form would only say that none was chosen.
        upload_form.fields["zip_file"].error_messages["required"] = (
            f"This zip is larger than the {limits.zip_size} allowed, so it was not uploaded: "
            "leave training data and checkpoints the player does not need out of it."
        )

    if action == "create" and competitor_form.is_valid():
        created = create_competitor(user, competitor_form)
        if created is not None:
            messages.success(
                request,
                f"{created.name} now plays {created.environment.name}: upload its first "
                "revision below.",
            )
            return redirect(f"{reverse('submit')}?competitor={created.pk}#upload")
    if action == "upload" and upload_form.is_valid():
        revision = upload(upload_form)
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

    limited = services.rate_limited(user)
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


def create_competitor(user: User, form: CompetitorForm) -> Competitor | None:
    """The competitor the valid form describes, or None with the refusal added to the form."""
    data = form.cleaned_data
    try:
        return services.create_competitor(user, data["game"], data["name"], data["is_public"])
    except services.Refused as exc:
        form.add_error(exc.field, str(exc))
        return None


def upload(form: UploadForm) -> Revision | None:
    """The revision the valid form uploads, or None with the refusal added to the form."""
    try:
        return services.upload_revision(
            form.cleaned_data["competitor"], form.cleaned_data["zip_file"]
        )
    except services.Refused as exc:
        form.add_error(exc.field, str(exc))
    except services.UploadRateLimited as exc:
        form.add_error(None, str(exc))
    except SubmissionError as exc:
        form.add_error("zip_file", services.submission_error_sentence(exc))
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
