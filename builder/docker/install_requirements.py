"""Downloads, then installs, a submission's requirements while its player image is built.

    python3 install_requirements.py download REQUIREMENTS_TXT --dest DIR
    python3 install_requirements.py install REQUIREMENTS_TXT [--project DIR]

Runs on the image's own python3 before anything is installed, so it uses the standard
library only. The builder (builder/image.py) runs it twice, in two containers: ``download``
fetches ready-made wheels only (``pip download --only-binary=:all:``: no package code runs)
with network and no submission files, and writes the lines that worked to
``DIR/arena-resolved.json``; ``install`` installs those wheels and the submission's own local
packages (whose setup.py does run) with ``pip install --no-index`` and no network.

Each pip run is first the whole set, so that pip picks versions that fit together. When that
fails, each requirement alone: one pinned (or capped) to versions that do not install on this
Python, such as ``numpy==1.16.5`` from a 2019 environment, is retried without its version, and
the relaxation is written to the build log. A requirement that does not install at all fails
the build, with pip's message; the line starting with FAILURE names it, for the builder to
tell the participant.

pip's own settings (index URL, CA bundle, wheelhouse, --no-index) come from the PIP_*
environment the builder sets. :func:`plan` is the builder's half: which lines of a
requirements.txt are downloaded from the index and which are the submission's own.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# builder/image.py looks for these prefixes in the build log.
FAILURE = "arena: could not install "
RELAXED = "arena: relaxed "
STILL_AT_WORK = "arena: pip is still at work"
# pip can be silent for minutes while it builds a wheel; a line now and then shows the build
# is alive (the builder beats its heartbeat and checks its deadline on each line).
KEEPALIVE_SECONDS = 10.0
# What ``download`` writes beside the wheels: {requirement line: the line that downloaded}.
RESOLVED = "arena-resolved.json"
# The wheels of torch's CUDA build: gigabytes that an arena without a GPU never uses.
_CUDA_WHEEL = re.compile(r"^(nvidia_|triton-|cuda_)", re.IGNORECASE)
# torch and the packages that bring it along (builder.dependencies.mentions_torch).
TORCH_NAMES = {"torch", "pytorch", "pytorch-cpu", "torchvision", "torchaudio", "torchtext"}
# Global options of a requirements.txt that the download keeps. The others name another
# index or a folder (the arena downloads from its own index only: an index URL of the
# participant's would make the builder fetch any address for them) or would let pip build an
# sdist, which runs its code, in the phase that has network.
_KEPT_OPTIONS = ("--pre", "--prefer-binary")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://|git\+|hg\+|svn\+|bzr\+)")
_EDITABLE = re.compile(r"^(-e|--editable)(\s*=?\s*)(\S+)$")
# A local package is built with setuptools unless its pyproject.toml names its own backend.
DEFAULT_BUILD_REQUIREMENTS = ("setuptools>=40.8.0", "wheel")
_MAX_NESTING = 5

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


@dataclass
class Plan:
    """How the builder splits a submission's requirements.txt between its two phases."""

    options: list[str] = field(default_factory=list)  # global options kept (--pre...)
    constraints: list[str] = field(default_factory=list)  # lines of its -c files
    index: list[str] = field(default_factory=list)  # downloaded as wheels from the index
    local: list[str] = field(default_factory=list)  # its own packages, built with no network
    build: list[str] = field(default_factory=list)  # what building those needs (wheels)
    notes: list[str] = field(default_factory=list)  # for the top of the build log
    refused: list[str] = field(default_factory=list)  # lines no build can install: why

    @property
    def empty(self) -> bool:
        return not (self.index or self.local)


def plan(text: str, project: Path) -> Plan:
    """Split requirements.txt (``project`` holds the submission, on the builder's side).

    Nested ``-r`` files are read in, ``-c`` files become constraint lines; a VCS or URL
    requirement is refused: the build has no network, and the download is from the arena's
    index only.
    """
    result = Plan()
    _plan_into(result, text, project, project.resolve(), depth=0)
    for line in result.local:
        for requirement in _build_requirements(project, line):
            if requirement not in result.build:
                result.build.append(requirement)
    return result


