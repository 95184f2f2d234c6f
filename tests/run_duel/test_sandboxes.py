"""Both sandboxes with well-behaved players: the protocol, restarts, limits, clean-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from run_duel import Limits, run_duel
from run_duel.channel import CappedLog
from tests.conftest import EXAMPLE_PLAYERS

RANDOM = EXAMPLE_PLAYERS / "random"
MINIMAX = EXAMPLE_PLAYERS / "minimax"
CRASH = EXAMPLE_PLAYERS / "hostile" / "crash_mid_match"


def test_the_log_keeps_head_and_tail():
    log = CappedLog(head=10, tail=10)
    for i in range(1000):
        log.write(f"{i:04d}\n".encode())
    text = log.text()
    assert text.startswith("0000\n0001")
    assert text.endswith("0998\n0999\n")
    assert "bytes of log skipped" in text
    assert log.total == 5000


def test_a_process_duel_plays_every_game():
    from run_duel.process_sandbox import ProcessPlayer

    for slug in ("tic-tac-toe", "connect-four", "quarto"):
        limits = Limits.for_environment(slug)
        with (
            ProcessPlayer(RANDOM, "player 1", limits) as p1,
            ProcessPlayer(MINIMAX, "player 2", limits) as p2,
        ):
            record = run_duel(slug, p1, p2, 4)
        assert record["player_1_errors"] == record["player_2_errors"] == record["other_errors"] == 0
        assert record["player_2_wins"] >= record["player_1_wins"], slug


def test_a_crashed_process_is_restarted_then_forfeits():
    from run_duel.process_sandbox import ProcessPlayer

    limits = Limits.for_environment("tic-tac-toe")
    with (
        ProcessPlayer(CRASH, "player 1", limits) as p1,
        ProcessPlayer(RANDOM, "player 2", limits) as p2,
    ):
        record = run_duel("tic-tac-toe", p1, p2, 20, max_restarts=1)
    errors = [m["error_msg"] for m in record["matches"] if m["result"] == "PLAYER_1_ERROR"]
    assert "player 1 exited with code 3 in step() of match" in errors[0]
    # Two crashes (the first run and one restart), then every remaining match is forfeited.
    assert "was not restarted again" in errors[-1]
    assert record["matches"][-1]["result"] == "PLAYER_1_ERROR"
    assert record["player_2_errors"] == 0


def test_a_start_up_failure_forfeits_every_match():
    from run_duel.process_sandbox import ProcessPlayer

    limits = Limits.for_environment("tic-tac-toe")
    broken = EXAMPLE_PLAYERS / "hostile" / "import_error"
    with (
        ProcessPlayer(RANDOM, "player 1", limits) as p1,
        ProcessPlayer(broken, "player 2", limits) as p2,
    ):
        record = run_duel("tic-tac-toe", p1, p2, 6)
    assert record["player_2_errors"] == 6
    assert record["result"] == "PLAYER_1_WIN"
    assert record["error_msg"].startswith("player 2 failed to start: ModuleNotFoundError")
    message = record["matches"][0]["error_msg"]
    assert "player 2 failed to start: ModuleNotFoundError: No module named" in message
    assert "Traceback" in message  # the tail of the player's log comes along


@pytest.mark.docker
def test_a_docker_duel_plays_every_game(player_image, no_leftover_containers):
    from run_duel.docker_sandbox import DockerPlayer

    random_image, minimax_image = player_image(RANDOM), player_image(MINIMAX)
    for slug in ("tic-tac-toe", "connect-four", "quarto"):
        limits = Limits.for_environment(slug)
        with (
            DockerPlayer(random_image, "player 1", limits) as p1,
            DockerPlayer(minimax_image, "player 2", limits) as p2,
        ):
            record = run_duel(slug, p1, p2, 4)
        assert record["player_1_errors"] == record["player_2_errors"] == record["other_errors"] == 0
        assert record["player_2_wins"] >= record["player_1_wins"], slug


@pytest.mark.docker
def test_the_container_is_locked_down(docker_client, player_image, no_leftover_containers):
    from run_duel.docker_sandbox import DockerPlayer

    limits = Limits.for_environment("tic-tac-toe", memory="300m", cpus=0.5)
    with DockerPlayer(player_image(RANDOM), "player 1", limits, client=docker_client) as player:
        player.open()
        attrs = docker_client.containers.get(player._container.id).attrs
        host = attrs["HostConfig"]
        assert host["NetworkMode"] == "none"
        assert host["ReadonlyRootfs"] is True
        assert host["CapDrop"] == ["ALL"]
        assert "no-new-privileges" in host["SecurityOpt"]
        assert host["PidsLimit"] == limits.pids
        assert host["Memory"] == host["MemorySwap"] == 300 * 1024 * 1024
        assert host["NanoCpus"] == 500_000_000
        assert "/tmp" in host["Tmpfs"]
        assert attrs["Config"]["User"] == "1000:1000"
        assert player.start([0.0] * 9 + [1.0], (0, 1, 2, 3, 4, 5, 6, 7, 8)) in range(9)
    assert player._container is None


@pytest.mark.docker
def test_a_missing_image_is_an_arena_error(docker_client, no_leftover_containers):
    from run_duel.docker_sandbox import DockerPlayer
    from tests.run_duel.test_duel import RECORD_KEYS

    limits = Limits.for_environment("tic-tac-toe")
    with (
        DockerPlayer("arena-no-such-image:none", "player 1", limits) as p1,
        DockerPlayer("arena-no-such-image:none", "player 2", limits) as p2,
    ):
        record = run_duel("tic-tac-toe", p1, p2, 4)
    assert set(record) == RECORD_KEYS
    assert record["result"] == "ERROR"
    assert record["player_1_errors"] == record["player_2_errors"] == 0
    assert "no player image" in record["error_msg"]


@pytest.mark.docker
def test_a_container_removed_under_a_player_is_the_arenas_error(player_image, docker_client):
    import threading

    from run_duel.docker_sandbox import DockerPlayer
    from run_duel.players import load_player

    sleeper = Path(__file__).parent / "players" / "sleeps_forever"
    limits = Limits.for_environment("tic-tac-toe", move_timeout=60)
    player = DockerPlayer(player_image(sleeper), "player 1", limits, client=docker_client)

    removed = []

    def remove_it_mid_move():
        import time

        import docker

        deadline = time.monotonic() + 60
        while player._channel is None and time.monotonic() < deadline:  # until it is ready
            time.sleep(0.05)
        time.sleep(1)  # now it sleeps in start(), for longer than the test takes
        other = docker.from_env()  # a client of its own: this runs beside the duel's
        other.containers.get(player._container.id).remove(force=True)
        removed.append(True)

    remover = threading.Thread(target=remove_it_mid_move)
    remover.start()
    with player:
        record = run_duel("tic-tac-toe", player, load_player(RANDOM), 2)
    remover.join()
    assert removed
    # Not the player's fault: the duel is an arena error, to be played again.
    assert record["result"] == "ERROR" and record["other_errors"] == 1
    assert record["player_1_errors"] == 0
    assert "disappeared while it played" in record["error_msg"]
