"""What a hostile player costs the arena: memory for an endless line, size for huge errors.

    python bench/bench_hostile.py [--matches N]

1. A player writes 1.5 GB on the protocol stream without a newline. The dev kit
   (``python -m run_duel``, process sandbox) reads at most its line limit and blames the
   player; the baseline, in the same run, is a reader that takes the protocol line by line
   with ``readline()`` as the 2019 arena did. Peak resident memory of each reader process.
2. A player fails every match of a 1000-match duel with a 20 MB exception message. The size of
   its duel JSON, beside the JSON of an ordinary 1000-match random-vs-random duel of the same
   run (what any duel record weighs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from _common import EXAMPLE_PLAYERS, ROOT, print_table

FLOOD = ROOT / "bench" / "players" / "flood_line"
HUGE_ERROR = EXAMPLE_PLAYERS / "hostile" / "huge_error"
RANDOM = EXAMPLE_PLAYERS / "random"

# Runs the dev kit in this process and reports its own peak memory (kB) on the last line.
DEV_KIT = """
import resource, runpy, sys
sys.argv = ["run_duel", "-e", "tic-tac-toe", "--player-1", sys.argv[1], "--player-2", sys.argv[2],
            "-n", "1", "--sandbox", "process", "-o", "/dev/null"]
try:
    runpy.run_module("run_duel", run_name="__main__")
except SystemExit:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

# The baseline: the harness as a child, its protocol read with readline(), no cap.
UNBOUNDED = """
import json, resource, subprocess, sys
harness, player = sys.argv[1], sys.argv[2]
process = subprocess.Popen([sys.executable, harness], cwd=player, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
process.stdout.readline()  # ready
request = {"method": "start", "state": [0] * 9 + [1], "valid_actions": list(range(9))}
process.stdin.write(json.dumps(request).encode() + b"\\n")
process.stdin.flush()
line = process.stdout.readline()  # 1.5 GB later
process.kill()
print(len(line), file=sys.stderr)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_memory(script: str, *args: str) -> tuple[float, float]:
    """(peak MB, seconds) of ``script`` run in a fresh interpreter from the repository."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    seconds = time.perf_counter() - start
    return int(done.stdout.strip().splitlines()[-1]) / 1024, seconds


def record_sizes(matches: int) -> tuple[int, int, str]:
    from run_duel import Limits, run_duel
    from run_duel.process_sandbox import ProcessPlayer

    limits = Limits.for_environment("tic-tac-toe")
    sizes = []
    for folder in (RANDOM, HUGE_ERROR):
        one = ProcessPlayer(folder, "player 1", limits)
        two = ProcessPlayer(RANDOM, "player 2", limits)
        with one, two:
            record = run_duel("tic-tac-toe", one, two, matches)
        sizes.append(len(json.dumps(record)))
    assert record["player_1_errors"] == matches, record["error_msg"]
    return sizes[0], sizes[1], record["matches"][-1]["error_msg"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=1000)
    arguments = parser.parse_args()

    harness = str(ROOT / "run_duel" / "harness.py")
    baseline_mb, baseline_s = peak_memory(UNBOUNDED, harness, str(FLOOD))
    dev_kit_mb, dev_kit_s = peak_memory(DEV_KIT, str(FLOOD), str(RANDOM))
    print_table(
        "A player writes 1.5 GB without a newline on the protocol stream",
        ["reader", "peak MB", "seconds", "x baseline memory"],
        [
            ["readline(), as in 2019 (baseline)", f"{baseline_mb:.0f}", f"{baseline_s:.1f}", "1"],
            [
                "the dev kit (line limit 1 MiB)",
                f"{dev_kit_mb:.0f}",
                f"{dev_kit_s:.1f}",
                f"{dev_kit_mb / baseline_mb:.3f}",
            ],
        ],
    )

    ordinary, hostile, last_error = record_sizes(arguments.matches)
    print_table(
        f"Duel JSON of {arguments.matches} matches",
        ["duel", "bytes", "x ordinary"],
        [
            ["random vs random (baseline)", f"{ordinary:,}", "1"],
            ["20 MB error in every match", f"{hostile:,}", f"{hostile / ordinary:.2f}"],
        ],
    )
    print(f"\nlast match's error: {last_error[:120]}")


if __name__ == "__main__":
    main()
