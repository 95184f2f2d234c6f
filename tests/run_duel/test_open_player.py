"""The one way to open a player (run_duel.sandboxes), and the one memory-size grammar."""

from __future__ import annotations

import contextlib

import pytest

from arena.devkit import parse_args
from run_duel import Limits
from run_duel.docker_sandbox import DockerPlayer
from run_duel.errors import ArenaError
from run_duel.process_sandbox import ProcessPlayer
from run_duel.sandboxes import (
    DOCKER,
    PROCESS,
    DockerOptions,
    PlayerSpec,
    choose_sandbox,
    open_player,
)
from tests.conftest import EXAMPLE_PLAYERS

RANDOM = EXAMPLE_PLAYERS / "random"
STATE = [0.0] * 9 + [1.0]


def test_a_process_player_is_closed_with_its_stack():
    spec = PlayerSpec(PROCESS, RANDOM, "player 1", Limits.for_environment("tic-tac-toe"))
    with contextlib.ExitStack() as stack:
        player = open_player(spec, stack)
        assert isinstance(player, ProcessPlayer)
        player.open()
        assert player.start(STATE, [4]) == 4
        process = player._process
    assert player._process is None and process is not None and process.poll() is not None


def test_without_a_stack_the_player_is_its_own_context_manager():
    spec = PlayerSpec(PROCESS, str(RANDOM), "player 2", Limits.for_environment("tic-tac-toe"))
    with open_player(spec) as player:
        player.open()
        assert player.start(STATE, [0, 8]) in (0, 8)
    assert player._process is None


def test_a_docker_player_is_made_without_starting_anything():
    client = object()  # never called: the container is created when the player launches
    spec = PlayerSpec(
        DOCKER,
        "arena-player@sha256:" + "0" * 64,
        "player 1",
        Limits(),
        labels={"org.rl-arena.duel": "7"},
        docker=DockerOptions(client=client, pull_missing=True),
    )
    player = open_player(spec)
    assert isinstance(player, DockerPlayer)
    assert player.image == spec.source and player.client is client


def test_an_unknown_sandbox_is_the_arenas_error():
    spec = PlayerSpec("chroot", RANDOM, "player 1", Limits())
    with pytest.raises(ArenaError, match="unknown sandbox 'chroot'"):
        open_player(spec)
    with pytest.raises(ArenaError, match="unknown sandbox"):
        choose_sandbox("chroot")
    assert choose_sandbox(PROCESS) == PROCESS and choose_sandbox(DOCKER) == DOCKER


@pytest.mark.parametrize(("text", "size"), [("512m", 512 << 20), ("4g", 4 << 30), ("100", 100)])
def test_the_limits_read_memory_in_the_games_grammar(text, size):
    assert Limits(memory=text).memory_bytes == size


@pytest.mark.parametrize("text", ["1.5g", "4gb", "0", "lots"])
def test_the_limits_and_the_dev_kit_refuse_what_info_yml_refuses(text, capsys):
    with pytest.raises(ValueError):
        _ = Limits(memory=text).memory_bytes
    with pytest.raises(SystemExit) as refused:
        parse_args(["-e", "tic-tac-toe", "-1", "a", "-2", "b", "--memory", text])
    assert refused.value.code == 2
    assert "--memory" in capsys.readouterr().err
