"""The flow of the arena's work: which task comes next, how failed work is tried again, and
what becomes of work whose worker went silent.

A revision goes through three stages, a duel through one::

    submitted  IMAGE_SCHEDULED                    -> builder.tasks.build_revision
    built      IMAGE_COMPLETED, TEST_SCHEDULED    -> duel_runner.tasks.validate_revision
    valid      TEST_COMPLETED, PUBLISH_SCHEDULED  -> publisher.tasks.publish_revision
    scheduled  Duel.SCHEDULED                     -> duel_runner.tasks.run_duel
    finished   Duel.COMPLETED or FAILED           -> the "duel finished" hooks (the ranking)

A revision whose build or validation failed, or that validated, and an edition whose last
duel ended, run the "revision finished" and "edition finished" hooks (the owner's
notifications).

This module is the only one that knows that order. A stage's task claims its row, calls its
pure layer, records the outcome (:mod:`core.work`) and tells the pipeline what happened
(:func:`advance`, :func:`retry`, :func:`duel_finished`); it names no other stage. The pipeline
sends the next task by its Celery *name*, looked up in the app's registry, so ``core`` imports
no stage package, and eager mode (the embedded demo, no broker) still runs the task at once,
which ``app.send_task`` would not.

When a duel finishes, its tournaments' rankings must change in the transaction that records
it (``finish(..., then=...)``): a duel counted and a ranking not updated must never be
committed apart. That is a function call, not a task: a task sent by name runs later, in
another transaction, or, run in place with ``apply()``, swallows its errors into a result
instead of rolling the outcome back. So the pipeline keeps a small registry of hooks that
run in the caller's transaction; ``tournament_manager`` registers its ranking there when
its app is ready (:func:`on_duel_finished`). Core calls it without importing it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from celery import Task
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from core.celery import app
from core.models import Duel, Revision, Tournament
from core.work import gave_up
from run_duel.outcomes import ERROR

log = logging.getLogger(__name__)

# The stages' tasks, by the names the workers register them under.
BUILD = "builder.tasks.build_revision"
VALIDATE = "duel_runner.tasks.validate_revision"
PUBLISH = "publisher.tasks.publish_revision"
RUN_DUEL = "duel_runner.tasks.run_duel"

# Challenges (unranked duels a participant asks for) are played by the same task on a queue of
# their own, which workers read after the default one (core/celery.py): a tournament's duels
# never wait behind challenges.
CHALLENGES_QUEUE = "challenges"


@dataclass(frozen=True)
class Work:
    """One kind of work on a row: its task, its states, and how often it is tried.

    ``running`` is None for work with no running state (publishing: its claim alone says who
    works on it, and the sweep leaves it alone). Delays double from ``first_delay`` up to
    ``max_delay``; ``max_attempts`` reads the settings when asked, so a test may change them.
    """

    name: str
    task: str
    model: type[models.Model]
    state_field: str
    scheduled: str
    running: str | None
    failed: str
    error_field: str
    attempts_field: str | None
    max_attempts: Callable[[], int]
    first_delay: float
    max_delay: float


BUILDS = Work(
    name="builds",
    task=BUILD,
    model=Revision,
    state_field="image_state",
    scheduled=Revision.IMAGE_SCHEDULED,
    running=Revision.IMAGE_RUNNING,
    failed=Revision.IMAGE_FAILED,
    error_field="image_error",
    attempts_field="image_attempts",
    max_attempts=lambda: settings.ARENA_MAX_BUILD_ATTEMPTS,
    first_delay=10.0,
    max_delay=600.0,
)
VALIDATIONS = Work(
    name="validations",
    task=VALIDATE,
    model=Revision,
    state_field="test_state",
    scheduled=Revision.TEST_SCHEDULED,
    running=Revision.TEST_RUNNING,
    failed=Revision.TEST_FAILED,
    error_field="test_error",
    attempts_field="test_attempts",
    max_attempts=lambda: settings.ARENA_MAX_VALIDATION_ATTEMPTS,
    first_delay=10.0,
    max_delay=300.0,
)
DUELS = Work(
    name="duels",
    task=RUN_DUEL,
    model=Duel,
    state_field="state",
    scheduled=Duel.SCHEDULED,
    running=Duel.RUNNING,
    failed=Duel.FAILED,
    error_field="error_msg",
    attempts_field="attempts",
    max_attempts=lambda: settings.ARENA_MAX_DUEL_ATTEMPTS,
    first_delay=5.0,
    max_delay=300.0,
)
# The row counts no publishing attempts: the message carries them (Celery's ``retries``).
PUBLISHING = Work(
    name="publishing",
    task=PUBLISH,
    model=Revision,
    state_field="publish_state",
    scheduled=Revision.PUBLISH_SCHEDULED,
    running=None,
    failed=Revision.PUBLISH_FAILED,
    error_field="publish_error",
    attempts_field=None,
    max_attempts=lambda: settings.ARENA_PUBLISH_RETRIES + 1,
    first_delay=30.0,
    max_delay=1800.0,
)

# What the sweep looks after: the work a worker holds while it runs.
SWEPT = (BUILDS, VALIDATIONS, DUELS)


# --- Sending --------------------------------------------------------------------------------


def task(name: str) -> Task:
    """The registered task called ``name``, every app's tasks module imported first if needed.

    A web process imports no stage's tasks by itself; autodiscovery (the same import a worker
    does at start) registers them. Unknown names raise KeyError: a typo fails where it is sent.
    """
    try:
        return app.tasks[name]
    except KeyError:
        app.loader.import_default_modules()
        return app.tasks[name]


def send(name: str, *args: Any, **options: Any) -> None:
    """Send the task ``name`` when the current transaction commits: a worker never sees a row
    too early, nor one that was rolled back. ``options`` go to ``apply_async`` (``countdown``).
    """
    found = task(name)
    if options:
        transaction.on_commit(lambda: found.apply_async(args=list(args), **options))
    else:
        transaction.on_commit(lambda: found.delay(*args))


def next_task(revision: Revision) -> str | None:
    """The task a revision waits for in its current states, or None (done, failed or busy)."""
    if revision.image_state == Revision.IMAGE_SCHEDULED:
        return BUILD
    if revision.image_state != Revision.IMAGE_COMPLETED:
        return None
    if revision.test_state == Revision.TEST_SCHEDULED:
        return VALIDATE
    if (
        revision.test_state == Revision.TEST_COMPLETED
        and revision.publish_state == Revision.PUBLISH_SCHEDULED
    ):
        # Every valid revision goes: the publisher skips a private competitor's.
        return PUBLISH
    return None


def next_duel_task(duel: Duel) -> str | None:
    return RUN_DUEL if duel.state == Duel.SCHEDULED else None


def advance(revision: Revision) -> None:
    """Send the revision on to its next stage, if it has one (on commit).

    Called by whoever just saved its states: the submission, a finished build, a passed
    validation.
    """
    name = next_task(revision)
    if name is not None:
        send(name, revision.pk)


def duel_options(duel: Duel) -> dict[str, Any]:
    """How the duel's task is sent: a challenge goes to its own queue, the rest to the default."""
    return {"queue": CHALLENGES_QUEUE} if duel.kind == Duel.CHALLENGE else {}


