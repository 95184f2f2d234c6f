"""A local bare repository stands for the arena's public repository; real git everywhere."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_PLAYERS


def git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=_env()
    )
    return done.stdout.strip()


def _env() -> dict[str, str]:
    import os

    return {
        **os.environ,
        "GIT_AUTHOR_NAME": "Someone Else",
        "GIT_AUTHOR_EMAIL": "else@example.com",
        "GIT_COMMITTER_NAME": "Someone Else",
        "GIT_COMMITTER_EMAIL": "else@example.com",
    }


class BareRepository:
    """The remote, read the way a visitor of the published repository would."""

    def __init__(self, path: Path, branch: str = "main") -> None:
        self.path = path
        self.branch = branch
        git("init", "--quiet", "--bare", f"--initial-branch={branch}", str(path))

    def _git(self, *args: str) -> str:
        return git(f"--git-dir={self.path}", *args)

    def refs(self) -> list[str]:
        return self._git("for-each-ref", "--format=%(refname)").split()

    def files(self, folder: str = "") -> list[str]:
        listed = self._git(
            "ls-tree", "-r", "--name-only", self.branch, *([folder] if folder else [])
        )
        return listed.split()

    def read(self, path: str) -> str:
        return self._git("show", f"{self.branch}:{path}")

    def head(self) -> str:
        return self._git("rev-parse", self.branch)

    def commits(self) -> list[str]:
        """Commit hashes, newest first."""
        return self._git("log", "--format=%H", self.branch).split()

    def message(self, sha: str | None = None) -> str:
        return self._git("log", "-1", "--format=%B", sha or self.branch)

    def author(self, sha: str | None = None) -> str:
        return self._git("log", "-1", "--format=%an <%ae>", sha or self.branch)

    def commit_from_elsewhere(self, work: Path, path: str, content: str) -> str:
        """Another machine's push: a commit made in a clone of its own."""
        if not work.exists():
            git("clone", "--quiet", str(self.path), str(work))
        git("pull", "--quiet", cwd=work)
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        git("add", "--all", cwd=work)
        git("commit", "--quiet", "-m", f"{path} from elsewhere", cwd=work)
        git("push", "--quiet", "origin", f"HEAD:{self.branch}", cwd=work)
        return self.head()


@pytest.fixture
def bare_repository(tmp_path) -> BareRepository:
    return BareRepository(tmp_path / "players.git")


@pytest.fixture
def player_folder(tmp_path):
    """A copy of the random example player, with what a participant adds beside it."""

    def make(name: str = "player", files: dict[str, str] | None = None) -> Path:
        folder = tmp_path / "folders" / name
        shutil.copytree(EXAMPLE_PLAYERS / "random", folder)
        for relative, content in (files or {}).items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        return folder

    return make
