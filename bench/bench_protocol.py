"""Per-move round trip to a player in a Docker container: our protocol against the original.

    python bench/bench_protocol.py [--moves N]

- arena protocol: a JSON line over the unix socket the Docker sandbox uses (run_duel);
- docker attach: the same harness over the container's stdin/stdout relayed by the Docker
  daemon (what `docker run -i` piping costs);
- baseline, the 2019 way: a small HTTP server in the container (bench/http_player/server.py),
  one `requests.post` per move (a new connection each time, as the original did), and the
  same with a keep-alive `requests.Session` for fairness.

Every player answers with the random example player, so the figures compare transports.
The HTTP containers use the host's network and listen on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import time

from _common import EXAMPLE_PLAYERS, ROOT, player_image, print_table

STATE = [0.0, -1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -1.0]
VALID = [0, 3, 5, 6, 7, 8]


def time_per_call(call, moves: int) -> float:
    for _ in range(50):  # warm up
        call()
    start = time.perf_counter()
    for _ in range(moves):
        call()
    return (time.perf_counter() - start) / moves


def arena_protocol(client, image: str, moves: int) -> float:
    from run_duel import Limits
    from run_duel.docker_sandbox import DockerPlayer

    with DockerPlayer(
        image, "bench", Limits.for_environment("tic-tac-toe"), client=client
    ) as player:
        player.open()
        return time_per_call(lambda: player.step(STATE, VALID, 0.0), moves)


def docker_attach(client, image: str, moves: int) -> float:
    container = client.containers.run(
        image,
        ["python3", "/opt/arena/harness.py", "--state-dtype", "float64"],
        stdin_open=True,
        detach=True,
        network_mode="none",
    )
    try:
        sock = container.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})._sock
        buffer = bytearray()

        def read_line() -> bytes:
            while b"\n" not in buffer:
                header = _recv_exactly(sock, 8)
                buffer.extend(_recv_exactly(sock, struct.unpack(">I", header[4:])[0]))
            end = buffer.index(b"\n")
            line = bytes(buffer[:end])
            del buffer[: end + 1]
            return line

        read_line()  # ready
        request = (
            json.dumps(
                {"method": "step", "state": STATE, "valid_actions": VALID, "prev_reward": 0.0}
            ).encode()
            + b"\n"
        )

        def call() -> None:
            sock.sendall(request)
            json.loads(read_line())

        return time_per_call(call, moves)
    finally:
        container.remove(force=True)


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("container closed the stream")
        data += chunk
    return data


def http_baseline(client, image: str, moves: int, keep_alive: bool) -> float:
    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    container = client.containers.run(
        image,
        ["python3", "/bench/server.py", "--port", str(port)],
        volumes={str(ROOT / "bench" / "http_player"): {"bind": "/bench", "mode": "ro"}},
        network_mode="host",
        detach=True,
    )
    url = f"http://127.0.0.1:{port}/step"
    body = {"state": STATE, "valid_actions": VALID, "prev_reward": 0.0}
    try:
        for _ in range(100):
            try:
                requests.post(url, json=body, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        post = requests.Session().post if keep_alive else requests.post
        return time_per_call(lambda: post(url, json=body, timeout=5).json(), moves)
    finally:
        container.remove(force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=2000)
    moves = parser.parse_args().moves
    from run_duel.docker_sandbox import docker_client

    client = docker_client()
    image = player_image(client, EXAMPLE_PLAYERS / "random")
    baseline = http_baseline(client, image, moves, keep_alive=False)
    rows = [
        ("HTTP POST per move (2019 baseline)", baseline),
        ("HTTP POST, keep-alive session", http_baseline(client, image, moves, keep_alive=True)),
        ("docker attach stdin/stdout", docker_attach(client, image, moves)),
        ("arena protocol (unix socket)", arena_protocol(client, image, moves)),
    ]
    print_table(
        f"Per-move round trip into a Docker container, {moves} moves each",
        ["transport", "ms/move", "x baseline time"],
        [[name, f"{seconds * 1000:.3f}", f"{seconds / baseline:.3f}"] for name, seconds in rows],
    )


if __name__ == "__main__":
    main()
