"""From a submission's requirements.txt or conda environment.yml to what pip installs."""

from __future__ import annotations

import pytest

from builder.dependencies import (
    conda_entry_to_pip,
    conda_to_pip,
    dependencies_from_files,
    mentions_torch,
    resolve_dependencies,
)
from builder.submission import SubmissionError

# conda entry -> pip requirement ('' when skipped)
ENTRIES = [
    ("numpy=1.16.5", "numpy==1.16.5"),
    ("numpy==1.16.5", "numpy==1.16.5"),
    ("numpy", "numpy"),
    ("numpy=1.16", "numpy==1.16.*"),  # conda's '=' matches the prefix: any 1.16.x
    ("numpy=1.16.*", "numpy==1.16.*"),
    ("numpy=1.16*", "numpy==1.16.*"),
    ("numpy=1.16.5=py37h7e9f1db_0", "numpy==1.16.5"),  # `conda env export`: build dropped
    ("numpy 1.16.5 py37h7e9f1db_0", "numpy==1.16.5"),  # the form conda prints
    ("numpy>=1.16,<1.18", "numpy>=1.16,<1.18"),
    ("numpy >=1.16", "numpy>=1.16"),
    ("pytorch::pytorch=1.3.1", "torch==1.3.1"),
    ("conda-forge::gym=0.15.4", "gym==0.15.4"),
    ("https://conda.anaconda.org/pytorch::pytorch", "torch"),
    ("pytorch-cpu=1.1.0", "torch==1.1.0"),
    ("py-opencv=4.1", "opencv-python-headless==4.1.*"),
    ("scikit-learn=0.21.3", "scikit-learn==0.21.3"),
    ("msgpack-python=0.6.1", "msgpack==0.6.1"),
    ("tqdm>=4|<2", "tqdm"),  # conda's 'or' has no pip spelling: the version goes
    ("python=3.7", ""),
    ("python", ""),
    ("pip", ""),
    ("pip=19.2.3", ""),
    ("jupyter", ""),
    ("notebook=6.0.1", ""),
    ("ipykernel", ""),
    ("pytest=5.2", ""),
    ("cpuonly", ""),
    ("cudatoolkit=10.1", ""),
    ("mkl=2019.4", ""),
    ("mkl_fft", ""),
    ("setuptools=41.4.0", ""),
    ("wheel", ""),
    ("_libgcc_mutex=0.1=main", ""),
    ("libgcc-ng=9.1.0=hdf63c60_0", ""),
    ("cuda-nvcc", ""),
]


@pytest.mark.parametrize(("entry", "requirement"), ENTRIES, ids=[e for e, _ in ENTRIES])
def test_it_turns_a_conda_entry_into_a_pip_requirement(entry, requirement):
    converted, note = conda_entry_to_pip(entry)
    assert converted == requirement
    if not requirement:
        assert note.startswith(f"skipped {entry}: ")
    elif requirement != entry:
        assert note.startswith(f"{entry} -> {requirement}")


def test_it_notes_that_torch_runs_on_cpu():
    _, note = conda_entry_to_pip("pytorch::pytorch=1.3.1")
    assert "pytorch is torch on PyPI" in note
    assert "CPU only: torch is installed as its CPU build" in note


def test_it_tells_requirements_that_ask_for_torch():
    assert mentions_torch(["numpy", "torchvision==0.28.0"])
    assert not mentions_torch(["numpy", "gym"])


def test_it_converts_a_whole_environment_file():
    dependencies = conda_to_pip(
        """
name: arena
channels:
  - pytorch
  - defaults
dependencies:
  - python=3.7
  - numpy=1.16.5
  - pytorch::pytorch=1.3.1
  - cpuonly
  - pip
  - pip:
    - gym==0.15.4
    - git+https://github.com/someone/somelib.git#egg=somelib
"""
    )
    assert dependencies.requirements == (
        "# converted from environment.yml\n"
        "numpy==1.16.5\n"
        "torch==1.3.1\n"
        "gym==0.15.4\n"
        "git+https://github.com/someone/somelib.git#egg=somelib\n"
    )
    notes = dependencies.notes
    assert notes[0] == "dependencies: environment.yml, converted to pip requirements"
    assert "skipped python=3.7: the image has its own Python" in notes
    assert "numpy=1.16.5 -> numpy==1.16.5" in notes
    assert any(n.startswith("pytorch::pytorch=1.3.1 -> torch==1.3.1 (") for n in notes)
    assert any(n.startswith("skipped cpuonly: ") for n in notes)


