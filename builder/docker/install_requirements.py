"""Installs a submission's requirements while its player image is built.

    python3 install_requirements.py REQUIREMENTS_TXT [--project DIR]

Runs on the image's own python3 before anything is installed, so it uses the standard
library only. First the whole set in one pip run, so that pip picks versions that fit
together. When that fails, each requirement alone: one pinned (or capped) to versions that
do not install on this Python, such as ``numpy==1.16.5`` from a 2019 environment, is retried
without its version, and the relaxation is written to the build log. A requirement that does
not install at all fails the build, with pip's message; the line starting with FAILURE names
it, for the builder to tell the participant.

pip's own settings (index URL, CA bundle, wheelhouse) come from the PIP_* environment.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# builder/image.py looks for these prefixes in the build log.
FAILURE = "arena: could not install "
RELAXED = "arena: relaxed "
# pip can be silent for minutes while it builds a wheel; a line now and then shows the build
# is alive (the builder beats its heartbeat and checks its deadline on each line).
KEEPALIVE_SECONDS = 10.0

_NAME = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$")
# Only an exact pin or an upper bound can rule out every release that installs on a newer
# Python; a lower bound that fails means something else (and dropping it could break the
# player), so it is not relaxed.
_RELAXABLE = re.compile(r"==|~=|<")
_OPTIONS_WITH_PATH = re.compile(r"^(-r|--requirement|-c|--constraint)(\s*=?\s*)(\S+)$")
_print_lock = threading.Lock()


@dataclass(frozen=True)
class Requirement:
    line: str  # as the participant wrote it (without comments)
    relaxed: str | None = None  # the same without its version, when relaxable


def say(text: str) -> None:
    with _print_lock:
        print(text, flush=True)


def parse(text: str, project: Path | None = None) -> tuple[list[str], list[Requirement]]:
    """The global option lines (index URLs, --pre...) and the requirements, in order."""
    options: list[str] = []
    requirements: list[Requirement] = []
    for raw in _logical_lines(text):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        path_option = _OPTIONS_WITH_PATH.match(line)
        if path_option:
            # A nested file is named relative to the submission; the copy pip reads is elsewhere.
            flag, _, path = path_option.groups()
            if project is not None and not os.path.isabs(path) and "://" not in path:
                path = str(project / path)
            line = f"{flag} {path}"
            if flag in ("-c", "--constraint"):
                options.append(line)
            else:
                requirements.append(Requirement(line))
            continue
        if line.startswith("-") and not line.startswith(("-e", "--editable")):
            options.append(line)
            continue
        requirements.append(Requirement(line, _relaxed(line)))
    return options, requirements


def _logical_lines(text: str) -> list[str]:
    """Lines with pip's backslash continuations joined."""
    lines: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def _relaxed(line: str) -> str | None:
    """'name[extras]; marker' for a 'name[extras]<version spec>; marker' requirement."""
    # Per-line options (--hash=...) follow the requirement.
    requirement = re.split(r"\s--", line, maxsplit=1)[0]
    match = _NAME.match(requirement)
    if not match:
        return None
    name, extras, rest = match.group(1), match.group(2) or "", match.group(3)
    spec, _, marker = rest.partition(";")
    spec = spec.strip()
    if spec.startswith("@") or not _RELAXABLE.search(spec):
        return None
    return name + extras + (f"; {marker.strip()}" if marker.strip() else "")


def pip_install(options: list[str], lines: list[str], workdir: Path, cwd: Path) -> tuple[int, str]:
    """Run pip on these requirement lines, echoing its output; its return code and error."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".txt", prefix="arena-", dir=workdir, delete=False
    ) as listing:
        listing.write("\n".join([*options, *lines]) + "\n")
    command = [sys.executable, "-m", "pip", "install", "--no-input", "--progress-bar", "off"]
    environment = {**os.environ, "PIP_ROOT_USER_ACTION": "ignore"}
    try:
        process = subprocess.Popen(
            [*command, "-r", listing.name],
            cwd=cwd,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        tail: collections.deque[str] = collections.deque(maxlen=400)
        last_output = [time.monotonic()]

        def pump() -> None:
            assert process.stdout is not None
            for output in process.stdout:
                say(output.rstrip("\n"))
                tail.append(output.rstrip("\n"))
                last_output[0] = time.monotonic()

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        started = time.monotonic()
        while reader.is_alive():
            reader.join(timeout=1.0)
            if time.monotonic() - last_output[0] >= KEEPALIVE_SECONDS:
                say(f"arena: pip is still at work ({time.monotonic() - started:.0f} s)")
                last_output[0] = time.monotonic()
        return process.wait(), pip_error(list(tail))
    finally:
        os.unlink(listing.name)


def pip_error(output: list[str]) -> str:
    """The line of pip's output that says what went wrong."""
    errors = [
        line[len("ERROR:") :].strip()
        for line in output
        if line.startswith("ERROR:") and "Can't roll back" not in line
    ]
    if errors:
        return errors[-1]
    failures = [line.strip() for line in output if line.strip().lower().startswith("error:")]
    if failures:
        return failures[-1]
    return next((line.strip() for line in reversed(output) if line.strip()), "pip failed")


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def install(requirements_file: Path, project: Path) -> int:
    options, requirements = parse(requirements_file.read_text(encoding="utf-8-sig"), project)
    if not requirements:
        say("arena: requirements.txt names nothing to install")
        return 0
    workdir = requirements_file.parent
    cwd = project if project.is_dir() else workdir
    alone = len(requirements) == 1
    if alone:
        say(f"arena: installing {requirements[0].line}")
    else:
        say(f"arena: installing the {len(requirements)} requirements together")
    code, error = pip_install(options, [r.line for r in requirements], workdir, cwd)
    if code == 0:
        return 0
    if not alone:
        say("arena: they do not install together; installing them one by one")
    failures = []
    relaxed = False
    for requirement in requirements:
        if not alone:  # a single requirement has just been tried on its own
            say(f"arena: installing {requirement.line}")
            code, error = pip_install(options, [requirement.line], workdir, cwd)
            if code == 0:
                continue
        if requirement.relaxed is not None:
            say(f"arena: {requirement.line} does not install; trying {requirement.relaxed}")
            code, relaxed_error = pip_install(options, [requirement.relaxed], workdir, cwd)
            if code == 0:
                what = "that version" if "==" in requirement.line else "a version in that range"
                say(
                    f"{RELAXED}{requirement.line} to {requirement.relaxed}: no release of "
                    f"{what} installs on Python {python_version()}"
                )
                relaxed = True
                continue
            error = relaxed_error
        failures.append((requirement.line, error))
    for line, error in failures:
        say(f"{FAILURE}{line}: {error}")
    if failures:
        return 1
    if not relaxed and not alone:
        say(
            "arena: each requirement installed on its own, though not all together: they may "
            "conflict (pip's warnings above say how), and where they do the ones listed last won"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("requirements", type=Path)
    parser.add_argument("--project", type=Path, default=Path("/player"))
    args = parser.parse_args(argv)
    return install(args.requirements, args.project)


if __name__ == "__main__":
    sys.exit(main())
