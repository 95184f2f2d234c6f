"""What a competitor page pays for its record panels: duel records read from files against
their summaries from the cache (web.records).

    DJANGO_SETTINGS_MODULE=core.settings python bench/bench_records.py [--duels 20] [--matches 1000]

Plays ``--matches``-match tic-tac-toe duels in-process (random against dummy, so the records
hold real states and ``move_seconds``), writes them as JSON files, then times, for the
``--duels`` latest duels a page reads:

- ``files (baseline)``: open, ``json.load`` and ``summarise_record`` for each record, what the
  page would do without a cache;
- ``cache``: ``cache.get_many`` of the summaries, through the configured cache (Redis when
  ``CELERY_BROKER_URL`` is set, as in production; the process's memory otherwise).

Each ratio is against the baseline measured in the same run; no timing is asserted by tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402

from bench._common import EXAMPLE_PLAYERS, print_table  # noqa: E402
from run_duel import run_duel  # noqa: E402
from run_duel.players import load_player  # noqa: E402
from web.records import summarise_record  # noqa: E402


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duels", type=int, default=20)
    parser.add_argument("--matches", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    record = run_duel(
        "tic-tac-toe",
        load_player(EXAMPLE_PLAYERS / "random", label="player 1"),
        load_player(EXAMPLE_PLAYERS / "dummy", label="player 2"),
        args.matches,
    )
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"{n}.json" for n in range(args.duels)]
        for path in paths:
            path.write_text(json.dumps(record))
        size = paths[0].stat().st_size

        def from_files() -> None:
            for path in paths:
                with path.open("rb") as file:
                    summarise_record(json.load(file))

        keys = [f"arena:bench-record-summary:{n}" for n in range(args.duels)]
        summary = summarise_record(record)
        cache.set_many(dict.fromkeys(keys, summary), 600)

        def from_cache() -> None:
            assert len(cache.get_many(keys)) == len(keys)

        files = best_of(args.runs, from_files)
        cached = best_of(args.runs, from_cache)
        cache.delete_many(keys)
    summary_bytes = len(json.dumps(summary))
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[1]
    print_table(
        f"{args.duels} duels of {args.matches} matches (record {size / 1e6:.1f} MB, summary "
        f"{summary_bytes:,} bytes), best of {args.runs}, cache: {backend}",
        ["source", "ms per page", "ratio"],
        [
            ["files (baseline)", f"{files * 1000:.1f}", "1.0x"],
            ["cache", f"{cached * 1000:.2f}", f"{files / cached:.0f}x faster"],
        ],
    )


if __name__ == "__main__":
    main()
