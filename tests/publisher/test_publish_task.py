"""The publishing task on the real PostgreSQL, pushing to a local bare repository.

The task runs in the test's process (``publish_revision.apply``), on revisions whose zip is in
the arena's storage as an upload would have put it.
"""

from __future__ import annotations

import pytest

from console.management.commands.arena_demo import zip_folder
from core.models import Revision
from publisher.tasks import publish_revision
from tests.platform import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def publishing(settings, bare_repository):
    settings.ARENA_PUBLISH_REPOSITORY = str(bare_repository.path)
    settings.ARENA_PUBLISH_BRANCH = "main"
    settings.ARENA_PUBLISH_SSH_KEY = None
    settings.ARENA_PUBLISH_URL_TEMPLATE = ""
    settings.ARENA_PUBLISH_AUTHOR_NAME = "RL Arena"
    settings.ARENA_PUBLISH_AUTHOR_EMAIL = "arena@example.org"
    settings.ARENA_PUBLISH_RETRIES = 2
    settings.ARENA_PUBLISH_TIMEOUT = 60.0
    return settings


def _revision(folder, competitor=None, **fields) -> Revision:
    revision = factories.valid_revision(competitor, **fields)
    revision.zip_file.save(f"{folder.name}.zip", zip_folder(folder))
    return revision


def _public(name: str = "bot", game: str = "tic-tac-toe"):
    owner = factories.user("alice")
    return factories.competitor(game, name, owner, is_public=True)


def _publish(revision: Revision) -> Revision:
    assert publish_revision.apply(args=[revision.pk]).successful()
    revision.refresh_from_db()
    return revision


def test_it_publishes_a_public_validated_revision(publishing, bare_repository, player_folder):
    competitor = _public()
    files = {"LICENSE": "MIT License\n", "README.md": "# my bot\n", "old_helper.py": "A = 1\n"}
    first = _revision(player_folder("v1", files), competitor, test_duel={"num_matches": 4})

    first = _publish(first)

    sha = bare_repository.head()
    assert (first.publish_state, first.publish_error) == (Revision.PUBLISH_COMPLETED, "")
    assert first.publish_url == f"{bare_repository.path}@{sha}"
    assert first.claim is None
    assert bare_repository.files() == [
        "tic-tac-toe/bot/LICENSE",
        "tic-tac-toe/bot/README.md",
        "tic-tac-toe/bot/old_helper.py",
        "tic-tac-toe/bot/player.py",
    ]
    assert bare_repository.read("tic-tac-toe/bot/LICENSE") == "MIT License"
    assert bare_repository.read("tic-tac-toe/bot/README.md") == "# my bot"
    assert bare_repository.message() == (
        f"bot v1 for tic-tac-toe, submitted by alice on {first.created:%Y-%m-%d}\n\n"
        "It passed the arena's validation: 4 matches against itself without an error.\n\n"
        f"Arena-Revision: {first.pk}"
    )
    assert bare_repository.author() == "RL Arena <arena@example.org>"

    # The next revision replaces the folder: what it no longer has disappears.
    publishing.ARENA_PUBLISH_URL_TEMPLATE = "https://git.example.org/players/commit/{sha}"
    second = _revision(
        player_folder("v2", {"LICENSE": "Apache-2.0\n", "new_helper.py": "B = 2\n"}), competitor
    )
    second = _publish(second)

    assert second.publish_state == Revision.PUBLISH_COMPLETED
    assert bare_repository.commits()[1:] == [sha]
    assert second.publish_url == (
        f"https://git.example.org/players/commit/{bare_repository.head()}"
    )
    assert bare_repository.files() == [
        "tic-tac-toe/bot/LICENSE",
        "tic-tac-toe/bot/README.md",  # the example player's own README
        "tic-tac-toe/bot/new_helper.py",
        "tic-tac-toe/bot/player.py",
    ]
    assert bare_repository.read("tic-tac-toe/bot/LICENSE") == "Apache-2.0"
    assert bare_repository.message().startswith("bot v2 for tic-tac-toe, submitted by alice on ")


def test_it_never_pushes_a_private_revision(publishing, bare_repository, player_folder):
    private = factories.competitor(is_public=False)
    revision = _publish(_revision(player_folder(), private))

    assert revision.publish_state == Revision.PUBLISH_SKIPPED
    assert (revision.publish_url, revision.publish_error, revision.claim) == ("", "", None)
    assert bare_repository.refs() == [], "something was pushed"


def test_a_private_revision_is_skipped_even_while_publishing_is_off(publishing, player_folder):
    publishing.ARENA_PUBLISH_REPOSITORY = ""
    revision = _publish(_revision(player_folder(), factories.competitor(is_public=False)))
    assert revision.publish_state == Revision.PUBLISH_SKIPPED


def test_a_public_revision_waits_while_publishing_is_off(publishing, player_folder):
    publishing.ARENA_PUBLISH_REPOSITORY = ""
    revision = _publish(_revision(player_folder(), _public()))
    assert (revision.publish_state, revision.claim, revision.worker) == (
        Revision.PUBLISH_SCHEDULED, None, "",
    )  # fmt: skip


