"""What the website and the API do, done one way for both.

Uploads within their limits and rate limit, creating a competitor, reading a duel's record
and its players' logs. The HTML views (``web.views``) and the API (``web.api.views``) call
these and only turn their answers and refusals into a page or JSON; neither imports the other.
Who may see what is :mod:`web.access`'s; what happens to a revision once stored is
:mod:`core.pipeline`'s.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from builder.models import RefusedUpload
from builder.submission import SubmissionError, ZipLimits, check_upload
from core import pipeline
from core.models import Competitor, Duel, Environment, Revision, User
from run_duel import stopping
from tournament_manager.services import duel_length
from web.access import challenge_refusal, get_revision, hide_private_log_tails
from web.logs import LOG_DISPLAY_CHARS

log = logging.getLogger(__name__)


class Refused(Exception):
    """A request the arena's rules refuse: the message says why and what to do instead.

    ``field`` names the input it is about (a form field, a JSON key), or None for the whole
    request, so a page shows it beside that field and the API under that key.
    """

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- Competitors -----------------------------------------------------------------------------

COMPETITOR_NAME_MAX_LENGTH = Competitor._meta.get_field("name").max_length
COMPETITOR_NAME_RULE = (
    "Use only letters, digits, hyphens and underscores, without spaces (for example my-minimax)."
)
GAME_CLOSED = "This game does not take submissions: choose one of the list."


def name_taken(game: str, name: str) -> str:
    return f"{game} already has a competitor named {name!r}: choose another name."


def create_competitor(owner: User, game: Environment, name: str, is_public: bool) -> Competitor:
    """A new competitor of ``owner`` in ``game``; raises :class:`Refused` when the game takes no
    submissions or the name is taken.

    Names differing only in case are taken too: nobody would tell them apart on a leaderboard.
    """
    if not game.active:
        raise Refused("game", GAME_CLOSED)
    if Competitor.objects.filter(environment=game, name__iexact=name).exists():
        raise Refused("name", name_taken(game.name, name))
    try:
        with transaction.atomic():
            return Competitor.objects.create(
                owner=owner, environment=game, name=name, is_public=is_public
            )
    except IntegrityError:  # created by someone else since the check above
        raise Refused("name", name_taken(game.name, name)) from None


# --- Revisions -------------------------------------------------------------------------------

# A revision's logs can be long: lists and polled answers load its rows without them.
REVISION_LOG_FIELDS = ("image_log", "test_log_1", "test_log_2")
# Which log a revision's log address names (web.views.competitors), and its field.
REVISION_LOGS = {"build": "image_log", "validation-1": "test_log_1", "validation-2": "test_log_2"}


def revision_done(revision: Revision) -> bool:
    """Whether the revision's build and validation are over (nothing more will change)."""
    return revision.image_state == Revision.IMAGE_FAILED or revision.test_state in (
        Revision.TEST_COMPLETED,
        Revision.TEST_FAILED,
    )


# --- Upload limits ---------------------------------------------------------------------------


def human_size(size: int) -> str:
    """100 MB, 1.5 MB, 20 KB: the limits as a participant reads them."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class UploadLimits:
    """The submission limits, as the submit page states them."""

    zip_bytes: int
    zip_size: str
    unpacked_size: str
    files: int
    per_hour: int
    validation_matches: int


def zip_rules() -> ZipLimits:
    """The arena's zip limits (:func:`core.pipeline.zip_limits`), as the zip checks take them."""
    return ZipLimits(**pipeline.zip_limits())


def upload_limits() -> UploadLimits:
    rules = zip_rules()
    return UploadLimits(
        zip_bytes=rules.max_compressed,
        zip_size=human_size(rules.max_compressed),
        unpacked_size=human_size(rules.max_uncompressed),
        files=rules.max_files,
        per_hour=settings.ARENA_SUBMISSIONS_PER_HOUR,
        validation_matches=settings.ARENA_VALIDATION_MATCHES,
    )


