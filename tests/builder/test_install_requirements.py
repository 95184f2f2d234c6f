"""The script that installs requirements inside the image build: how it reads them.

Its pip runs are exercised end to end by test_build_task.py, in a real image build.
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