def send_duels(duels: Iterable[Duel]) -> None:
    """Send the scheduled ones of ``duels`` to be played (on commit)."""
    for duel in duels:
        name = next_duel_task(duel)
        if name is not None:
            send(name, duel.pk, **duel_options(duel))


# --- Trying again ---------------------------------------------------------------------------


def may_retry(work: Work, attempts: int) -> bool:
    """Whether work that failed on the arena's side after ``attempts`` tries gets another."""
    return attempts < work.max_attempts()


def retry_delay(work: Work, attempts: int) -> float:
    """Seconds before the next try after ``attempts`` of them: doubling, capped per kind.

    Builds wait 10, 20, 40... s (at most 10 min), validations 10, 20... (5 min), duels 5,
    10... (5 min), publishing 30, 60... (30 min: a repository out of reach stays so a while).
    """
    return min(work.max_delay, work.first_delay * 2 ** max(0, attempts - 1))


def retry(work: Work, pk: int, attempts: int, **options: Any) -> float:
    """Send the row's task again after its backoff delay (on commit); returns the delay.

    The row is already back in its scheduled state. Not ``task.retry()``: run eagerly (the
    embedded demo) it raises ``Retry`` through the caller; a new message does the same job.
    It carries ``attempts`` as Celery's ``retries``, which publishing counts by. ``options``
    go to ``apply_async`` too (a challenge's ``queue``: :func:`duel_options`).
    """
    delay = retry_delay(work, attempts)
    send(work.task, pk, countdown=delay, retries=attempts, **options)
    return delay


# --- A duel's end ---------------------------------------------------------------------------

_duel_finished_hooks: list[Callable[[Duel], None]] = []


def on_duel_finished(hook: Callable[[Duel], None]) -> None:
    """Have ``hook(duel)`` run in the transaction that records each duel's end (once)."""
    if hook not in _duel_finished_hooks:
        _duel_finished_hooks.append(hook)


def duel_finished(duel: Duel) -> None:
    """A duel ended (played, failed or given up): run the hooks, in the caller's transaction."""
    for hook in _duel_finished_hooks:
        hook(duel)


# --- A revision's end, an edition's end ----------------------------------------------------
#
# Hooks like the duel's, for what follows from these ends without being part of the flow (the
# owner's notifications, registered by the web app). They run in the caller's transaction, so
# what they do must be light (send a task on commit) and must not fail: they run after the
# outcome is saved, and an error would roll it back.