# What an upload without a usable file is told (the form's field and the API's).
ZIP_FILE_ERRORS = {
    "required": "Choose the zip file to upload.",
    "empty": "This file is empty: zip the folder that holds player.py and upload that.",
    "invalid": "No file arrived: choose the zip file again.",
}

# A request this much longer than the zip limit cannot hold a zip within it: the other fields
# of the upload form (token, competitor) take a few hundred bytes.
FORM_OVERHEAD = 64 * 1024


class ZipSizeLimit(FileUploadHandler):
    """Stops keeping an upload once it is known to exceed ARENA_ZIP_MAX_BYTES.

    Installed before Django's own handlers (:func:`limit_upload_size`), so nothing past the
    limit reaches memory or a temporary file. The rest of the request is read and dropped
    rather than cut off, so the client gets the answer that says why instead of a
    "connection reset".
    """

    def __init__(self, request: HttpRequest, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.too_large = False
        self.request_too_large = False

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: Any = None
    ) -> None:
        self.request_too_large = content_length > self.max_bytes + FORM_OVERHEAD

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.request_too_large:
            self.too_large = True
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers keep the file


def limit_upload_size(request: HttpRequest) -> ZipSizeLimit:
    """Install the zip size limit on a request whose body is not read yet; ``too_large`` of the
    handler returned says, once the body is read, that the zip was dropped."""
    limit = ZipSizeLimit(request, settings.ARENA_ZIP_MAX_BYTES)
    request.upload_handlers.insert(0, limit)
    return limit


# --- The upload rate limit -------------------------------------------------------------------

RATE_WINDOW = timedelta(hours=1)


class UploadRateLimited(Exception):
    """The owner's hour is full; the message says when to come back."""

    def __init__(self, at: datetime, refused: int = 0) -> None:
        super().__init__(rate_limit_message(at, refused))
        self.at = at

    def retry_after(self) -> int:
        """Seconds until the owner may upload again (at least 1)."""
        return max(1, int((self.at - timezone.now()).total_seconds()))


def recent_uploads(user: User) -> tuple[list[datetime], int]:
    """The times of the user's latest uploads in the hour (at most the limit), and how many
    of those were refused.

    Stored revisions and refused zips alike count: checking a hostile zip costs the site as
    much as storing a good one.
    """
    limit = settings.ARENA_SUBMISSIONS_PER_HOUR
    since = timezone.now() - RATE_WINDOW

    def newest(rows: QuerySet) -> list[datetime]:
        return list(rows.order_by("-created").values_list("created", flat=True)[:limit])

    stored = newest(Revision.objects.filter(competitor__owner=user, created__gte=since))
    refused = newest(RefusedUpload.objects.filter(owner=user, created__gte=since))
    times = [(at, False) for at in stored] + [(at, True) for at in refused]
    counted = sorted(times, reverse=True)[:limit]
    return [at for at, _ in counted], sum(was_refused for _, was_refused in counted)


def rate_limited(user: User) -> UploadRateLimited | None:
    """Why the user may not upload now (when again, and how many of the hour's zips were
    refused), or None if they may: per rolling hour, refused zips included."""
    recent, refused = recent_uploads(user)
    if len(recent) < settings.ARENA_SUBMISSIONS_PER_HOUR:
        return None
    # Once the limit-th most recent upload is an hour old, one more fits in the hour.
    return UploadRateLimited(recent[-1] + RATE_WINDOW, refused)


def next_submission_at(user: User) -> datetime | None:
    """When the user may upload again, or None if now."""
    limited = rate_limited(user)
    return None if limited is None else limited.at


def rate_limit_message(at: datetime, refused: int = 0) -> str:
    minutes = max(1, math.ceil((at - timezone.now()).total_seconds() / 60))
    limit = settings.ARENA_SUBMISSIONS_PER_HOUR
    uploaded = f"You uploaded {limit} revision{'s' if limit != 1 else ''} in the last hour"
    if refused:
        uploaded = (
            f"You uploaded {limit} zip{'s' if limit != 1 else ''} in the last hour, "
            f"{refused} of them refused"
        )
    return (
        f"{uploaded}, the most allowed: you can upload again at "
        f"{timezone.localtime(at):%H:%M} {timezone.get_current_timezone_name()}, in "
        f"{minutes} minute{'s' if minutes != 1 else ''}."
    )


