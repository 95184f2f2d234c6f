"""The life of a player image outside its build: pushed, pruned, and the registry's password.

Why an image is run by its digest, and how the credentials travel, is in
:mod:`run_duel.images` (:func:`~run_duel.images.pinned_reference`,
:class:`~run_duel.images.RegistryAuth`): the workers that pull need it as much as the builder
that pushes. :func:`htpasswd_line` makes the registry's password file from the same settings.

Pruning: :func:`prunable_revisions` is the rule (pure), :func:`remove_revision_images` removes
a revision's local image without force, so an image a container still uses stays.

No Django here: :mod:`builder.player_images` (settings, the pruning task) calls in with its
settings.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from run_duel.errors import ArenaError
from run_duel.images import DIGEST_PREFIX, RegistryAuth

# The compose stack's registry refuses to start with a shorter password (or the example's).
MIN_PASSWORD_LENGTH = 16


@dataclass(frozen=True)
class PushedImage:
    log: str
    digest: str  # the manifest's sha256:..., as the registry serves it


class RegistryError(ArenaError):
    """The registry refused or failed a push or pull: the arena's fault, worth a retry."""


def push(
    client: Any,
    tag: str,
    auth: RegistryAuth | None = None,
    on_output: Callable[[str], None] | None = None,
) -> PushedImage:
    """Push ``tag`` (``registry/repository:tag``); return its log and manifest digest."""
    import docker.errors

    repository, _, version = tag.rpartition(":")
    auth_config = auth.config if auth else None
    log: list[str] = []
    digest = ""
    try:
        chunks = client.api.push(
            repository, tag=version, stream=True, decode=True, auth_config=auth_config
        )
        for chunk in chunks:
            if chunk.get("error"):
                raise RegistryError(_refusal(f"pushing {tag}", chunk["error"]))
            text = chunk.get("status", "")
            if text and on_output:
                on_output(text)  # the builder's heartbeat, progress included
            if text and not chunk.get("progressDetail"):
                # A layer's progress comes as many "Pushing" lines: the log keeps the rest.
                log.append(f"{chunk['id']}: {text}\n" if chunk.get("id") else f"{text}\n")
            aux = chunk.get("aux") or {}
            if str(aux.get("Digest", "")).startswith(DIGEST_PREFIX):
                digest = aux["Digest"]
    except docker.errors.DockerException as exc:
        raise RegistryError(_refusal(f"pushing {tag}", str(exc))) from exc
    if not digest:
        # Older engines print it only in the last status line: "<tag>: digest: sha256:... size".
        digest = _digest_from_log(log)
    if not digest:
        raise RegistryError(
            f"pushing {tag} gave no digest: the registry's answer was\n{''.join(log)}"
        )
    return PushedImage(log="".join(log), digest=digest)


def _digest_from_log(log: list[str]) -> str:
    for line in reversed(log):
        for word in line.split():
            if word.startswith(DIGEST_PREFIX) and len(word) == len(DIGEST_PREFIX) + 64:
                return word
    return ""


def _refusal(what: str, error: str) -> str:
    lowered = error.lower()
    if any(word in lowered for word in ("unauthorized", "authentication required", "basic auth")):
        return (
            f"{what} failed: the registry refused our credentials ({error.strip()}): set "
            "ARENA_REGISTRY_USERNAME and ARENA_REGISTRY_PASSWORD to the registry's"
        )
    return f"{what} failed: {error.strip()}"


# --- Pruning ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionFacts:
    """What the pruning rule knows of a revision that has an image."""

    id: int
    competitor_id: int
    version: int
    valid: bool  # its validation passed
    settled: bool  # neither its build nor its validation is scheduled or running


