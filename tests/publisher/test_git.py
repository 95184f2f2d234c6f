"""The pure publisher (no Django) against a local bare repository, with real git."""

from __future__ import annotations

import shutil
import threading
from datetime import datetime
from pathlib import Path

import pytest

from publisher import git as publisher_git
from publisher.git import (
    PublishError,
    Remote,
    cache_folder,
    commit_link,
    commit_message,
    publish_folder,
    redact,
)


@pytest.fixture
def remote(bare_repository) -> Remote:
    return Remote(url=str(bare_repository.path), author_name="Arena", author_email="a@x.org")


@pytest.fixture
def cache(tmp_path) -> Path:
    return tmp_path / "cache"


def _publish(remote, cache, folder, revision_id, destination="tic-tac-toe/bot"):
    message = commit_message(
        "bot", revision_id, "tic-tac-toe", "alice", datetime(2025, 3, 1), revision_id
    )
    return publish_folder(remote, cache, folder, destination, message, revision_id)


def test_it_publishes_into_an_empty_repository(bare_repository, remote, cache, player_folder):
    folder = player_folder(files={"LICENSE": "MIT\n", "lib/helper.py": "X = 1\n"})
    published = _publish(remote, cache, folder, 1)

    assert published.changed and not published.superseded
    assert published.sha == bare_repository.head()
    assert bare_repository.files() == [
        "tic-tac-toe/bot/LICENSE",
        "tic-tac-toe/bot/README.md",
        "tic-tac-toe/bot/lib/helper.py",
        "tic-tac-toe/bot/player.py",
    ]
    assert bare_repository.read("tic-tac-toe/bot/player.py") == (
        (folder / "player.py").read_text().rstrip("\n")
    )
    assert bare_repository.message() == (
        "bot v1 for tic-tac-toe, submitted by alice on 2025-03-01\n\n"
        "It passed the arena's validation: a duel against itself without an error.\n\n"
        "Arena-Revision: 1"
    )
    assert bare_repository.author() == "Arena <a@x.org>"


def test_it_replaces_the_folder_and_leaves_the_rest(
    bare_repository, remote, cache, player_folder, tmp_path
):
    _publish(remote, cache, player_folder("v1", {"old.py": "gone soon\n"}), 1)
    other = bare_repository.commit_from_elsewhere(tmp_path / "elsewhere", "README.md", "hi\n")

    published = _publish(remote, cache, player_folder("v2", {"new.py": "N = 2\n"}), 2)

    assert published.changed
    assert bare_repository.commits()[1] == other, "built on top of the remote's commit"
    assert "tic-tac-toe/bot/old.py" not in bare_repository.files()
    assert "tic-tac-toe/bot/new.py" in bare_repository.files()
    assert bare_repository.read("README.md") == "hi"


def test_the_same_content_again_is_no_new_commit(bare_repository, remote, cache, player_folder):
    first = _publish(remote, cache, player_folder("v1"), 1)
    again = _publish(remote, cache, player_folder("v2"), 2)

    assert (again.sha, again.changed) == (first.sha, False)
    assert len(bare_repository.commits()) == 1


def test_an_older_revision_never_replaces_a_later_one(
    bare_repository, remote, cache, player_folder
):
    later = _publish(remote, cache, player_folder("v2", {"v2.py": ""}), 12)
    late_retry = _publish(remote, cache, player_folder("v1", {"v1.py": ""}), 11)

    assert late_retry.superseded and not late_retry.changed
    assert late_retry.sha == later.sha == bare_repository.head()
    assert "tic-tac-toe/bot/v1.py" not in bare_repository.files()


def test_it_publishes_again_when_the_remote_moved_before_the_push(
    bare_repository, remote, cache, player_folder, tmp_path, monkeypatch
):
    _publish(remote, cache, player_folder("v1"), 1, "connect-four/first")
    real_push = publisher_git._Clone._push
    pushes = []

    def push_after_someone_else(clone):
        if not pushes:  # another machine gets in between our fetch and our push
            bare_repository.commit_from_elsewhere(tmp_path / "elsewhere", "NOTES.md", "x\n")
        pushes.append(real_push(clone))
        return pushes[-1]

    monkeypatch.setattr(publisher_git._Clone, "_push", push_after_someone_else)
    published = _publish(remote, cache, player_folder("v2"), 2)

    assert pushes == [False, True]
    assert published.sha == bare_repository.head()
    assert {"NOTES.md", "connect-four/first/player.py", "tic-tac-toe/bot/player.py"} <= set(
        bare_repository.files()
    )
    assert len(bare_repository.commits()) == 3


def test_two_publishers_at_once_share_a_clone_safely(bare_repository, remote, cache, player_folder):
    folders = [player_folder(f"p{n}", {"n.txt": str(n)}) for n in range(4)]
    errors = []

    def run(n: int) -> None:
        try:
            _publish(remote, cache, folders[n], n + 1, f"quarto/bot{n}")
        except Exception as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(bare_repository.commits()) == 4
    for n in range(4):
        assert bare_repository.read(f"quarto/bot{n}/n.txt") == str(n)