def lock_uploads_of(user_pk: int) -> None:
    """Within a transaction: one upload of a user at a time, so parallel uploads cannot all
    pass the rate limit."""
    list(User.objects.select_for_update().filter(pk=user_pk).values("pk"))


# --- Uploading -------------------------------------------------------------------------------


def check_takes_submissions(competitor: Competitor) -> None:
    """Raises :class:`Refused` (about the competitor) when its game takes no new revision."""
    if not competitor.environment.active:
        raise Refused(
            "competitor",
            f"{competitor.environment.name} takes no new submissions at the moment.",
        )


def check_counted_upload(competitor: Competitor, uploaded_file: File | IO[bytes]) -> None:
    """The zip's checks, within the owner's rate limit.

    Raises :class:`UploadRateLimited` (without checking the zip) when the owner's hour is
    full, and :class:`SubmissionError` when the zip is refused; the refusal is recorded and
    takes a slot of the hour, so hammering the checks with hostile zips is not free.
    """
    owner = competitor.owner
    uploaded_file = as_file(uploaded_file)
    refusal: SubmissionError | None = None
    with transaction.atomic():
        lock_uploads_of(owner.pk)
        limited = rate_limited(owner)
        if limited is not None:
            raise limited
        try:
            check_upload(uploaded_file, zip_rules())
        except SubmissionError as exc:
            refusal = exc
            now = timezone.now()
            RefusedUpload.objects.filter(owner=owner, created__lt=now - RATE_WINDOW).delete()
            RefusedUpload.objects.create(
                owner=owner,
                competitor=competitor,
                created=now,
                reason=str(exc)[: RefusedUpload.MAX_REASON],
            )
    # Raised once the refusal is committed: inside the block it would be rolled back.
    if refusal is not None:
        raise refusal


def upload_revision(competitor: Competitor, uploaded_file: File | IO[bytes]) -> Revision:
    """The zip as the competitor's next revision, its build scheduled: the website's upload
    and the API's.

    Raises :class:`Refused` when the game takes no submissions, :class:`UploadRateLimited`
    when the owner's hour is full, :class:`SubmissionError` when the zip is refused (a refusal
    counts towards the rate limit).
    """
    check_takes_submissions(competitor)
    # Outside the transaction below, so a refusal stays recorded.
    check_counted_upload(competitor, uploaded_file)
    with transaction.atomic():
        # The zip passed, but another upload may have filled the hour since.
        lock_uploads_of(competitor.owner_id)
        limited = rate_limited(competitor.owner)
        if limited is not None:
            raise limited
        return submit_revision(competitor, uploaded_file)


def submit_revision(competitor: Competitor, uploaded_file: File | IO[bytes]) -> Revision:
    """Store the zip as the competitor's next revision and send it to its build: the one way a
    zip becomes a revision (the upload above, the demo, the tests), without the rate limit.

    The zip is checked here, before anything is stored, so the uploader hears of a rejection
    at once. Raises :class:`SubmissionError`, whose message is for the participant, when the
    zip cannot be used (not a zip, too large, no player.py, a malformed environment.yml...).
    """
    uploaded_file = as_file(uploaded_file)
    check_upload(uploaded_file, zip_rules())
    uploaded_file.seek(0)
    with transaction.atomic():
        # Locked, so two uploads at the same moment get consecutive versions.
        competitor = Competitor.objects.select_for_update().get(pk=competitor.pk)
        latest = competitor.revisions.aggregate(latest=Max("version"))["latest"] or 0
        revision = Revision(competitor=competitor, version=latest + 1)
        # The storage names the file (upload_to); the participant's file name is not used.
        revision.zip_file.save("submission.zip", uploaded_file, save=False)
        try:
            revision.save()
        except BaseException:
            revision.zip_file.delete(save=False)
            raise
        pipeline.advance(revision)  # its build
    return revision


