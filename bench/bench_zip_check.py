"""The upload check of a hostile zip: a million folder entries, ~52 MB.

    python bench/bench_zip_check.py [--entries 1000000]

The zip is the one that held a web process for 19 s of CPU and +437 MB on main: only a
central directory of empty folder entries (46 bytes and a 6-byte name each; zipfile opens a
zip without reading its local headers), with a zip64 end record announcing them all. Each
row runs in a fresh subprocess, which reports its wall and CPU time and how much its peak
resident memory (``ru_maxrss``) grew during the check, above the interpreter and its imports
(tracemalloc is left off: it slows zipfile's parsing tenfold):

- ``baseline``: ``zipfile.ZipFile(path).infolist()``, what opening the zip costs on main;
- ``check_submission``: the upload check, which reads the end record and refuses the zip;
- ``check_submission, understated``: the same directory behind an end record announcing one
  entry, refused by the directory's size.

Ratios are against the baseline measured in the same run. No test asserts any timing.
"""

from __future__ import annotations

import argparse
import json
import resource
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import print_table  # noqa: E402

_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR = struct.Struct("<4sLQL")


def write_flood(path: Path, entries: int, understated: bool) -> None:
    """``entries`` folder entries in a central directory alone, written in slices."""
    folder = (0o40755 << 16) | 0x10
    header = _CENTRAL.pack(b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, 0, 0, 0, 6, 0, 0, 0, 0, folder, 0)
    size = 0
    with open(path, "wb") as sink:
        for start in range(0, entries, 100_000):
            chunk = b"".join(
                header + b"%05x/" % n for n in range(start, min(entries, start + 100_000))
            )
            sink.write(chunk)
            size += len(chunk)
        if understated:
            sink.write(_END.pack(b"PK\x05\x06", 0, 0, 1, 1, size, 0, 0))
            return
        sink.write(_END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, size, 0))
        sink.write(_LOCATOR.pack(b"PK\x06\x07", 0, size, 1))
        sink.write(_END.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))


def child(kind: str, path: str) -> None:
    """One measurement, in this fresh process; prints it as JSON."""
    import zipfile

    from builder.submission import SubmissionError, check_submission

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = ""
    if kind == "baseline":
        with zipfile.ZipFile(path) as archive:
            outcome = f"opened, {len(archive.infolist())} entries"
    else:
        try:
            check_submission(path)
            outcome = "accepted"
        except SubmissionError as exc:
            outcome = f"refused: {str(exc)[:36]}..."
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in KB on Linux.
    grown, rss = (after - before) * 1024, after * 1024
    print(json.dumps({"wall": wall, "cpu": cpu, "grown": grown, "rss": rss, "outcome": outcome}))


def less_memory(baseline: int, grown: int) -> str:
    # ru_maxrss moves in pages: below 1 MB of growth, say only that the ratio is at least so.
    if grown < 2**20:
        return f">{baseline / 2**20:.0f}x"
    return f"{baseline / grown:.0f}x"


def measure(kind: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="arena-bench-zip-") as folder:
        flood, understated = Path(folder) / "flood.zip", Path(folder) / "understated.zip"
        write_flood(flood, args.entries, understated=False)
        write_flood(understated, args.entries, understated=True)
        runs = [
            ("baseline: ZipFile().infolist()", measure("baseline", flood)),
            ("check_submission", measure("check", flood)),
            ("check_submission, understated", measure("check", understated)),
        ]
        size = flood.stat().st_size
    base = runs[0][1]
    rows = [
        [
            name,
            f"{run['wall'] * 1000:.1f}",
            f"{run['cpu'] * 1000:.1f}",
            f"{base['wall'] / max(run['wall'], 1e-9):.0f}x",
            f"{run['grown'] / 2**20:.1f}",
            f"{run['rss'] / 2**20:.0f}",
            less_memory(base["grown"], run["grown"]),
            run["outcome"],
        ]
        for name, run in runs
    ]
    print_table(
        f"Checking a zip of {args.entries} folder entries ({size / 2**20:.0f} MB)",
        ["", "wall ms", "cpu ms", "faster", "peak +MB", "peak MB", "less memory", "outcome"],
        rows,
    )


if __name__ == "__main__":
    main()