@pytest.mark.parametrize(
    "text",
    ["name: x\n", "", "dependencies:\n  - python=3.11\n  - pip\n", "dependencies:\n"],
    ids=["no-dependencies", "empty", "only-skipped", "null-list"],
)
def test_it_installs_nothing_when_nothing_is_left(text):
    dependencies = conda_to_pip(text)
    assert dependencies.requirements is None
    assert dependencies.notes[-1] == "environment.yml names nothing for pip to install"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "dependencies:\n  - numpy\n - scipy\n",
            r"^environment.yml is not valid YAML at line 3 \(.*\): fix it, or list the pip "
            r"packages the player needs in a requirements.txt instead$",
        ),
        ("- numpy\n- scipy\n", r"^environment.yml should be a mapping with a 'dependencies' list"),
        ("dependencies: numpy\n", r"^'dependencies' in environment.yml should be a list"),
        ("dependencies:\n  - 3.7\n", r"^environment.yml lists 3.7 as a dependency: write each"),
        ("dependencies:\n  - {conda: numpy}\n", r"^environment.yml lists \{'conda': 'numpy'\}"),
        ("dependencies:\n  - pip: gym\n", r"^the 'pip:' entry of environment.yml should be a list"),
        ("dependencies:\n  - '=1.0'\n", r"^environment.yml lists '=1.0', which is not a package"),
    ],
    ids=["bad-yaml", "a-list", "not-a-list", "a-number", "a-mapping", "pip-not-a-list", "no-name"],
)
def test_it_rejects_a_malformed_environment_file(text, message):
    with pytest.raises(SubmissionError, match=message):
        conda_to_pip(text)


def test_it_uses_requirements_txt_as_it_is():
    text = "numpy==1.16.5  # old\n--extra-index-url https://example.com/simple\ngym\n"
    dependencies = dependencies_from_files({"requirements.txt": text.encode()})
    assert dependencies.requirements == text
    assert dependencies.notes == ["dependencies: requirements.txt, installed with pip"]


def test_it_prefers_requirements_txt_to_environment_yml():
    dependencies = dependencies_from_files(
        {"requirements.txt": b"gym\n", "environment.yml": b"dependencies: [numpy=1.16.5]\n"}
    )
    assert dependencies.requirements == "gym\n"
    assert dependencies.notes[1] == (
        "environment.yml is ignored: requirements.txt is there too and takes precedence"
    )


def test_it_reads_environment_yaml_too():
    dependencies = dependencies_from_files({"environment.yaml": b"dependencies: [gym=0.15.4]\n"})
    assert dependencies.requirements == "# converted from environment.yaml\ngym==0.15.4\n"


def test_it_installs_nothing_without_a_dependency_file(tmp_path):
    (tmp_path / "player.py").write_text("")
    dependencies = resolve_dependencies(tmp_path)
    assert dependencies.requirements is None
    assert dependencies.notes == ["dependencies: none (no requirements.txt or environment.yml)"]


def test_it_reads_the_files_of_an_unpacked_submission(tmp_path):
    (tmp_path / "environment.yml").write_text("dependencies:\n  - numpy=1.16.5\n")
    assert resolve_dependencies(tmp_path).requirements.splitlines()[1] == "numpy==1.16.5"


def test_it_rejects_a_requirements_file_that_is_not_text():
    with pytest.raises(SubmissionError, match=r"^requirements.txt is not UTF-8 text .*save it"):
        dependencies_from_files({"requirements.txt": b"\xff\xfe\x00n\x00u"})