def _plan_into(result: Plan, text: str, project: Path, root: Path, depth: int) -> None:
    for raw in _logical_lines(text):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        path_option = _OPTIONS_WITH_PATH.match(line)
        editable = _EDITABLE.match(line)
        if path_option:
            flag, _, path = path_option.groups()
            nested = _inside(project, root, path)
            if nested is None:
                result.refused.append(
                    f"{line}: name a file of your submission, by a path relative to its root"
                )
            elif depth >= _MAX_NESTING:
                result.refused.append(f"{line}: requirement files nest too deeply")
            elif flag in ("-c", "--constraint"):
                for constraint in _logical_lines(_read(nested)):
                    constraint = re.sub(r"(^|\s)#.*$", "", constraint).strip()
                    if constraint and not constraint.startswith("-"):
                        result.constraints.append(constraint)
            else:
                _plan_into(result, _read(nested), project, root, depth + 1)
        elif editable:
            target = editable.group(3)
            if _URL.match(target):
                result.refused.append(_refusal(line))
            else:
                result.local.append(f"-e {target}")
        elif line.startswith("-"):
            if line.split()[0].split("=")[0] in _KEPT_OPTIONS:
                result.options.append(line)
            else:
                result.notes.append(
                    f"ignored the option {line!r} of requirements.txt: the arena installs from "
                    "its own package index only, and only ready-made wheels from there"
                )
        elif _URL.match(line) or re.search(r"@\s*\S+://", line.split(";")[0]):
            result.refused.append(_refusal(line))
        elif _is_path(line):
            result.local.append(line)
        else:
            result.index.append(line)


def _refusal(line: str) -> str:
    return (
        f"{line}: the build has no network and the arena downloads from its own package index "
        "only; put the package's files in your zip and list it as ./folder (or ./file.whl)"
    )


def _is_path(line: str) -> bool:
    requirement = re.split(r"\s--", line, maxsplit=1)[0].strip()
    return (
        requirement.startswith((".", "/", "~"))
        or "/" in requirement.split(";")[0]
        or requirement.endswith((".whl", ".tar.gz", ".zip", ".tar.bz2"))
    )


