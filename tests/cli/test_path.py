"""`arena` on the PATH as the README says: `make` writes it into the virtualenv's bin/."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_make_writes_arena_into_the_virtualenv_and_it_runs_from_anywhere(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    # The target `make demo`, `make test` and `make venv` depend on, in a virtualenv of our own.
    subprocess.run(
        ["make", "--no-print-directory", f"VENV={venv}", f"{venv}/bin/arena"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    # As after `source .venv/bin/activate`: the bin/ folder first on PATH, any folder.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "PYTHON"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    helped = subprocess.run(
        ["arena", "submit", "--help"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert helped.returncode == 0 and "--rank-wait" in helped.stdout, helped.stderr
    refused = subprocess.run(
        ["arena", "submit", "-g", "quarto", "-c", "x", str(elsewhere)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("arena: no API token") and refused.stderr.count("\n") == 1


def test_the_readme_says_how_to_have_arena_on_the_path():
    readme = (ROOT / "README.md").read_text()
    assert "source .venv/bin/activate" in readme and "`.venv/bin/arena`" in readme
    assert "arena submit --game quarto --competitor my-bot ./my_player" in readme