_revision_finished_hooks: list[Callable[[Revision], None]] = []
_edition_finished_hooks: list[Callable[[Tournament], None]] = []


def on_revision_finished(hook: Callable[[Revision], None]) -> None:
    """Have ``hook(revision)`` run when a revision failed its build or validation, or passed."""
    if hook not in _revision_finished_hooks:
        _revision_finished_hooks.append(hook)


def revision_finished(revision: Revision) -> None:
    """A build or validation saved its outcome: tell the hooks if the revision's fate is now
    known (failed, or validated), then send it on to its next stage, if it has one."""
    failed = Revision.IMAGE_FAILED, Revision.TEST_FAILED
    if revision.image_state in failed or revision.test_state in (*failed, Revision.TEST_COMPLETED):
        for hook in _revision_finished_hooks:
            hook(revision)
    advance(revision)


def on_edition_finished(hook: Callable[[Tournament], None]) -> None:
    """Have ``hook(tournament)`` run when an edition's last duel ended (once per edition)."""
    if hook not in _edition_finished_hooks:
        _edition_finished_hooks.append(hook)


def edition_finished(tournament: Tournament) -> None:
    """An edition ended, in the transaction that ends it: run the hooks."""
    for hook in _edition_finished_hooks:
        hook(tournament)


# --- The sweep ------------------------------------------------------------------------------


def requeue_stuck_work(stale_after: float | None = None) -> dict[str, int]:
    """Give back work whose worker went silent, and re-send scheduled work nobody took.

    Sending a task twice is harmless (the claim lets only one run), so this errs on the side
    of sending. Each claim counts an attempt; work that used up its attempts is ended (failed,
    with the reason) instead of being sent again, so nothing is tried forever: not a build
    whose ``setup.py`` kills its worker, not a duel that takes a worker down with it.
    """
    stale_after = settings.ARENA_STUCK_AFTER if stale_after is None else stale_after
    cutoff = timezone.now() - timezone.timedelta(seconds=stale_after)
    # Work never claimed has no heartbeat yet: its age is its creation's.
    stale = Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True, created__lt=cutoff)
    counts = {}
    for work in SWEPT:
        max_attempts = work.max_attempts()
        with transaction.atomic():
            rows = list(
                work.model.objects.select_for_update(skip_locked=True)
                .filter(stale, **{f"{work.state_field}__in": [work.running, work.scheduled]})
                .values_list("pk", work.state_field, work.attempts_field)
            )
            spent = [pk for pk, _, tries in rows if tries >= max_attempts]
            for pk in spent:
                _give_up(work, pk, gave_up(max_attempts, "its worker stopped answering"))
            ids = [pk for pk, _, tries in rows if tries < max_attempts]
            work.model.objects.filter(pk__in=ids).update(
                **{work.state_field: work.scheduled},
                claim=None,
                worker="",
                heartbeat=timezone.now(),
            )
            if work is DUELS:  # each to its queue: a challenge to its own (duel_options)
                for duel in Duel.objects.filter(pk__in=ids).only("pk", "kind"):
                    send(work.task, duel.pk, **duel_options(duel))
            else:
                for pk in ids:
                    send(work.task, pk)
        counts[work.name] = len(ids)
        counts[f"{work.name} given up"] = len(spent)
        taken_back = sum(1 for _, state, _ in rows if state == work.running)
        if taken_back:
            log.warning("took back %s %s whose worker went silent", taken_back, work.name)
        if spent:
            log.error(
                "gave up %s %s after %s attempts: %s", len(spent), work.name, max_attempts, spent
            )
    return counts


def _give_up(work: Work, pk: int, reason: str) -> None:
    """End work that used up its attempts: failed, never charged to a player's record."""
    now = timezone.now()
    fields: dict[str, Any] = {
        work.state_field: work.failed,
        work.error_field: reason,
        "claim": None,
        "worker": "",
        "heartbeat": now,
    }
    if work is DUELS:
        fields.update(result=ERROR, finished=now)
    work.model.objects.filter(pk=pk).update(**fields)
    if work is DUELS:
        duel_finished(Duel.objects.select_related("environment").get(pk=pk))
    else:
        revision_finished(Revision.objects.get(pk=pk))  # its build or validation failed


# --- Settings the stages share --------------------------------------------------------------


def zip_limits() -> dict[str, int]:
    """What a submitted zip may hold, checked on upload, again when built and when published:
    the keyword arguments of :class:`builder.submission.ZipLimits`, whose pure rules apply
    them (core names the settings and imports nothing of the builder)."""
    return {
        "max_compressed": settings.ARENA_ZIP_MAX_BYTES,
        "max_uncompressed": settings.ARENA_ZIP_MAX_UNPACKED_BYTES,
        "max_files": settings.ARENA_ZIP_MAX_FILES,
    }