def test_publishers_on_two_machines_never_lose_a_commit(
    bare_repository, remote, tmp_path, player_folder
):
    # Two caches are two machines: no common lock, only git's refusal of a stale push.
    folders = [player_folder(f"p{n}", {"n.txt": str(n)}) for n in range(6)]
    errors = []

    def run(n: int) -> None:
        try:
            _publish(remote, tmp_path / f"machine{n % 2}", folders[n], n + 1, f"quarto/bot{n}")
        except Exception as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # A branch that kept moving through every retry may fail a publication (transiently).
    assert all(isinstance(e, PublishError) and e.transient for e in errors), errors
    published = [n for n in range(6) if f"quarto/bot{n}/n.txt" in bare_repository.files()]
    assert len(bare_repository.commits()) == len(published) == 6 - len(errors)


def test_a_broken_cache_is_made_again(bare_repository, remote, cache, player_folder):
    _publish(remote, cache, player_folder("v1"), 1)
    clone = cache_folder(cache, remote)
    shutil.rmtree(clone / ".git" / "objects")  # a disk that lost the clone's objects

    published = _publish(remote, cache, player_folder("v2", {"more.py": ""}), 2)

    assert published.changed
    assert "tic-tac-toe/bot/more.py" in bare_repository.files()


def test_an_unreachable_repository_is_a_transient_failure(tmp_path, cache, player_folder):
    remote = Remote(url=str(tmp_path / "missing.git"))
    with pytest.raises(PublishError) as failure:
        _publish(remote, cache, player_folder(), 1)

    assert failure.value.transient
    assert str(failure.value) == (
        f"could not fetch from {tmp_path}/missing.git: '{tmp_path}/missing.git' does not "
        "appear to be a git repository. Could not read from remote repository. Please make "
        "sure you have the correct access rights and the repository exists."
    )


def test_a_push_the_repository_refuses_is_final(bare_repository, remote, cache, player_folder):
    hook = bare_repository.path / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'the branch is protected' >&2\nexit 1\n")
    hook.chmod(0o755)

    with pytest.raises(PublishError) as failure:
        _publish(remote, cache, player_folder(), 1)

    assert not failure.value.transient
    assert (
        str(failure.value)
        == f"{bare_repository.path} refused the push: [remote rejected] (pre-receive hook declined)"
    )
    assert bare_repository.refs() == []


def test_a_missing_ssh_key_is_named(bare_repository, tmp_path, cache, player_folder):
    remote = Remote(url=str(bare_repository.path), ssh_key=tmp_path / "nowhere" / "id_ed25519")
    with pytest.raises(PublishError, match=r"the SSH key .*/nowhere/id_ed25519 .* is not a file"):
        _publish(remote, cache, player_folder(), 1)


def test_the_ssh_key_is_used_with_known_hosts_beside_the_clones(tmp_path):
    key = tmp_path / "deploy key"
    key.write_text("not really a key\n")
    clone = publisher_git._Clone(
        Remote(url="git@example.org:org/players.git", ssh_key=key), tmp_path / "cache" / "c"
    )
    assert clone._environment()["GIT_SSH_COMMAND"] == (
        f"ssh -i '{key}' -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new "
        f"-o UserKnownHostsFile={tmp_path}/cache/known_hosts -o BatchMode=yes -o ConnectTimeout=30"
    )


@pytest.mark.parametrize("destination", ["", "/etc/x", "game/../x", ".git/hooks", "./.git"])
def test_it_refuses_a_folder_outside_the_repository(remote, cache, player_folder, destination):
    with pytest.raises(PublishError, match="is not a folder inside the repository"):
        _publish(remote, cache, player_folder(), 1, destination)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://x-access-token:s3cret@github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://s3cret@github.com/o/r.git", "https://github.com/o/r.git"),
        ("ssh://git:pw@host:22/o/r.git", "ssh://git@host:22/o/r.git"),
        ("ssh://git@host/o/r.git", "ssh://git@host/o/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("/srv/git/players.git", "/srv/git/players.git"),
    ],
)
def test_a_secret_in_the_url_is_never_shown(url, shown):
    assert redact(url) == shown


def test_commit_links():
    sha = "a" * 40
    assert commit_link(
        "https://github.com/o/r/commit/{sha}", "git@github.com:o/r.git", sha, "g/c"
    ) == (f"https://github.com/o/r/commit/{sha}")
    assert (
        commit_link("https://h/o/r/tree/{sha}/{path}", "x", sha, "g/c")
        == f"https://h/o/r/tree/{sha}/g/c"
    )
    assert commit_link("", "https://tok@h/o/r.git", sha, "g/c") == f"https://h/o/r.git@{sha}"


def test_the_commit_message_says_what_passed():
    message = commit_message("deep-four", 3, "connect-four", "bob", datetime(2025, 5, 6, 23), 41, 4)
    assert message == (
        "deep-four v3 for connect-four, submitted by bob on 2025-05-06\n\n"
        "It passed the arena's validation: 4 matches against itself without an error.\n\n"
        "Arena-Revision: 41\n"
    )
