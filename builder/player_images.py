"""The server's player images: the registry's credentials, what a worker runs for a revision,
and the pruning of superseded images (Celery beat, and ``manage.py prune_images``).

The rules themselves are in :mod:`builder.registry` (no Django); this module only reads the
settings and the database for them.

Pruning removes images from the Docker engine of the host that runs it: beat's task on
whichever worker takes it, ``manage.py prune_images`` on a worker machine (its cron, see
terraform/cloud-init). The registry refuses deletes (REGISTRY_STORAGE_DELETE_ENABLED=false):
its superseded tags are listed by ``prune_images --registry-tags`` for the maintainer's
garbage collection (DEPLOY.md, "The registry and player images").
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from builder.image import prune_dependency_images
from builder.registry import (
    RevisionFacts,
    in_use_by_containers,
    prunable_revisions,
    remove_revision_images,
)
from core.models import Duel, Revision
from run_duel.docker_sandbox import REVISION_LABEL, docker_client, image_exists
from run_duel.images import RegistryAuth, pinned_reference
from run_duel.sandboxes import DOCKER, choose_sandbox

log = logging.getLogger(__name__)

# An API move asked for and not answered within this long is over, whatever its row says.
API_MOVE_HORIZON = timedelta(hours=1)


def registry_auth() -> RegistryAuth:
    return RegistryAuth(settings.ARENA_REGISTRY_USERNAME, settings.ARENA_REGISTRY_PASSWORD)


def run_reference(revision: Revision) -> str:
    """The image a worker runs for the revision: by digest, never by its movable tag."""
    return pinned_reference(revision.image_name, revision.image_digest, settings.ARENA_REGISTRY)


def revisions_in_use() -> set[int]:
    """Revisions the database says something needs now: a scheduled or running duel, a
    validation, a human match, an API move not answered yet."""
    duels = Duel.objects.filter(state__in=[Duel.SCHEDULED, Duel.RUNNING])
    used = set(duels.values_list("revision_1_id", flat=True))
    used |= set(duels.values_list("revision_2_id", flat=True))
    human_match = apps.get_model("core", "HumanMatch")
    used |= set(
        human_match.objects.filter(state__in=human_match.ACTIVE_STATES).values_list(
            "revision_id", flat=True
        )
    )
    try:
        api_move = apps.get_model("core", "ApiMove")
    except LookupError:  # an arena without the API's move records
        pass
    else:
        recent = timezone.now() - API_MOVE_HORIZON
        used |= set(
            api_move.objects.filter(outcome__isnull=True, created__gte=recent).values_list(
                "revision_id", flat=True
            )
        )
    return used


def revision_facts() -> dict[int, tuple[RevisionFacts, Revision]]:
    """Every revision, as the pruning rule sees it (those without an image decide which
    revision is the latest valid one too)."""
    unsettled_images = [Revision.IMAGE_SCHEDULED, Revision.IMAGE_RUNNING]
    unsettled_tests = [Revision.TEST_PENDING, Revision.TEST_SCHEDULED, Revision.TEST_RUNNING]
    revisions = Revision.objects.only(
        "pk",
        "competitor_id",
        "version",
        "image_state",
        "test_state",
        "image_name",
        "sandbox",
        "image_digest",
    )
    return {
        revision.pk: (
            RevisionFacts(
                id=revision.pk,
                competitor_id=revision.competitor_id,
                version=revision.version,
                valid=revision.test_state == Revision.TEST_COMPLETED,
                settled=revision.image_state not in unsettled_images
                and revision.test_state not in unsettled_tests,
            ),
            revision,
        )
        for revision in revisions
    }


@dataclass
class PruneReport:
    pruned: list[int] = field(default_factory=list)  # revisions whose images went
    kept_in_use: list[int] = field(default_factory=list)  # a container still uses the image
    # repository:tag in the registry, for its garbage collection (deletes are refused there)
    registry_tags: list[str] = field(default_factory=list)
    dependencies: int = 0  # installed-packages images untagged, being a week old

    def summary(self) -> str:
        return (
            f"pruned the images of {len(self.pruned)} superseded revisions; "
            f"{len(self.kept_in_use)} kept, still in use by a container; "
            f"{self.dependencies} week-old images of installed packages untagged"
        )


def prune_player_images(
    client: Any = None, *, dry_run: bool = False, registry_only: bool = False
) -> PruneReport:
    """Remove this host's images of the revisions nobody needs (:func:`prunable_revisions`).

    ``registry_only``: only list the registry's tags of those revisions (no Docker needed:
    the web container can say it), for the registry's garbage collection.
    """
    facts = revision_facts()
    in_use = revisions_in_use()
    # Only whether this host has a Docker engine to prune: a process revision's folder goes
    # whatever sandbox the arena runs.
    uses_docker = not registry_only and choose_sandbox(settings.ARENA_SANDBOX) == DOCKER
    if uses_docker and client is None:
        client = docker_client()
    if uses_docker:
        # A sandbox on this host the database does not know of yet (an API move just started).
        in_use |= in_use_by_containers(client, REVISION_LABEL)
    report = PruneReport()
    for revision_id in sorted(prunable_revisions((fact for fact, _ in facts.values()), in_use)):
        revision = facts[revision_id][1]
        if revision.image_state != Revision.IMAGE_COMPLETED or not revision.image_name:
            continue  # no image to remove
        if settings.ARENA_REGISTRY and revision.image_name.startswith(
            f"{settings.ARENA_REGISTRY}/"
        ):
            report.registry_tags.append(
                revision.image_name.removeprefix(f"{settings.ARENA_REGISTRY}/")
            )
        if registry_only:
            continue
        if revision.sandbox == Revision.SANDBOX_PROCESS:
            folder = Path(revision.image_name)
            if folder.exists():
                report.pruned.append(revision_id)
                if not dry_run:
                    shutil.rmtree(folder, ignore_errors=True)
            continue
        if not uses_docker:
            continue
        # The tag first: removing the last reference removes the image, unless a container
        # uses it (Docker refuses without force, and the image waits for the next pruning).
        references = [revision.image_name, run_reference(revision)]
        if dry_run:
            if any(image_exists(client, reference) for reference in references):
                report.pruned.append(revision_id)
            continue
        removal = remove_revision_images(client, references)
        if removal.kept:
            report.kept_in_use.append(revision_id)
        elif removal.removed:
            report.pruned.append(revision_id)
    if uses_docker and not dry_run:
        report.dependencies = prune_dependency_images(client)
    return report


@shared_task(name="builder.player_images.prune_player_images", acks_late=False)
def prune_player_images_task() -> str:
    """Beat's pruning of this worker's host; running it twice at once is harmless."""
    report = prune_player_images()
    log.info("%s", report.summary())
    return report.summary()