def as_file(uploaded_file: File | IO[bytes]) -> File:
    """An open binary file as Django's storage takes it."""
    if isinstance(uploaded_file, File):
        return uploaded_file
    return File(uploaded_file, name=getattr(uploaded_file, "name", None))


def submission_error_sentence(exc: SubmissionError) -> str:
    """The zip checks' message as a sentence for the participant."""
    message = str(exc)
    # "the zip has no player.py" starts a sentence; "environment.yml is not..." keeps its case.
    if message.split(" ", 1)[0].isalpha():
        message = capfirst(message)
    return message if message.endswith(".") else f"{message}."


# --- Duel records and player logs ------------------------------------------------------------

# Player logs are capped by the runner (64 KiB head + 64 KiB tail); a page or an API answer
# shows at most this much of one (its beginning and end), with a link to the whole file, so a
# file the runner did not write (or a bigger cap) never makes a page of megabytes.
LOG_DISPLAY_LIMIT = LOG_DISPLAY_CHARS


def read_record(duel: Duel) -> dict[str, Any] | None:
    """The duel JSON, or None while there is none (scheduled, running, or lost in storage)."""
    if not duel.record_file:
        return None
    try:
        with duel.record_file.open("rb") as file:
            return json.load(file)
    except (OSError, ValueError) as exc:
        # A missing or corrupt file must not take the page down: the counters are in the row.
        log.error("cannot read the record of duel %s (%s): %s", duel.pk, duel.record_file, exc)
        return None


def read_log(field: FieldFile, whole_at: str = "") -> str | None:
    """The log's text, its beginning and end only when it is long (as ``web.logs.clip``), read
    without loading more of the file than is shown."""
    if not field:
        return None
    half = LOG_DISPLAY_LIMIT // 2
    try:
        with field.open("rb") as file:
            head = file.read(LOG_DISPLAY_LIMIT + 1)
            if len(head) <= LOG_DISPLAY_LIMIT:
                return head.decode("utf-8", "replace")
            size = field.size
            file.seek(max(len(head), size - half))
            tail = file.read(half)
    except OSError as exc:
        log.error("cannot read the player log %s: %s", field.name, exc)
        return None
    left_out = size - half - len(tail)
    where = f": the whole log is at {whole_at}" if whole_at else ""
    return (
        head[:half].decode("utf-8", "replace")
        + f"\n[… {left_out} bytes not shown{where} …]\n"
        + tail.decode("utf-8", "replace")
    )


def duel_log_url(duel: Duel, side: int) -> str:
    """The address of a player's whole log of the duel (web.views.duels.duel_log)."""
    return reverse("duel-log", args=[duel.pk, side])


def duel_log_field(duel: Duel, side: int) -> FieldFile:
    return duel.log_1 if side == 1 else duel.log_2


def player_log(duel: Duel, side: int, visible: dict[int, bool], whole_at: str = "") -> str | None:
    """A player's log of the duel as shown (:func:`read_log`), or None if the viewer may not
    read it (``visible``: :func:`web.access.visible_logs`): a private log is never even read
    for someone who may not see it."""
    if not visible[side]:
        return None
    return read_log(duel_log_field(duel, side), whole_at)


def get_match(
    duel: Duel, number: int, visible: dict[int, bool]
) -> tuple[dict[str, Any] | None, int]:
    """(the match's record or None if the duel has no record yet, how many matches there are).

    The record's error message is as the viewer may read it (``visible``:
    :func:`web.access.visible_logs`). Raises 404 for a number that is not a match of this duel.
    """
    record = read_record(duel)
    if record is None:
        if not 1 <= number <= duel.num_matches:
            raise Http404("this duel has no such match")
        return None, duel.num_matches
    matches = record.get("matches", [])
    if not 1 <= number <= len(matches):
        raise Http404(f"this duel has no match {number}: it has {len(matches)}")
    match = matches[number - 1]
    if match.get("error_msg"):
        match = {**match, "error_msg": hide_private_log_tails(match["error_msg"], visible)}
    return match, len(matches)


