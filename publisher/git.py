"""Publishing a folder into a git repository with the git command line (no Django here).

A worker keeps one clone per repository and branch, the cache. Holding a file lock on it, so
that two tasks of one machine never work in it at once, it makes the clone match the remote,
replaces one folder with the new content, commits and pushes. It never forces a push: when the
remote moved meanwhile (another machine published), the push is refused and the work is done
again on top of the new remote state. The clone is only a cache: when git fails inside it (a
killed worker left it half-written), it is made again from the remote.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit, urlunsplit

# The trailer naming the arena revision a commit publishes. The repository itself then says
# which revision of a folder is the latest, so a late retry never puts an older one back.
REVISION_TRAILER = "Arena-Revision"
PUSH_ATTEMPTS = 3
# How a repository refuses a push that lost a race with another one for the branch.
_RACED = re.compile(r"failed to update ref|cannot lock ref|incorrect old value|stale info")
MAX_REASON = 600


class PublishError(Exception):
    """Publishing failed; the message says why, for a maintainer.

    ``transient`` failures (the repository out of reach, a timeout, a branch that kept
    moving) are worth trying again later; the others (a push the repository refuses, a
    missing key) need a maintainer.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class _LocalGitError(PublishError):
    """git failed in the cache clone itself, not on the way to the remote."""


@dataclass(frozen=True)
class Remote:
    url: str
    branch: str = "main"
    ssh_key: Path | None = None
    author_name: str = "RL Arena"
    author_email: str = "arena@localhost"
    timeout: float = 300.0  # seconds, per git command

    @property
    def shown_url(self) -> str:
        return redact(self.url)


@dataclass(frozen=True)
class Published:
    sha: str  # the commit that put the folder's current content there
    changed: bool  # False: this content was already published, by ``sha``
    superseded: bool = False  # a later revision is there: nothing pushed, ``sha`` is its commit


def redact(url: str) -> str:
    """The URL without its secret: an https token or any password (the URL is shown to people)."""
    parts = urlsplit(url)
    if not parts.scheme or "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    # https://TOKEN@host: the user part alone is the secret; ssh://git@host: keep the user.
    user = "" if parts.scheme in ("http", "https") else userinfo.split(":", 1)[0] + "@"
    netloc = user + host
    return urlunsplit(parts._replace(netloc=netloc))


def commit_message(
    competitor: str,
    version: int,
    game: str,
    username: str,
    submitted: datetime,
    revision_id: int,
    validation_matches: int | None = None,
) -> str:
    duel = f"{validation_matches} matches" if validation_matches else "a duel"
    return (
        f"{competitor} v{version} for {game}, submitted by {username} on {submitted:%Y-%m-%d}\n"
        "\n"
        f"It passed the arena's validation: {duel} against itself without an error.\n"
        "\n"
        f"{REVISION_TRAILER}: {revision_id}\n"
    )


def commit_link(template: str, repository: str, sha: str, path: str) -> str:
    """Where people see the commit: the template ({sha}, {path}), else ``<repository>@<sha>``."""
    if template:
        return template.format(sha=sha, path=path)
    return f"{redact(repository)}@{sha}"


