"""A whole tic-tac-toe duel of 1000 matches, random against random: wall time to the JSON.

    python bench/bench_duel.py [--matches N]

Docker is timed from the start of the containers (images already built) to the duel JSON;
the in-process duel (no sandbox, no protocol) is the floor measured in the same run.
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
    matches = parser.parse_args().matches
    from run_duel import Limits, run_duel
    from run_duel.docker_sandbox import DockerPlayer, docker_client
    from run_duel.players import load_player
    from run_duel.process_sandbox import ProcessPlayer

    limits = Limits.for_environment("tic-tac-toe")

    def in_process() -> dict:
        return run_duel("tic-tac-toe", load_player(RANDOM), load_player(RANDOM), matches)

    def sandboxed(make) -> dict:
        with make("player 1") as p1, make("player 2") as p2:
            return run_duel("tic-tac-toe", p1, p2, matches)

    client = docker_client()
    image = player_image(client, RANDOM)
    rows = []
    for name, run in [
        ("in process (floor)", in_process),
        ("process sandbox", lambda: sandboxed(lambda label: ProcessPlayer(RANDOM, label, limits))),
        (
            "docker sandbox",
            lambda: sandboxed(lambda label: DockerPlayer(image, label, limits, client=client)),
        ),
    ]:
        seconds, record = timed(run)
        assert record["player_1_errors"] == record["player_2_errors"] == record["other_errors"] == 0
        rows.append((name, seconds))
    floor = rows[0][1]
    print_table(
        f"Tic-tac-toe duel, {matches} matches, random vs random",
        ["where the players run", "wall s", "x in-process"],
        [[name, f"{seconds:.2f}", f"{seconds / floor:.1f}"] for name, seconds in rows],
    )


if __name__ == "__main__":
    main()
