"""Seeds (run_duel.seeds, docs/rules.md): a duel played again with its seed plays the same
moves, in the process sandbox (the harness, PYTHONHASHSEED) and in process."""

from __future__ import annotations

import contextlib

import environments
from run_duel import Limits, run_duel
from run_duel.match import play_match
from run_duel.players import load_player
from run_duel.sandboxes import PROCESS, PlayerSpec, open_player
from run_duel.seeds import draw_seed, is_seed, match_seed, player_seed
from tests.conftest import EXAMPLE_PLAYERS, ROOT

PROBE = ROOT / "tests" / "run_duel" / "players" / "seed_probe"
GAME = "connect-four"


def _players(stack: contextlib.ExitStack, folder=PROBE):
    limits = Limits.for_environment(GAME)
    return [open_player(PlayerSpec(PROCESS, folder, f"player {n}", limits), stack) for n in (1, 2)]


def _duel(seed: int | None, matches: int = 3):
    with contextlib.ExitStack() as stack:
        players = _players(stack)
        record = run_duel(GAME, players[0], players[1], matches, seed=seed)
        return record, [_probes(player.log.text()) for player in players]


def _probes(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("probe ")]


def test_a_duel_played_again_with_its_seed_plays_the_same_moves():
    first, first_probes = _duel(1234)
    again, again_probes = _duel(1234)
    assert first["seed"] == 1234
    assert [m["seed"] for m in first["matches"]] == [match_seed(1234, n) for n in (1, 2, 3)]
    assert [m["states"] for m in again["matches"]] == [m["states"] for m in first["matches"]]
    # What the player drew at import, in Player(), at each start, and its str hashes: the same.
    assert again_probes == first_probes
    assert all(len(probes) == 3 for probes in first_probes)  # one start per match
    assert all("hashseed=1234" in line for line in first_probes[0] + first_probes[1])


def test_another_seed_draws_otherwise_and_the_two_sides_differ():
    _, first = _duel(1234)
    _, other = _duel(4321)
    for side in (0, 1):
        for mine, theirs in zip(first[side], other[side], strict=True):
            assert mine != theirs
    # Player 1 and player 2 get seeds of their own: a self-play does not mirror itself.
    assert first[0][0].split(" hashseed")[0] != first[1][0].split(" hashseed")[0]


def test_a_match_played_alone_is_seeded_as_within_its_duel():
    seed = 99
    record, probes = _duel(seed)
    with contextlib.ExitStack() as stack:
        players = _players(stack)
        for side, player in enumerate(players, start=1):
            player.set_seeds(seed, player_seed(seed, side))
            player.open()
        alone = play_match(
            environments.new_game(GAME),
            players[0],
            players[1],
            player_1_starts=False,
            match_number=2,
            seed=record["matches"][1]["seed"],
        )
        alone_probes = [_probes(player.log.text()) for player in players]
    assert alone["states"] == record["matches"][1]["states"]
    assert alone_probes == [[probes[0][1]], [probes[1][1]]]


def test_a_duel_without_a_given_seed_draws_one_and_an_unseeded_player_is_left_alone():
    record, probes = _duel(None, matches=1)
    assert is_seed(record["seed"])
    assert f"hashseed={record['seed']}" in probes[0][0]
    with contextlib.ExitStack() as stack:
        players = _players(stack)  # never given seeds: as an older arena runs the harness
        for player in players:
            player.open()
        play_match(environments.new_game(GAME), players[0], players[1])
        assert "hashseed=None" in _probes(players[0].log.text())[0]


def test_in_process_players_replay_with_the_same_seed():
    def duel(seed):
        players = [load_player(EXAMPLE_PLAYERS / "random", seed=seed) for _ in (1, 2)]
        return run_duel(GAME, players[0], players[1], 4, seed=seed)

    first, again = duel(7), duel(7)
    assert [m["states"] for m in first["matches"]] == [m["states"] for m in again["matches"]]


def test_seeds_are_in_range_and_derived_deterministically():
    assert all(is_seed(draw_seed()) for _ in range(100))
    assert match_seed(5, 1) == match_seed(5, 1) != match_seed(5, 2)
    assert player_seed(5, 1) != player_seed(5, 2)
    assert is_seed(match_seed(2**32 - 1, 1000)) and not is_seed(True) and not is_seed(-1)
