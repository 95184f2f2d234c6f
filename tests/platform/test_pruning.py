"""Superseded player images go, the needed ones stay: the rule alone, then on the real
PostgreSQL and Docker engine, through ``manage.py prune_images`` and beat's schedule."""

from __future__ import annotations

import contextlib
import io
import itertools
import random
import uuid

import docker.errors
import pytest
from django.core.management import call_command

from builder.registry import RevisionFacts, prunable_revisions
from core.models import Duel, Revision
from tests.conftest import BASE_IMAGE
from tests.platform import factories

# Revision ids of their own: other test runs on this Docker engine label their sandbox
# containers with their own databases' revision ids, which the pruner would take as in use.
_ids = itertools.count(random.randrange(10**9, 2 * 10**9 - 10**6))


def row(comp=None, **fields) -> Revision:
    return factories.valid_revision(comp, pk=next(_ids), **fields)


def facts(id: int, competitor: int, version: int, valid: bool = True, settled: bool = True):
    return RevisionFacts(id, competitor, version, valid, settled)


def test_the_rule_keeps_the_latest_valid_the_unsettled_and_the_used_revisions():
    revisions = [
        facts(1, competitor=1, version=1),  # superseded by 2
        facts(2, competitor=1, version=2),  # latest valid
        facts(3, competitor=1, version=3, valid=False),  # failed its validation: superseded
        facts(4, competitor=1, version=4, valid=False, settled=False),  # being validated
        facts(5, competitor=2, version=1),  # superseded, but used
        facts(6, competitor=2, version=2),
        facts(7, competitor=3, version=1, valid=False),  # never valid, nothing newer
    ]
    assert prunable_revisions(revisions, in_use={5}) == {1, 3, 7}
    assert prunable_revisions(revisions, in_use=set()) == {1, 3, 5, 7}
    # The latest valid revision stays even when newer ones failed or are still running.
    assert 2 not in prunable_revisions(revisions, in_use=set())
    assert prunable_revisions([], in_use={1}) == set()


@pytest.fixture
def images(docker_client):
    """Small images of their own (the base image with a label), removed afterwards."""
    made: list[str] = []

    def make(name: str) -> str:
        dockerfile = f"FROM {BASE_IMAGE}\nLABEL org.rl-arena.test-prune={uuid.uuid4().hex}\n"
        image, _ = docker_client.images.build(
            fileobj=io.BytesIO(dockerfile.encode()), tag=name, pull=False, rm=True
        )
        made.append(image.id)
        return image.id

    yield make
    for image_id in made:
        with contextlib.suppress(docker.errors.ImageNotFound):
            docker_client.images.remove(image_id, force=True)


def exists(docker_client, image_id: str) -> bool:
    try:
        docker_client.images.get(image_id)
    except docker.errors.ImageNotFound:
        return False
    return True


