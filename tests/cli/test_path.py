"""`arena` on the PATH as the README says: `make` writes it into the virtualenv's bin/."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


class _NotTheArena(BaseHTTPRequestHandler):
    """A loopback server answering JSON the CLI does not expect."""

    def do_GET(self) -> None:
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_unexpected_answer_is_one_line_and_a_traceback_only_on_request():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotTheArena)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
        env.update(PYTHONPATH=str(ROOT), ARENA_SERVER=url, ARENA_TOKEN="arena_x")
        command = [sys.executable, "-m", "arena", "submit", "-g", "quarto", "-c", "x"]
        command.append(str(ROOT / "example_players" / "random"))
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 3
        assert result.stderr.startswith("arena: unexpected failure (TypeError: ")
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        env["ARENA_DEBUG"] = "1"
        debug = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        assert debug.stderr.count("Traceback (most recent call last)") == 1
    finally:
        server.shutdown()