def _inside(project: Path, root: Path, path: str) -> Path | None:
    """``path`` of the submission, or None when it leaves it (or is a URL)."""
    if _URL.match(path) or os.path.isabs(path):
        return None
    candidate = (project / path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig", errors="replace")


def _build_requirements(project: Path, line: str) -> list[str]:
    """What pip needs to build the local package of ``line`` (a wheel needs nothing)."""
    target = line[3:] if line.startswith("-e ") else re.split(r"\s--", line, maxsplit=1)[0]
    target = target.split(";")[0].strip()
    if target.endswith(".whl"):
        return []
    folder = (project / target).resolve()
    pyproject = folder / "pyproject.toml"
    if folder.is_dir() and pyproject.is_file():
        import tomllib  # only on the builder's side, which runs Python 3.11 or later

        try:
            system = tomllib.loads(_read(pyproject)).get("build-system", {})
        except tomllib.TOMLDecodeError:
            system = {}  # pip will say what is wrong with it, in the build
        requires = system.get("requires") if isinstance(system, dict) else None
        if isinstance(requires, list) and all(isinstance(r, str) for r in requires):
            return [*requires, "wheel"] if requires else list(DEFAULT_BUILD_REQUIREMENTS)
    return list(DEFAULT_BUILD_REQUIREMENTS)


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


def pip_install(
    options: list[str],
    lines: list[str],
    workdir: Path,
    cwd: Path,
    pip_args: tuple[str, ...] = ("install",),
    environment: dict[str, str] | None = None,
) -> tuple[int, str]:
    """Run pip on these requirement lines, echoing its output; its return code and error."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".txt", prefix="arena-", dir=workdir, delete=False
    ) as listing:
        listing.write("\n".join([*options, *lines]) + "\n")
    command = [sys.executable, "-m", "pip", *pip_args, "--no-input", "--progress-bar", "off"]
    environment = {**(os.environ if environment is None else environment)}
    environment["PIP_ROOT_USER_ACTION"] = "ignore"
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
                say(f"{STILL_AT_WORK} ({time.monotonic() - started:.0f} s)")
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


def install(
    requirements_file: Path, project: Path, pip_args: tuple[str, ...] = ("install",)
) -> tuple[int, dict[str, str]]:
    """Run pip (``pip_args``) on the file's requirements, relaxing pins that do not install.

    Returns pip's outcome (0: everything installed) and, for each requirement line that
    did, the line that worked (itself, or relaxed).
    """
    options, requirements = parse(requirements_file.read_text(encoding="utf-8-sig"), project)
    if not requirements:
        say("arena: requirements.txt names nothing to install")
        return 0, {}
    # The image's root is read-only while it builds; its /tmp is not.
    workdir = Path(tempfile.gettempdir())
    cwd = project if project.is_dir() else requirements_file.parent
    verb = "downloading" if pip_args[0] == "download" else "installing"
    alone = len(requirements) == 1
    if alone:
        say(f"arena: {verb} {requirements[0].line}")
    else:
        say(f"arena: {verb} the {len(requirements)} requirements together")
    code, error = pip_install(options, [r.line for r in requirements], workdir, cwd, pip_args)
    if code == 0:
        return 0, {r.line: r.line for r in requirements}
    if not alone:
        say(f"arena: they do not go together; {verb} them one by one")
    failures = []
    worked: dict[str, str] = {}
    relaxed = False
    for requirement in requirements:
        if not alone:  # a single requirement has just been tried on its own
            say(f"arena: {verb} {requirement.line}")
            code, error = pip_install(options, [requirement.line], workdir, cwd, pip_args)
            if code == 0:
                worked[requirement.line] = requirement.line
                continue
        if requirement.relaxed is not None:
            say(f"arena: {requirement.line} does not install; trying {requirement.relaxed}")
            code, relaxed_error = pip_install(
                options, [requirement.relaxed], workdir, cwd, pip_args
            )
            if code == 0:
                what = "that version" if "==" in requirement.line else "a version in that range"
                say(
                    f"{RELAXED}{requirement.line} to {requirement.relaxed}: no release of "
                    f"{what} installs on Python {python_version()}"
                )
                worked[requirement.line] = requirement.relaxed
                relaxed = True
                continue
            error = relaxed_error
        failures.append((requirement.line, error))
    for line, error in failures:
        say(f"{FAILURE}{line}: {error}")
    if failures:
        return 1, worked
    if not relaxed and not alone:
        say(
            "arena: each requirement installed on its own, though not all together: they may "
            "conflict (pip's warnings above say how), and where they do the ones listed last won"
        )
    return 0, worked


def is_torch(line: str) -> bool:
    """Whether the requirement ``line`` names torch or a package that brings it."""
    match = _NAME.match(line.strip())
    return match is not None and re.sub(r"[-_.]+", "-", match.group(1)).lower() in TORCH_NAMES


def fetch_cpu_torch(requirements_file: Path, dest: Path) -> dict[str, str] | None:
    """Download the torch requirements first, from the CPU sources only; None if refused.

    The sources are the arena's CPU index (``ARENA_TORCH_INDEX_URL``) and its wheelhouse,
    never the main index, whose Linux torch is the CUDA build (gigabytes of nvidia packages,
    for an arena without a GPU). Returns, for each torch requirement, the exact pin of the
    wheel it got (``torch==2.13.0+cpu``), for the download of everything to take: a pin (or
    cap) that no CPU build meets is relaxed like any other.
    """
    options, requirements = parse(requirements_file.read_text(encoding="utf-8-sig"))
    torch = [r for r in requirements if is_torch(r.line)]
    if not torch:
        return {}
    environment = {key: value for key, value in os.environ.items() if key not in _INDEX_VARIABLES}
    cpu_index = os.environ.get("ARENA_TORCH_INDEX_URL", "")
    if cpu_index:
        environment["PIP_INDEX_URL"] = cpu_index
    else:
        environment["PIP_NO_INDEX"] = "1"
    if not cpu_index and not os.environ.get("PIP_FIND_LINKS"):
        _refuse_cuda(
            [r.line for r in torch], "the arena has neither a CPU package index nor a wheelhouse"
        )
        return None
    pip_args = ("download", "--only-binary=:all:", "--no-deps", "--dest", str(dest))
    workdir = Path(tempfile.gettempdir())
    pins: dict[str, str] = {}
    for requirement in torch:
        say(f"arena: downloading the CPU build of {requirement.line}")
        tries = [requirement.line, *([requirement.relaxed] if requirement.relaxed else [])]
        for line in tries:
            code, error = pip_install(
                options, [line], workdir, requirements_file.parent, pip_args, environment
            )
            if code == 0:
                break
        if code != 0:
            _refuse_cuda([requirement.line], f"its CPU build is not there ({error})")
            return None
        name = _NAME.match(requirement.line.strip())
        assert name is not None  # is_torch matched it
        pins[requirement.line] = _pin_of_wheel(dest, name.group(1)) or line
        if line != requirement.line:
            say(f"{RELAXED}{requirement.line} to {pins[requirement.line]}: its CPU build")
    return pins


def _pin_of_wheel(folder: Path, name: str) -> str | None:
    """'torch==2.13.0+cpu' for torch-2.13.0+cpu-cp311-...whl in ``folder``."""
    wanted = re.sub(r"[-_.]+", "_", name).lower()
    for path in sorted(folder.glob("*.whl")):
        parts = path.name.split("-")
        if len(parts) >= 5 and re.sub(r"[-_.]+", "_", parts[0]).lower() == wanted:
            return f"{name}=={parts[1]}"
    return None


_INDEX_VARIABLES = {"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX"}


def _refuse_cuda(what: list[str], why: str) -> None:
    say(
        f"{FAILURE}{', '.join(what)}: the arena has no GPU and installs torch's CPU build "
        f"only, and {why}: ask for a torch version that its CPU package index or wheelhouse "
        "has (the maintainers set them with ARENA_TORCH_INDEX_URL and ARENA_WHEELHOUSE)"
    )


def download(requirements_file: Path, dest: Path) -> int:
    """Fetch the wheels of the requirements into ``dest``, and what worked into RESOLVED."""
    dest.mkdir(parents=True, exist_ok=True)
    pins = fetch_cpu_torch(requirements_file, dest)
    if pins is None:
        return 1
    if pins:
        # The download of everything takes torch's CPU build from dest, pinned to it.
        links = " ".join(filter(None, [os.environ.get("PIP_FIND_LINKS", ""), str(dest)]))
        os.environ["PIP_FIND_LINKS"] = links
        pinned = Path(tempfile.gettempdir()) / "arena-requirements-pinned.txt"
        options, requirements = parse(requirements_file.read_text(encoding="utf-8-sig"))
        lines = [*options, *(pins.get(r.line, r.line) for r in requirements)]
        pinned.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        pinned = requirements_file
    pip_args = ("download", "--only-binary=:all:", "--dest", str(dest))
    code, worked = install(pinned, requirements_file.parent, pip_args)
    if code != 0:
        return code
    # Keyed by the lines as the builder wrote them, torch's before its pin.
    _, originals = parse(requirements_file.read_text(encoding="utf-8-sig"))
    sent = {r.line: pins.get(r.line, r.line) for r in originals}
    worked = {line: worked[pin] for line, pin in sent.items() if pin in worked}
    cuda = cuda_wheels(dest)
    if cuda:  # brought by a package that is not named like torch
        _refuse_cuda(["torch's CUDA build"], f"something asked for {', '.join(cuda[:3])}")
        return 1
    (dest / RESOLVED).write_text(json.dumps(worked), encoding="utf-8")
    return 0


def cuda_wheels(folder: Path) -> list[str]:
    """The wheels in ``folder`` that only torch's CUDA build needs."""
    return sorted(path.name for path in folder.iterdir() if _CUDA_WHEEL.match(path.name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["download", "install"])
    parser.add_argument("requirements", type=Path)
    parser.add_argument("--dest", type=Path, default=Path("/opt/arena/wheels"))
    parser.add_argument("--project", type=Path, default=Path("/player"))
    args = parser.parse_args(argv)
    if args.mode == "download":
        return download(args.requirements, args.dest)
    return install(args.requirements, args.project)[0]


if __name__ == "__main__":
    sys.exit(main())
