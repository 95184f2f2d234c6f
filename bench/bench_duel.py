"""A whole tic-tac-toe duel of 1000 matches, random against random: wall time to the JSON.

    python bench/bench_duel.py [--matches N] [--redis URL]

Docker is timed from the start of the containers (images already built) to the duel JSON;
the in-process duel (no sandbox, no protocol) is the floor measured in the same run. With a
Redis (default redis://127.0.0.1:6379/9, when it answers), the Docker duel is timed again while
it publishes every move for spectators (duel_runner/live.py), as the arena's duel task does.
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
    arguments = parser.parse_args()
    matches = arguments.matches
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


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


if __name__ == "__main__":
    main()
