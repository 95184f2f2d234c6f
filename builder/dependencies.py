"""What a submission asks pip to install, from its requirements.txt or conda environment.yml.

The player image has one Python (3.11) and pip, no conda. A ``requirements.txt`` is used as
it is. The original arena's format, a conda ``environment.yml``, is turned into pip
requirements: versions become pins, channels go, conda-only names get their pip names, and
what a player does not need at run time (Python itself, Jupyter, CUDA, MKL...) is skipped.
Every such decision becomes a note at the top of the build log, so a participant can see why
the image holds what it holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from builder.docker import install_requirements as installer
from builder.errors import SubmissionError

REQUIREMENTS = "requirements.txt"
ENVIRONMENTS = ("environment.yml", "environment.yaml")
DEPENDENCY_FILES = (REQUIREMENTS, *ENVIRONMENTS)

# Conda packages with another name on PyPI.
PIP_NAMES = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "py-opencv": "opencv-python-headless",
    "opencv": "opencv-python-headless",
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "msgpack-python": "msgpack",
    "python-graphviz": "graphviz",
}

# Entries a player does not need at run time, or that pip cannot install: the interpreter and
# packaging tools (the image has its own), notebooks and test runners, GPU and math-library
# builds, and the C libraries `conda env export` lists.
SKIPPED = {
    "python", "pip", "setuptools", "wheel", "conda", "conda-build", "anaconda",
    "jupyter", "jupyterlab", "notebook", "nb_conda", "nb_conda_kernels", "ipykernel",
    "ipython", "ipywidgets", "widgetsnbextension", "pytest", "pytest-cov",
    "cpuonly", "cudatoolkit", "cudnn", "cuda", "nccl", "pytorch-cuda", "pytorch-mutex",
    "mkl", "mkl-service", "mkl_fft", "mkl_random", "mkl-include", "intel-openmp", "blas",
    "openblas", "tbb", "ca-certificates", "openssl", "readline", "ncurses", "sqlite", "tk",
    "xz", "zlib", "bzip2", "yaml", "ld_impl_linux-64", "libgcc-ng", "libstdcxx-ng",
    "libgfortran-ng", "libgomp", "libffi", "libuuid", "libedit", "libopenblas", "libblas",
    "libcblas", "liblapack",
}  # fmt: skip
SKIPPED_PATTERN = re.compile(r"^(_|cuda-|libcu|libnv)")

# A conda match spec: [channel::]name[ version[ build]] or name[=version[=build]] or
# name<op>version. Names of both worlds use letters, digits, '.', '_' and '-'.
_CONDA_SPEC = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*(.*)$")
_OPERATOR = re.compile(r"^(==|>=|<=|!=|~=|>|<)")


@dataclass(frozen=True)
class Dependencies:
    """The requirements.txt to install (None: nothing to install) and notes for the build log."""

    requirements: str | None
    notes: list[str] = field(default_factory=list)


def resolve_dependencies(folder: str | Path) -> Dependencies:
    """The dependencies of the unpacked submission in ``folder``."""
    folder = Path(folder)
    files = {
        name: (folder / name).read_bytes() for name in DEPENDENCY_FILES if (folder / name).is_file()
    }
    return dependencies_from_files(files)


def dependencies_from_files(files: Mapping[str, bytes]) -> Dependencies:
    """The dependencies given the content of the submission's root files, by name."""
    environment_name = next((name for name in ENVIRONMENTS if name in files), None)
    if REQUIREMENTS in files:
        notes = [f"dependencies: {REQUIREMENTS}, installed with pip"]
        if environment_name:
            notes.append(
                f"{environment_name} is ignored: {REQUIREMENTS} is there too and takes precedence"
            )
        return Dependencies(_text(REQUIREMENTS, files[REQUIREMENTS]), notes)
    if environment_name:
        return conda_to_pip(_text(environment_name, files[environment_name]), environment_name)
    return Dependencies(None, ["dependencies: none (no requirements.txt or environment.yml)"])