def test_running_the_task_twice_publishes_once(publishing, bare_repository, player_folder):
    revision = _publish(_revision(player_folder(), _public()))
    url, heartbeat = revision.publish_url, revision.heartbeat

    again = _publish(revision)  # a duplicate message, say

    assert (again.publish_state, again.publish_url, again.heartbeat) == (
        Revision.PUBLISH_COMPLETED, url, heartbeat,
    )  # fmt: skip
    assert len(bare_repository.commits()) == 1


def test_a_second_worker_finds_it_already_published(publishing, bare_repository, player_folder):
    # Its message arrived while the first one was pushing: the row was still SCHEDULED.
    revision = _publish(_revision(player_folder(), _public()))
    url = revision.publish_url
    Revision.objects.filter(pk=revision.pk).update(
        publish_state=Revision.PUBLISH_SCHEDULED, publish_url=""
    )

    revision = _publish(revision)

    assert (revision.publish_state, revision.publish_url) == (Revision.PUBLISH_COMPLETED, url)
    assert len(bare_repository.commits()) == 1


def test_unchanged_content_points_at_the_existing_commit(
    publishing, bare_repository, player_folder
):
    competitor = _public()
    first = _publish(_revision(player_folder("v1"), competitor))
    second = _publish(_revision(player_folder("v2"), competitor))

    assert second.publish_state == Revision.PUBLISH_COMPLETED
    assert second.publish_url == first.publish_url
    assert len(bare_repository.commits()) == 1


def test_a_late_older_revision_does_not_replace_a_later_one(
    publishing, bare_repository, player_folder
):
    competitor = _public()
    older = _revision(player_folder("v1", {"v1.txt": "1"}), competitor)
    later = _publish(_revision(player_folder("v2", {"v2.txt": "2"}), competitor))

    older = _publish(older)  # its publication was retried until after the later one's

    assert older.publish_state == Revision.PUBLISH_SKIPPED
    assert older.publish_error == (
        f"a later revision of bot was published first: {later.publish_url}"
    )
    assert "tic-tac-toe/bot/v1.txt" not in bare_repository.files()
    assert len(bare_repository.commits()) == 1


def test_it_leaves_a_revision_that_is_not_validated_yet(publishing, bare_repository, player_folder):
    revision = _revision(player_folder(), _public(), test_state=Revision.TEST_RUNNING)
    Revision.objects.filter(pk=revision.pk).update(worker="validator:1", claim=revision.claim)
    revision = _publish(revision)

    assert (revision.publish_state, revision.worker) == (
        Revision.PUBLISH_SCHEDULED, "validator:1",
    )  # fmt: skip
    assert bare_repository.refs() == []


def test_it_returns_quietly_when_the_revision_is_gone(publishing):
    assert publish_revision.apply(args=[987654321]).successful()


def test_an_unreachable_repository_is_retried_then_failed(
    publishing, tmp_path, player_folder, monkeypatch, django_capture_on_commit_callbacks
):
    publishing.ARENA_PUBLISH_REPOSITORY = missing = str(tmp_path / "gone" / "players.git")
    revision = _revision(player_folder(), _public())
    sent = []

    def send_now(args, countdown, retries):  # the broker's delay, without the wait
        sent.append((countdown, retries))
        publish_revision.apply(args=args, retries=retries)

    monkeypatch.setattr(publish_revision, "apply_async", send_now)
    with django_capture_on_commit_callbacks(execute=True):  # the retries run on commit
        publish_revision.apply(args=[revision.pk])
    revision.refresh_from_db()

    assert sent == [(30.0, 1), (60.0, 2)]
    assert revision.publish_state == Revision.PUBLISH_FAILED
    assert revision.publish_error == (
        f"could not fetch from {missing}: '{missing}' does not appear to be a git repository. "
        "Could not read from remote repository. Please make sure you have the correct access "
        "rights and the repository exists. (tried 3 times)"
    )
    assert (revision.publish_url, revision.claim) == ("", None)


def test_a_missing_zip_fails_at_once(publishing, player_folder, django_capture_on_commit_callbacks):
    revision = _revision(player_folder(), _public())
    revision.zip_file.storage.delete(revision.zip_file.name)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        revision = _publish(revision)

    assert callbacks == [], "retried"
    assert revision.publish_state == Revision.PUBLISH_FAILED
    assert revision.publish_error == "the submitted zip is no longer in the arena's storage"


def test_a_bad_link_template_is_reported_at_start_up(publishing):
    from publisher.checks import publish_check

    publishing.ARENA_PUBLISH_URL_TEMPLATE = "https://h/{commit}"
    assert [e.id for e in publish_check(None)] == ["arena.E101"]
    publishing.ARENA_PUBLISH_URL_TEMPLATE = "https://h/{sha}/{path}"
    assert publish_check(None) == []
