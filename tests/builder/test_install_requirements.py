"""The script that downloads and installs requirements in the image build: how it reads them.

Its pip runs are exercised end to end by test_build_task.py and test_build_sandbox.py, in
real image builds.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from builder.image import INSTALL_FAILURE, INSTALL_SCRIPT

# A standalone script copied into the image, not a module of the package: load it by path.
spec = importlib.util.spec_from_file_location("arena_install_requirements", INSTALL_SCRIPT)
script = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = script  # dataclasses look their module up there
spec.loader.exec_module(script)


def test_it_marks_failures_the_way_the_builder_looks_for_them():
    assert script.FAILURE == INSTALL_FAILURE


RELAXATIONS = [
    ("numpy==1.16.5", "numpy"),
    ("numpy == 1.16.5", "numpy"),
    ("numpy===1.16.5", "numpy"),
    ("numpy==1.16.*", "numpy"),
    ("numpy~=1.16", "numpy"),
    ("numpy<1.17", "numpy"),
    ("numpy>=1.10,<=1.16", "numpy"),
    ("scipy[dev]==1.3.1", "scipy[dev]"),
    ('numpy==1.16.5; python_version >= "3"', 'numpy; python_version >= "3"'),
    ("requests==2.0 --hash=sha256:abc", "requests"),
    ("numpy>=1.16", None),  # a lower bound that fails means something else
    ("numpy!=1.16.5", None),
    ("numpy", None),
    ('numpy; python_version < "3.8"', None),  # the '<' is the marker's
    ("gym @ https://example.com/gym-0.15.4.whl", None),
    ("git+https://github.com/someone/somelib.git@v1#egg=somelib", None),
    ("./mylib", None),
]


@pytest.mark.parametrize(("line", "relaxed"), RELAXATIONS, ids=[r[0] for r in RELAXATIONS])
def test_it_relaxes_only_pins_and_upper_bounds(line, relaxed):
    _, requirements = script.parse(line)
    assert requirements == [script.Requirement(line, relaxed)]


def test_it_separates_options_from_requirements():
    options, requirements = script.parse(
        "# a comment\n"
        "--extra-index-url https://example.com/simple\n"
        "\n"
        "numpy==1.16.5  # pinned in 2019\n"
        "-e ./mylib\n"
        "-r more.txt\n"
        "-c /abs/constraints.txt\n"
        "--requirement=others.txt\n"
        "requests==2.0 \\\n"
        "    --hash=sha256:abc\n",
        Path("/player"),
    )
    assert options == ["--extra-index-url https://example.com/simple", "-c /abs/constraints.txt"]
    assert [r.line for r in requirements] == [
        "numpy==1.16.5",
        "-e ./mylib",
        "-r /player/more.txt",
        "--requirement /player/others.txt",
        "requests==2.0      --hash=sha256:abc",
    ]


@pytest.mark.parametrize(
    ("output", "error"),
    [
        (
            [
                "ERROR: Could not find a version that satisfies the requirement nope "
                "(from versions: none)",
                "ERROR: No matching distribution found for nope",
            ],
            "No matching distribution found for nope",
        ),
        (
            [
                "  RuntimeError: Broken toolchain: cannot link a simple C program",
                "  ERROR: Can't roll back numpy; was not uninstalled",
                "error: legacy-install-failure",
                "",
                "note: This is an issue with the package mentioned above, not pip.",
            ],
            "error: legacy-install-failure",
        ),
        (["something odd", ""], "something odd"),
    ],
    ids=["not-found", "build-failure", "no-error-line"],
)
def test_it_finds_the_line_of_pip_that_says_what_went_wrong(output, error):
    assert script.pip_error(output) == error


def _plan(tmp_path: Path, text: str, files: dict[str, str] | None = None):
    for name, content in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    return script.plan(text, tmp_path)


def test_it_plans_index_requirements_apart_from_the_submissions_own(tmp_path):
    plan = _plan(
        tmp_path,
        "numpy==1.16.5\n--pre\n-e ./mylib\n./other\n"
        "wheels/thing-1.0-py3-none-any.whl\n-r more.txt\n",
        {
            "more.txt": "gym==0.21.0  # nested\n-c limits.txt\n",
            "limits.txt": "gym<1\n# a comment\n",
            "mylib/pyproject.toml": '[build-system]\nrequires = ["hatchling"]\n',
            "other/setup.py": "",
        },
    )
    assert plan.index == ["numpy==1.16.5", "gym==0.21.0"]
    assert plan.local == ["-e ./mylib", "./other", "wheels/thing-1.0-py3-none-any.whl"]
    assert plan.options == ["--pre"]
    assert plan.constraints == ["gym<1"]
    # What building the local packages takes is downloaded first; a wheel needs nothing.
    assert plan.build == ["hatchling", "wheel", "setuptools>=40.8.0"]
    assert plan.refused == [] and plan.notes == []


@pytest.mark.parametrize(
    "line",
    [
        "git+https://github.com/someone/somelib.git@v1#egg=somelib",
        "-e git+https://github.com/someone/somelib.git#egg=somelib",
        "gym @ https://example.com/gym-0.15.4.whl",
        "https://example.com/gym-0.15.4.tar.gz",
        "-r https://example.com/requirements.txt",
        "-r ../outside.txt",
    ],
)
def test_it_refuses_what_the_build_would_fetch_from_elsewhere(tmp_path, line):
    plan = _plan(tmp_path, f"numpy\n{line}\n")
    assert plan.index == ["numpy"]
    assert len(plan.refused) == 1 and plan.refused[0].startswith(line)


@pytest.mark.parametrize(
    "line", ["--extra-index-url http://169.254.169.254/", "-i http://db:5432/", "--no-binary :all:"]
)
def test_it_ignores_options_that_would_send_pip_elsewhere_or_build_sdists(tmp_path, line):
    plan = _plan(tmp_path, f"{line}\nnumpy\n")
    assert plan.options == [] and plan.index == ["numpy"]
    assert plan.notes == [
        f"ignored the option {line!r} of requirements.txt: the arena installs from its own "
        "package index only, and only ready-made wheels from there"
    ]


def test_it_spots_the_wheels_of_torchs_cuda_build(tmp_path):
    for name in [
        "torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        "nvidia_cublas_cu12-12.8.4.1-py3-none-manylinux_2_27_x86_64.whl",
        "triton-3.5.0-cp311-cp311-manylinux_2_27_x86_64.whl",
        "numpy-2.4.6-cp311-cp311-manylinux_2_28_x86_64.whl",
    ]:
        (tmp_path / name).touch()
    assert script.cuda_wheels(tmp_path) == [
        "nvidia_cublas_cu12-12.8.4.1-py3-none-manylinux_2_27_x86_64.whl",
        "triton-3.5.0-cp311-cp311-manylinux_2_27_x86_64.whl",
    ]


@pytest.mark.parametrize(
    ("line", "torch"),
    [
        ("torch==2.13.0", True),
        ("Torch>=2", True),
        ("torchvision; python_version >= '3'", True),
        ("pytorch_cpu", True),
        ("torchmetrics", False),
        ("./torch", False),
    ],
)
def test_it_tells_a_torch_requirement(line, torch):
    assert script.is_torch(line) is torch


def test_it_pins_torch_to_the_cpu_wheel_it_downloaded(tmp_path):
    (tmp_path / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").touch()
    (tmp_path / "numpy-2.4.6-cp311-cp311-manylinux_2_28_x86_64.whl").touch()
    assert script._pin_of_wheel(tmp_path, "Torch") == "Torch==2.13.0+cpu"
    assert script._pin_of_wheel(tmp_path, "torchvision") is None
