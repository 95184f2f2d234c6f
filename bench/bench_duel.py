"""A whole tic-tac-toe duel of 1000 matches, random against random: wall time to the JSON.

    python bench/bench_duel.py [--matches N] [--redis URL] [--before TREE]

Docker is timed from the start of the containers (images already built) to the duel JSON;
the in-process duel (no sandbox, no protocol) is the floor measured in the same run. With a
Redis (default redis://127.0.0.1:6379/9, when it answers), the Docker duel is timed again while
it publishes every move for spectators (duel_runner/live.py), as the arena's duel task does.

``--before TREE`` (a checkout of an earlier commit: ``git worktree add /tmp/before <commit>``)
times the Docker duel of that code and of this one, alternately in fresh interpreters, each
with its own harness in its own image, and prints the ratio of their medians: a change to the
protocol or the engine shows its cost here.
"""

from __future__ import annotations

import argparse
import json
import time

from _common import EXAMPLE_PLAYERS, player_image, print_table

RANDOM = EXAMPLE_PLAYERS / "random"


def timed(run) -> tuple[float, dict]:
    start = time.perf_counter()
    record = run()
    json.dumps(record)
    return time.perf_counter() - start, record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=1000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--before", default=None, help="an earlier checkout to compare with")
    parser.add_argument("--rounds", type=int, default=5, help="alternate runs each, --before")
    arguments = parser.parse_args()
    matches = arguments.matches
    if arguments.before:
        compare_with(arguments.before, matches, arguments.rounds)
        return
    from run_duel import Limits, run_duel
    from run_duel.docker_sandbox import DockerPlayer, docker_client
    from run_duel.players import load_player
    from run_duel.process_sandbox import ProcessPlayer

    limits = Limits.for_environment("tic-tac-toe")

    def in_process() -> dict:
        return run_duel("tic-tac-toe", load_player(RANDOM), load_player(RANDOM), matches)

    def sandboxed(make, on_event=None) -> dict:
        with make("player 1") as p1, make("player 2") as p2:
            return run_duel("tic-tac-toe", p1, p2, matches, on_event=on_event)

    def published(make) -> dict:
        from duel_runner.live import Publisher, RedisChannel

        channel = RedisChannel(arguments.redis, maxlen=5000, keep_seconds=60)
        with Publisher(channel, duel_id=0) as publisher:
            return sandboxed(make, publisher)

    client = docker_client()
    image = player_image(client, RANDOM)

    def docker(label: str) -> DockerPlayer:
        return DockerPlayer(image, label, limits, client=client)

    runs = [
        ("in process (floor)", in_process),
        ("process sandbox", lambda: sandboxed(lambda label: ProcessPlayer(RANDOM, label, limits))),
        ("docker sandbox", lambda: sandboxed(docker)),
    ]
    if redis_answers(arguments.redis):
        runs.append(("docker sandbox, live to Redis", lambda: published(docker)))
    rows = []
    for name, run in runs:
        seconds, record = timed(run)
        assert record["player_1_errors"] == record["player_2_errors"] == record["other_errors"] == 0
        rows.append((name, seconds))
    floor = rows[0][1]
    print_table(
        f"Tic-tac-toe duel, {matches} matches, random vs random",
        ["where the players run", "wall s", "x in-process"],
        [[name, f"{seconds:.2f}", f"{seconds / floor:.1f}"] for name, seconds in rows],
    )


# One Docker duel with the code of the tree on sys.path[0]; prints its wall seconds.
ONE_DOCKER_DUEL = """
import sys, time
sys.path.insert(0, sys.argv[1])
from builder.image import BuildSettings, build_player_image, context_digest
from run_duel import Limits, run_duel
from run_duel.docker_sandbox import DockerPlayer, docker_client
folder, matches = sys.argv[2], int(sys.argv[3])
client = docker_client()
settings = BuildSettings(base_image="arena-player-base:latest")
from pathlib import Path
tag = "arena-bench-before:" + context_digest(Path(folder), settings)[:16]
if not client.images.list(name=tag):
    build_player_image(client, Path(folder), tag, settings)
limits = Limits.for_environment("tic-tac-toe")
start = time.perf_counter()
with DockerPlayer(tag, "player 1", limits, client=client) as one:
    with DockerPlayer(tag, "player 2", limits, client=client) as two:
        record = run_duel("tic-tac-toe", one, two, matches)
assert record["other_errors"] == record["player_1_errors"] == record["player_2_errors"] == 0
print(time.perf_counter() - start)
"""


def compare_with(before: str, matches: int, rounds: int = 5) -> None:
    import statistics
    import subprocess
    import sys

    from _common import ROOT

    times: dict[str, list[float]] = {"before": [], "now": []}
    for _ in range(rounds):
        for name, tree in (("before", before), ("now", str(ROOT))):
            done = subprocess.run(
                [sys.executable, "-c", ONE_DOCKER_DUEL, tree, str(RANDOM), str(matches)],
                cwd=tree,
                capture_output=True,
                text=True,
                check=True,
            )
            times[name].append(float(done.stdout.strip().splitlines()[-1]))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print_table(
        f"Docker duel, {matches} matches, {rounds} alternate runs each: this code and {before}",
        ["code", "median s", "runs", "x before"],
        [
            [name, f"{medians[name]:.2f}", " ".join(f"{t:.2f}" for t in times[name]),
             f"{medians[name] / medians['before']:.3f}"]
            for name in ("before", "now")
        ],
    )  # fmt: skip


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


if __name__ == "__main__":
    main()