def prunable_revisions(revisions: Iterable[RevisionFacts], in_use: set[int]) -> set[int]:
    """The revisions whose images nobody needs any more.

    Kept: the latest valid revision of each competitor (the tournaments', the API's and the
    play page's default), every revision whose build or validation is not over, and every
    revision in ``in_use`` (a scheduled or running duel, a human match, an API move, a
    container on this host). Everything else is superseded and goes.
    """
    revisions = list(revisions)
    latest_valid: dict[int, RevisionFacts] = {}
    for revision in revisions:
        best = latest_valid.get(revision.competitor_id)
        if revision.valid and (best is None or revision.version > best.version):
            latest_valid[revision.competitor_id] = revision
    kept = {revision.id for revision in latest_valid.values()} | set(in_use)
    return {revision.id for revision in revisions if revision.settled and revision.id not in kept}


@dataclass(frozen=True)
class Removal:
    removed: list[str]  # the references removed
    kept: list[str]  # references Docker refused to remove (a container uses the image)


def remove_revision_images(client: Any, references: Iterable[str]) -> Removal:
    """Remove these references of one revision's image from this host, without force.

    Docker then refuses to drop the last reference of an image a container still uses; such an
    image stays and goes at a later pruning. A reference already gone is fine.
    """
    import docker.errors

    removed: list[str] = []
    kept: list[str] = []
    for reference in dict.fromkeys(ref for ref in references if ref):
        try:
            client.images.remove(reference, force=False, noprune=False)
        except docker.errors.ImageNotFound:
            continue
        except docker.errors.APIError as exc:
            if exc.status_code == 409:
                kept.append(reference)
                continue
            raise
        removed.append(reference)
    return Removal(removed=removed, kept=kept)


def in_use_by_containers(client: Any, label: str) -> set[int]:
    """Revision ids (the ``label`` of sandbox containers) that containers on this host hold."""
    held: set[int] = set()
    for container in client.containers.list(all=True, filters={"label": label}):
        value = container.labels.get(label, "")
        if value.isdigit():
            held.add(int(value))
    return held


# --- The registry's password file ---------------------------------------------------------------


def htpasswd_line(username: str, password: str) -> str:
    """``username:$2b$...``: the line of the registry's htpasswd file (it accepts bcrypt only)."""
    if not username or ":" in username or not password:
        raise ValueError("the registry needs a user name without ':' and a password")
    try:
        import bcrypt  # type: ignore[import-not-found]

        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
    except ImportError:
        import warnings

        with warnings.catch_warnings():  # crypt is deprecated, still in Python 3.11 and 3.12
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt

        hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH))
    if not hashed or not hashed.startswith("$2"):
        raise RuntimeError("this Python cannot make bcrypt hashes: pip install bcrypt")
    return f"{username}:{hashed}"


def main(argv: list[str]) -> int:
    """``python -m builder.registry htpasswd FILE``: write the registry's password file from
    ARENA_REGISTRY_USERNAME and ARENA_REGISTRY_PASSWORD (the compose stack's registry-auth)."""
    import os
    from pathlib import Path

    if len(argv) != 2 or argv[0] != "htpasswd":
        print("usage: python -m builder.registry htpasswd FILE", file=sys.stderr)
        return 2
    password = os.environ.get("ARENA_REGISTRY_PASSWORD", "")
    if "change-me" in password.lower() or len(password) < MIN_PASSWORD_LENGTH:
        print(
            f"arena: ARENA_REGISTRY_PASSWORD is the example's placeholder or shorter than "
            f"{MIN_PASSWORD_LENGTH} characters: put a long random one in .env (the same on every "
            "machine), e.g. python3 -c 'import secrets; print(secrets.token_hex(24))'",
            file=sys.stderr,
        )
        return 64
    try:
        line = htpasswd_line(os.environ.get("ARENA_REGISTRY_USERNAME", ""), password)
    except ValueError as exc:
        print(
            f"arena: {exc}: set ARENA_REGISTRY_USERNAME and ARENA_REGISTRY_PASSWORD",
            file=sys.stderr,
        )
        return 64
    target = Path(argv[1])
    partial = target.with_name(f".{target.name}.new")
    partial.write_text(line + "\n")
    partial.chmod(0o644)  # read by the registry's own user; it holds only a bcrypt hash
    partial.replace(target)
    print(f"arena: wrote the registry's password file {target} for user {line.split(':')[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
