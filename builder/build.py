"""A submission zip to a runnable player: the whole build of a revision, without Django.

The outcome says whose fault a failure is. The submission's (a bad zip, a requirement that
does not install, a build past its deadline) is final and its message is for the
participant; the arena's (Docker unreachable, the base image missing) is worth another try.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.build_log import section_line
from builder.dependencies import Dependencies, resolve_dependencies
from builder.image import (
    ArenaBuildError,
    BuildError,
    BuildSettings,
    build_player_image,
    push_image,
)
from builder.submission import SubmissionError, ZipLimits, unpack_submission
from run_duel.docker_sandbox import docker_client
from run_duel.errors import ArenaError
from run_duel.images import RegistryAuth


@dataclass(frozen=True)
class BuildOutcome:
    """What became of a build: an image name, or an error of the submission or of the arena."""

    image_name: str = ""
    # The content address workers run (run_duel.images.pinned_reference): the registry's
    # manifest digest once pushed, else the local image id.
    image_digest: str = ""
    log: str = ""
    error: str = ""  # the submission cannot be built; for the participant
    arena_error: str = ""  # the arena failed; try again later

    @property
    def built(self) -> bool:
        return bool(self.image_name) and not (self.error or self.arena_error)


def build_submission(
    zip_path: str | Path,
    tag: str,
    settings: BuildSettings,
    limits: ZipLimits | None = None,
    *,
    client: Any = None,
    on_output: Callable[[str], None] | None = None,
    push: bool = False,
    registry_auth: RegistryAuth | None = None,
) -> BuildOutcome:
    """Unpack the zip, work out its dependencies and build image ``tag`` (then push it).

    The log starts with the dependency notes, then the build output. Without ``client`` a
    Docker client is made (and closed) here. Exceptions of ``on_output`` propagate: that is
    how the caller stops a build it no longer owns.
    """
    with tempfile.TemporaryDirectory(prefix="arena-build-") as work:
        try:
            folder = unpack_submission(zip_path, Path(work) / "player", limits)
            dependencies = resolve_dependencies(folder)
        except SubmissionError as exc:
            return BuildOutcome(log=section_line("unpacking") + f"arena: {exc}\n", error=str(exc))
        notes = unpacking_notes(folder) + dependency_notes(dependencies)
        if on_output:
            on_output(notes)  # a build log that streams starts with them
        own_client = client is None
        try:
            if own_client:
                client = docker_client()
            built = build_player_image(
                client,
                folder,
                tag,
                settings,
                dependencies=dependencies.requirements,
                on_output=on_output,
            )
            pushed = push_image(client, tag, on_output, registry_auth) if push else None
        except ArenaBuildError as exc:
            return BuildOutcome(log=notes + exc.log, arena_error=str(exc))
        except ArenaError as exc:  # no Docker engine answers
            return BuildOutcome(log=notes, arena_error=str(exc))
        except BuildError as exc:
            return BuildOutcome(log=notes + exc.log, error=str(exc))
        finally:
            if own_client and client is not None:
                client.close()
    return BuildOutcome(
        image_name=built.tag,
        image_digest=pushed.digest if pushed else built.image_id,
        log=notes + built.log + (pushed.log if pushed else ""),
    )


def unpack_for_process(
    zip_path: str | Path, folder: str | Path, limits: ZipLimits | None = None
) -> BuildOutcome:
    """The process sandbox's "image": the submission unpacked into ``folder`` (replaced).

    Nothing is installed: such players run with the arena's own Python, which has numpy.
    """
    folder = Path(folder)
    with tempfile.TemporaryDirectory(prefix="arena-build-", dir=_existing_parent(folder)) as work:
        # Unpacked beside the destination and moved in one step: a retried build never
        # leaves a half-written folder where a running duel looks.
        try:
            unpacked = unpack_submission(zip_path, Path(work) / "player", limits)
            dependencies = resolve_dependencies(unpacked)
        except SubmissionError as exc:
            return BuildOutcome(log=section_line("unpacking") + f"arena: {exc}\n", error=str(exc))
        notes = unpacking_notes(unpacked) + dependency_notes(dependencies)
        if dependencies.requirements is not None:
            notes += (
                "arena: the dependencies are not installed: players run as local processes "
                "with the arena's own Python (the process sandbox), which has numpy\n"
            )
        if folder.exists():
            shutil.rmtree(folder)
        unpacked.rename(folder)
    return BuildOutcome(image_name=str(folder), log=notes + f"arena: unpacked into {folder}\n")


def unpacking_notes(folder: Path) -> str:
    files = [path for path in folder.rglob("*") if path.is_file()]
    size = sum(path.stat().st_size for path in files)
    return (
        section_line("unpacking")
        + f"arena: the zip is unpacked and checked: {len(files)} files, {size:,} bytes\n"
    )


def dependency_notes(dependencies: Dependencies) -> str:
    lines = [section_line("dependencies").rstrip("\n")]
    lines += [f"arena: {note}" for note in dependencies.notes]
    if dependencies.requirements is not None:
        lines += ["arena: requirements to install:"]
        lines += [
            f"    {line}"
            for line in dependencies.requirements.splitlines()
            if line.strip() and not line.startswith("#")
        ]
    return "\n".join(lines) + "\n\n"


def _existing_parent(folder: Path) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder.parent