def cache_folder(cache_root: Path, remote: Remote) -> Path:
    """The clone of this repository and branch: another setting never reuses a wrong clone."""
    key = hashlib.sha256(f"{remote.url}\0{remote.branch}".encode()).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", remote.url.rstrip("/").rsplit("/", 1)[-1])[:40]
    return cache_root / f"{name.removesuffix('.git') or 'repository'}-{key}"


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the lock of the clone in ``folder`` (blocks while another process holds it)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_name(folder.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        yield


def publish_folder(
    remote: Remote,
    cache_root: Path,
    source: Path,
    destination: str,
    message: str,
    revision_id: int,
) -> Published:
    """Make ``destination`` (``game/competitor``) in the remote branch hold exactly ``source``.

    One commit with ``message`` when the content differs from the published one; none when it
    is the same, or when the folder already holds a later revision (a higher
    ``revision_id``). Raises :class:`PublishError`.
    """
    path = PurePosixPath(destination)
    if path.is_absolute() or not path.parts or {"..", ".", ".git"} & set(path.parts):
        raise PublishError(f"{destination!r} is not a folder inside the repository")
    if remote.ssh_key and not remote.ssh_key.is_file():
        raise PublishError(
            f"the SSH key {remote.ssh_key} (ARENA_PUBLISH_SSH_KEY) is not a file on this worker"
        )
    clone = _Clone(remote, cache_folder(cache_root, remote))
    with locked(clone.folder):
        try:
            return clone.publish(source, path, message, revision_id)
        except _LocalGitError:
            # Only a cache: start again from the remote, once.
            shutil.rmtree(clone.folder, ignore_errors=True)
            return clone.publish(source, path, message, revision_id)


class _Clone:
    def __init__(self, remote: Remote, folder: Path) -> None:
        self.remote = remote
        self.folder = folder

    def publish(
        self, source: Path, path: PurePosixPath, message: str, revision_id: int
    ) -> Published:
        self._open()
        for _attempt in range(PUSH_ATTEMPTS):
            self._sync()
            latest = self._latest_revision(path)
            if latest is not None and latest > revision_id:
                return Published(self._last_commit(path), changed=False, superseded=True)
            self._replace(source, path)
            if self._git("diff", "--cached", "--quiet", "--", str(path), check=False) == 0:
                sha = self._last_commit(path)
                if not sha:
                    raise PublishError(f"there is nothing to publish in {source}")
                return Published(sha, changed=False)
            self._commit(message)
            if self._push():
                return Published(self._output("rev-parse", "HEAD"), changed=True)
        raise PublishError(
            f"the branch {self.remote.branch} of {self.remote.shown_url} changed during each "
            f"of {PUSH_ATTEMPTS} pushes",
            transient=True,
        )

    def _open(self) -> None:
        if not (self.folder / ".git").is_dir():
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir(parents=True)
            self._git("init", "--quiet")
            self._git("remote", "add", "origin", self.remote.url)
        # A damaged clone fails here, locally, and is made again (publish_folder).
        if self._output("rev-parse", "--git-dir") != ".git":
            raise _LocalGitError(f"{self.folder} is not a clone of its own")
        # A git process killed while it held the index lock leaves the file behind; we hold
        # the clone's lock, so no git works in here now.
        (self.folder / ".git" / "index.lock").unlink(missing_ok=True)

    def _sync(self) -> None:
        """Make the work tree the remote branch, dropping whatever a failed attempt left."""
        self._remote_git("fetch", "--prune", "--quiet", "origin", doing="fetch from")
        branch = self.remote.branch
        tracking = f"refs/remotes/origin/{branch}"
        if self._git("rev-parse", "--verify", "--quiet", tracking, check=False) == 0:
            self._git("checkout", "--quiet", "--force", "-B", branch, tracking)
        else:  # an empty repository: the first commit starts the branch
            self._git("symbolic-ref", "HEAD", f"refs/heads/{branch}")
            self._git("update-ref", "-d", f"refs/heads/{branch}")
            self._git("read-tree", "--empty")
        self._git("clean", "-ffdxq")

    def _latest_revision(self, path: PurePosixPath) -> int | None:
        if self._git("rev-parse", "--verify", "--quiet", "HEAD", check=False) != 0:
            return None
        trailers = self._output(
            "log", f"--format=%(trailers:key={REVISION_TRAILER},valueonly)", "--", str(path)
        )
        found = [int(value) for value in trailers.split() if value.isdigit()]
        return max(found, default=None)

    def _last_commit(self, path: PurePosixPath) -> str:
        if self._git("rev-parse", "--verify", "--quiet", "HEAD", check=False) != 0:
            return ""
        return self._output("log", "-1", "--format=%H", "--", str(path))

    def _replace(self, source: Path, path: PurePosixPath) -> None:
        target = self.folder.joinpath(*path.parts)
        # The repository's own content decides where we write: never through a symbolic link.
        for parent in [target, *target.parents]:
            if parent == self.folder:
                break
            if parent.is_symlink():
                raise PublishError(f"{path} in the repository goes through a symbolic link")
        if target.is_dir():
            shutil.rmtree(target)  # files the new revision no longer has disappear
        elif target.exists():
            target.unlink()
        shutil.copytree(source, target)
        # --force: a .gitignore in the submission (or the repository) must not hide its files.
        self._git("add", "--all", "--force", "--", str(path))

    def _commit(self, message: str) -> None:
        self._git(
            "-c", f"user.name={self.remote.author_name}",
            "-c", f"user.email={self.remote.author_email}",
            "-c", "commit.gpgsign=false",
            "commit", "--quiet", "--no-verify", "--file=-",
            stdin=message,
        )  # fmt: skip

    def _push(self) -> bool:
        """True when pushed; False when the remote moved since the fetch (try again)."""
        done = self._run(
            "push", "--porcelain", "--no-verify", "origin",
            f"HEAD:refs/heads/{self.remote.branch}",
        )  # fmt: skip
        if done.returncode == 0:
            return True
        refused = [line for line in done.stdout.splitlines() if line.startswith("!")]
        if any("[rejected]" in line or _RACED.search(line) for line in refused):
            return False
        if refused:  # [remote rejected]: a protected branch, a hook: waiting will not help
            reason = refused[0].split("\t")[-1]
            raise PublishError(f"{self.remote.shown_url} refused the push: {reason}")
        raise PublishError(
            f"could not push to {self.remote.shown_url}: {self._reason(done.stderr)}",
            transient=True,
        )

    def _remote_git(self, *args: str, doing: str) -> None:
        done = self._run(*args)
        if done.returncode != 0:
            raise PublishError(
                f"could not {doing} {self.remote.shown_url}: {self._reason(done.stderr)}",
                transient=True,
            )

    def _git(self, *args: str, check: bool = True, stdin: str | None = None) -> int:
        done = self._run(*args, stdin=stdin)
        if check and done.returncode != 0:
            raise _LocalGitError(f"git {args[0]} failed: {self._reason(done.stderr)}")
        return done.returncode

    def _output(self, *args: str) -> str:
        done = self._run(*args)
        if done.returncode != 0:
            raise _LocalGitError(f"git {args[0]} failed: {self._reason(done.stderr)}")
        return done.stdout.strip()

    def _run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                ["git", *args],
                cwd=self.folder,
                env=self._environment(),
                input=stdin,
                capture_output=True,
                text=True,
                timeout=self.remote.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PublishError(
                f"git {args[0]} with {self.remote.shown_url} took more than "
                f"{self.remote.timeout:g} s",
                transient=True,
            ) from None
        except FileNotFoundError:
            raise PublishError("git is not installed on this worker") from None

    def _environment(self) -> dict[str, str]:
        env = {
            **os.environ,
            "LC_ALL": "C",  # English messages: _push reads them
            "GIT_TERMINAL_PROMPT": "0",  # a missing credential fails instead of waiting
            # A damaged clone must never make git look further up for a repository: the
            # default cache, under ./var, lies inside the arena's own checkout.
            "GIT_CEILING_DIRECTORIES": str(self.folder.parent),
        }
        if self.remote.ssh_key:
            known_hosts = self.folder.parent / "known_hosts"
            env["GIT_SSH_COMMAND"] = " ".join(
                [
                    "ssh",
                    f"-i {shlex.quote(str(self.remote.ssh_key))}",
                    "-o IdentitiesOnly=yes",
                    "-o StrictHostKeyChecking=accept-new",
                    # Beside the clones: a worker's home may be read-only or thrown away.
                    f"-o UserKnownHostsFile={shlex.quote(str(known_hosts))}",
                    "-o BatchMode=yes",
                    "-o ConnectTimeout=30",
                ]
            )
        return env

    def _reason(self, stderr: str) -> str:
        lines = [
            re.sub(r"^(fatal|error): ", "", line.strip())
            for line in stderr.splitlines()
            if line.strip() and not line.startswith("hint:")
        ]
        text = ""
        for line in lines:
            # git wraps a sentence over lines; a capital letter starts a new one.
            if text and line[:1].isupper() and text[-1] not in ".:!?":
                text += "."
            text = f"{text} {line}" if text else line
        text = text.replace(self.remote.url, self.remote.shown_url)
        if len(text) > MAX_REASON:
            text = text[: MAX_REASON - 3] + "..."
        return text or "git gave no reason"