def match_export(duel: Duel, number: int, match: dict[str, Any]) -> dict[str, Any]:
    """The match record as in the duel JSON, plus what it is a match of."""
    players = {}
    for side, revision in ((1, duel.revision_1), (2, duel.revision_2)):
        players[f"player_{side}"] = {
            "competitor": revision.competitor.name,
            "version": revision.version,
        }
    return {
        "environment": duel.environment.slug,
        "rules_version": duel.rules_version,
        "duel": duel.pk,
        "number": number,
        **players,
        **match,
    }


# --- Challenges ------------------------------------------------------------------------------
#
# A challenge is a duel a participant asks for between one of their validated revisions and
# another (public, or their own): a Duel of kind CHALLENGE, played by the same task, sandboxes
# and limits as a tournament's, on its own lower-priority queue (core.pipeline), and never part
# of an edition, a ranking or a record's counts (tournament_manager, web.records).

CHALLENGE_WINDOW = timedelta(hours=24)


class ChallengeQuotaSpent(Refused):
    """The user's challenges of the last 24 hours, or at once, are spent; the message says
    the limit and when the next one is possible."""

    def __init__(self, message: str, at: datetime | None = None) -> None:
        super().__init__(None, message)
        self.at = at

    def retry_after(self) -> int:
        """Seconds until the next challenge is possible (at least 1; 60 when it depends on
        a running one)."""
        if self.at is None:
            return 60
        return max(1, int((self.at - timezone.now()).total_seconds()))


def challenge_length(game: Environment) -> int:
    """The most matches a challenge of ``game`` may have: its tournament duels' length."""
    return duel_length(game)


def challenge_revision(competitor: Competitor, version: int | None, field: str) -> Revision:
    """The competitor's revision ``version`` (404 if none), or its latest validated one;
    raises :class:`Refused` (about ``field``) when it has none."""
    if version is not None:
        return get_revision(competitor, version)
    revision = competitor.latest_valid_revision()
    if revision is None:
        raise Refused(
            field,
            f"{competitor.name} has no validated revision yet: wait for its validation, or "
            "name a version.",
        )
    revision.competitor = competitor
    return revision


def challenges_at_once(user: User) -> int:
    return Duel.objects.filter(
        kind=Duel.CHALLENGE, challenger=user, state__in=[Duel.SCHEDULED, Duel.RUNNING]
    ).count()


def challenge_quota_refusal(user: User) -> ChallengeQuotaSpent | None:
    """Why the user may not start a challenge now, or None if they may."""
    per_day = settings.ARENA_CHALLENGES_PER_DAY
    if per_day == 0:
        return ChallengeQuotaSpent("This arena takes no challenges (ARENA_CHALLENGES_PER_DAY=0).")
    recent = list(
        Duel.objects.filter(
            kind=Duel.CHALLENGE,
            challenger=user,
            created__gte=timezone.now() - CHALLENGE_WINDOW,
        )
        .order_by("-created")
        .values_list("created", flat=True)[:per_day]
    )
    if len(recent) >= per_day:
        # Once the per_day-th most recent one is 24 hours old, one more fits.
        at = recent[-1] + CHALLENGE_WINDOW
        plural = "s" if per_day != 1 else ""
        return ChallengeQuotaSpent(
            f"You have used your {per_day} challenge{plural} of the last 24 hours: the next one "
            f"is possible at {timezone.localtime(at):%H:%M} "
            f"{timezone.get_current_timezone_name()}.",
            at,
        )
    at_once = settings.ARENA_CHALLENGES_AT_ONCE
    if challenges_at_once(user) >= at_once:
        plural = "s" if at_once != 1 else ""
        return ChallengeQuotaSpent(
            f"You have {at_once} challenge{plural} waiting or playing, the most at once: the next "
            "one is possible when one of them has finished."
        )
    return None