def conda_to_pip(text: str, filename: str = "environment.yml") -> Dependencies:
    """Turn a conda environment file into pip requirements; a malformed one is rejected."""
    try:
        environment = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise SubmissionError(
            f"{filename} is not valid YAML{line} ({getattr(exc, 'problem', None) or exc}): "
            "fix it, or list the pip packages the player needs in a requirements.txt instead"
        ) from exc
    if environment is None:
        environment = {}
    if not isinstance(environment, dict):
        raise SubmissionError(
            f"{filename} should be a mapping with a 'dependencies' list, as 'conda env export' "
            "writes it; or list the pip packages in a requirements.txt instead"
        )
    entries = environment.get("dependencies") or []
    if not isinstance(entries, list):
        raise SubmissionError(
            f"'dependencies' in {filename} should be a list of packages such as '- numpy=1.24'"
        )
    notes = [f"dependencies: {filename}, converted to pip requirements"]
    lines: list[str] = []
    for entry in entries:
        if isinstance(entry, dict) and set(entry) == {"pip"}:
            pip_entries = entry["pip"] or []
            if not isinstance(pip_entries, list) or not all(
                isinstance(item, str) for item in pip_entries
            ):
                raise SubmissionError(
                    f"the 'pip:' entry of {filename} should be a list of requirements such as "
                    "'- gym==0.21.0'"
                )
            lines += [item.strip() for item in pip_entries if item.strip()]
            continue
        if not isinstance(entry, str):
            raise SubmissionError(
                f"{filename} lists {entry!r} as a dependency: write each one as a line such as "
                "'- numpy=1.24', and pip packages under '- pip:'"
            )
        requirement, note = conda_entry_to_pip(entry, filename)
        if requirement:
            lines.append(requirement)
        if note:
            notes.append(note)
    if not lines:
        notes.append(f"{filename} names nothing for pip to install")
        return Dependencies(None, notes)
    return Dependencies(f"# converted from {filename}\n" + "\n".join(lines) + "\n", notes)


def conda_entry_to_pip(entry: str, filename: str = "environment.yml") -> tuple[str, str]:
    """The pip requirement for one conda entry ('' when skipped) and a note ('' when none)."""
    text = entry.strip()
    # 'pytorch::pytorch=1.3.1': the channel (a name or a URL) says where conda looks; pip
    # has one index.
    match = _CONDA_SPEC.match(text.rpartition("::")[2].strip())
    if not match:
        raise SubmissionError(
            f"{filename} lists {entry!r}, which is not a package: write it as 'name' or "
            "'name=version'"
        )
    name, spec = match.group(1), match.group(2).strip()
    key = name.lower()
    if key in SKIPPED or SKIPPED_PATTERN.match(key):
        reason = (
            "the image has its own Python"
            if key == "python"
            else "not needed to play, or not installable with pip"
        )
        return "", f"skipped {text}: {reason}"
    pip_name = PIP_NAMES.get(key, name)
    version, dropped = _pip_version(spec)
    requirement = pip_name + version
    notes = []
    if pip_name != name:
        notes.append(f"{name} is {pip_name} on PyPI")
    if key.startswith("pytorch"):
        notes.append("the player runs on CPU only: torch is installed as its CPU build")
    if dropped:
        notes.append(f"dropped {dropped!r}, which pip cannot express")
    if requirement != text or notes:
        detail = f" ({'; '.join(notes)})" if notes else ""
        return requirement, f"{text} -> {requirement}{detail}"
    return requirement, ""


def mentions_torch(lines: list[str]) -> bool:
    """Whether these pip requirement lines ask for torch (its CPU build is installed)."""
    return any(installer.is_torch(line) for line in lines)


def _pip_version(spec: str) -> tuple[str, str]:
    """A conda version spec as a pip one, and what of it pip cannot express ('' when nothing).

    A conda build string ('=py37h7e9f1db_0') means nothing to pip and goes silently.
    """
    if not spec:
        return "", ""
    if spec.startswith("=="):
        version = spec[2:].partition("=")[0]
        exact = True
    elif _OPERATOR.match(spec):
        # Comparisons read the same in both worlds; conda's '|' (or) has no pip spelling.
        return ("", spec) if "|" in spec else (spec.replace(" ", ""), "")
    elif spec.startswith("="):
        version, exact = spec[1:].partition("=")[0], False
    else:
        # 'numpy 1.16.5 py37h' (the form conda prints): a version, then a build string.
        version, exact = spec.partition(" ")[0], False
    if not version or "|" in version:
        return "", spec
    return _pin(version, exact), ""


def _pin(version: str, exact: bool) -> str:
    """conda's 'name=1.16' means any 1.16.x, its 'name=1.16.5' the release 1.16.5."""
    version = version.strip()
    if version.endswith("*"):
        return f"=={version.rstrip('*').rstrip('.')}.*"
    if not exact and version.count(".") < 2 and version.replace(".", "").isdigit():
        return f"=={version}.*"
    return f"=={version}"


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{name} is not UTF-8 text ({exc}): save it as UTF-8") from exc