@pytest.mark.django_db
@pytest.mark.docker
def test_prune_images_removes_the_superseded_images_and_keeps_the_needed_ones(
    docker_client, images, settings
):
    from core.models import ApiMove, ApiToken, HumanMatch

    settings.ARENA_SANDBOX = "docker"
    settings.ARENA_REGISTRY = ""
    repository = f"arena-test-prune-{uuid.uuid4().hex[:8]}"
    tags = iter(range(1, 100))

    def revision(comp, **fields) -> tuple[Revision, str]:
        name = f"{repository}:{next(tags)}"
        image_id = images(name)
        made = row(comp, image_name=name, image_digest=image_id, **fields)
        return made, image_id

    alice, bob, carol = (factories.competitor() for _ in range(3))
    superseded, superseded_image = revision(alice)
    _, failed_image = revision(alice, test_state=Revision.TEST_FAILED)
    _, latest_image = revision(alice)
    _, validating_image = revision(alice, test_state=Revision.TEST_RUNNING)

    in_a_duel, in_a_duel_image = revision(bob)
    in_a_match, in_a_match_image = revision(bob)
    asked_a_move, asked_a_move_image = revision(bob)
    bob_latest, bob_latest_image = revision(bob)
    Duel.objects.create(
        environment=bob.environment,
        revision_1=in_a_duel,
        revision_2=bob_latest,
        rules_version=1,
        num_matches=2,
        state=Duel.SCHEDULED,
    )
    HumanMatch.objects.create(
        revision=in_a_match, user=factories.user(), human_first=True, state=HumanMatch.RUNNING
    )
    asker = factories.user()
    ApiToken.create_for(asker)
    move = ApiMove.objects.create(token=asker.api_token, revision=asked_a_move)  # no outcome yet

    # A container holds this one (an API move that just started, say): Docker keeps it too.
    held, held_image = revision(carol)
    revision(carol)
    container = docker_client.containers.create(
        held.image_digest,
        command=["true"],
        labels={"org.rl-arena.revision": str(held.pk)},
    )
    try:
        dry = io.StringIO()
        call_command("prune_images", "--dry-run", stdout=dry)
        assert f"would prune the image of revision {superseded.pk}" in dry.getvalue()
        assert exists(docker_client, superseded_image)  # a dry run removes nothing

        out = io.StringIO()
        call_command("prune_images", stdout=out)
        gone = {superseded_image, failed_image}
        kept = {
            latest_image,
            validating_image,
            in_a_duel_image,
            in_a_match_image,
            asked_a_move_image,
            bob_latest_image,
            held_image,
        }
        assert {image for image in gone | kept if not exists(docker_client, image)} == gone
        assert "pruned the images of 2 superseded revisions" in out.getvalue()

        # Once the duel and the match are over and the container gone, they go too.
        Duel.objects.filter(revision_1=in_a_duel).update(state=Duel.COMPLETED)
        HumanMatch.objects.filter(revision=in_a_match).update(state=HumanMatch.FINISHED)
        ApiMove.objects.filter(pk=move.pk).update(outcome={"action": 0})
        container.remove(force=True)
        call_command("prune_images", stdout=io.StringIO())
        released = {
            "duel": in_a_duel_image,
            "match": in_a_match_image,
            "move": asked_a_move_image,
            "container": held_image,
        }
        assert [name for name, image in released.items() if exists(docker_client, image)] == []
        for image in (latest_image, validating_image, bob_latest_image):
            assert exists(docker_client, image)
        # The rows stay: the history of every revision is kept, only its image went.
        assert Revision.objects.get(pk=superseded.pk).image_name
    finally:
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)


@pytest.mark.django_db
@pytest.mark.docker
def test_an_image_a_container_uses_is_never_removed_even_if_the_database_forgets_it(
    docker_client, images, settings
):
    """Docker refuses to remove, without force, an image a container uses: the last guard."""
    from builder.player_images import prune_player_images

    settings.ARENA_SANDBOX = "docker"
    settings.ARENA_REGISTRY = ""
    comp = factories.competitor()
    name = f"arena-test-prune-{uuid.uuid4().hex[:8]}:1"
    old = row(comp, image_name=name, image_digest=images(name))
    row(comp)
    # Unlabelled: neither the database nor the sandbox label says it is in use.
    container = docker_client.containers.create(old.image_digest, command=["true"])
    try:
        report = prune_player_images(docker_client)
        assert report.kept_in_use == [old.pk]
        assert exists(docker_client, old.image_digest)
    finally:
        container.remove(force=True)
    assert prune_player_images(docker_client).pruned == [old.pk]
    assert not exists(docker_client, old.image_digest)


@pytest.mark.django_db
def test_the_registry_tags_of_superseded_revisions_are_listed_for_its_garbage_collection(
    settings,
):
    settings.ARENA_REGISTRY = "10.10.0.2:5000"
    comp = factories.competitor()
    old = row(comp, image_name=f"10.10.0.2:5000/arena-player:{uuid.uuid4().hex[:6]}")
    row(comp, image_name="10.10.0.2:5000/arena-player:latest-one")
    out = io.StringIO()
    call_command("prune_images", "--registry-tags", stdout=out)  # no Docker needed
    assert out.getvalue().splitlines() == [old.image_name.removeprefix("10.10.0.2:5000/")]


def test_beat_prunes_periodically_and_the_worker_knows_the_task():
    from django.conf import settings

    from core.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["prune-player-images"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"] >= 60