def start_challenge(user: User, revision: Revision, opponent: Revision, matches: int) -> Duel:
    """A new challenge of ``user``: ``revision`` (player 1) against ``opponent`` for
    ``matches`` matches, sent to be played on commit. Raises :class:`Refused` when the rules
    refuse it (:func:`web.access.challenge_refusal`, the number of matches, a closed game) and
    :class:`ChallengeQuotaSpent` when the user's quota is spent."""
    refusal = challenge_refusal(user, revision, opponent)
    if refusal is not None:
        raise Refused(*refusal)
    game = revision.competitor.environment
    if not game.active:
        raise Refused("game", f"{game.name} is closed: it takes no more challenges.")
    longest = challenge_length(game)
    if not 1 <= matches <= longest:
        raise Refused(
            "matches",
            f"A challenge of {game.name} has from 1 to {longest} matches (its duel length): "
            f"{matches} is not possible.",
        )
    with transaction.atomic():
        # One challenge of a user at a time, so parallel requests cannot all pass the quota.
        list(User.objects.select_for_update().filter(pk=user.pk).values("pk"))
        spent = challenge_quota_refusal(user)
        if spent is not None:
            raise spent
        duel = Duel.objects.create(
            environment=game,
            kind=Duel.CHALLENGE,
            challenger=user,
            revision_1=revision,
            revision_2=opponent,
            rules_version=game.rules_version,
            num_matches=matches,
            # Every match chosen is played: a challenge is its challenger's measure.
            early_stop=stopping.OFF,
            heartbeat=timezone.now(),
        )
        pipeline.send_duels([duel])
    log.info(
        "%s challenged %s with %s (%s matches): duel %s", user, opponent, revision, matches, duel.pk
    )
    return duel


def challenges_of(competitor: Competitor) -> QuerySet[Duel]:
    """The challenges the competitor played or plays (either side), newest first."""
    return (
        Duel.objects.filter(kind=Duel.CHALLENGE)
        .filter(Q(revision_1__competitor=competitor) | Q(revision_2__competitor=competitor))
        .select_related("challenger", "revision_1__competitor", "revision_2__competitor")
        .prefetch_related("tournaments")  # none: duel_row asks
        .order_by("-created", "-pk")
    )


@dataclass
class ChallengeChoices:
    """What the challenge form of a competitor's page offers a viewer: their validated
    revisions of the game (theirs to play with), the competitor's validated versions, the most
    matches; or why there is no form (``reason``)."""

    revisions: list[Revision]
    opponent_versions: list[int]
    longest: int
    reason: str = ""
    per_day: int = dataclasses.field(default_factory=lambda: settings.ARENA_CHALLENGES_PER_DAY)


def challenge_choices(user: User, competitor: Competitor) -> ChallengeChoices:
    game = competitor.environment
    longest = challenge_length(game)
    if not game.active:
        return ChallengeChoices([], [], longest, f"{game.name} is closed: no more challenges.")
    if not competitor.is_public and competitor.owner_id != user.pk:
        return ChallengeChoices([], [], longest, "It is private: only its owner challenges it.")
    # Both lists always (two queries, whatever the page shows): the page's cost stays flat.
    versions = list(
        competitor.revisions.filter(test_state=Revision.TEST_COMPLETED)
        .order_by("-version")
        .values_list("version", flat=True)
    )
    revisions = list(
        Revision.objects.filter(
            competitor__owner=user,
            competitor__environment=game,
            test_state=Revision.TEST_COMPLETED,
        )
        .select_related("competitor")
        .defer(*REVISION_LOG_FIELDS, "test_duel")
        .order_by("competitor__name", "-version")
    )
    if not versions:
        return ChallengeChoices([], [], longest, "It has no validated revision to challenge yet.")
    if not revisions:
        return ChallengeChoices(
            [],
            versions,
            longest,
            f"You can challenge it once one of your {game.name} revisions has passed validation.",
        )
    return ChallengeChoices(revisions, versions, longest)
