"""``move_seconds``: the arena's one addition to the 2019 match record, one entry per valid move."""

from __future__ import annotations

import time

import environments
from run_duel import InProcessPlayer, play_match, run_duel
from run_duel.players import load_player
from tests.conftest import EXAMPLE_PLAYERS
from tests.run_duel.test_match import Scripted


class Slow(Scripted):
    """A scripted player that thinks ``pause`` seconds before its second move."""

    def __init__(self, actions, pause):
        super().__init__(actions)
        self.pause = pause

    def step(self, state, valid_actions, prev_reward):
        if self.calls == 1:
            time.sleep(self.pause)
        return super().step(state, valid_actions, prev_reward)


def _match(p1, p2, starts=True):
    return play_match(
        environments.new_game("tic-tac-toe"),
        InProcessPlayer(p1, label="player 1"),
        InProcessPlayer(p2, label="player 2"),
        player_1_starts=starts,
    )


def test_one_entry_per_move_in_seconds_with_ms_precision():
    # Player 1 takes the top row (0, 1, 2), pausing before its second move; player 2: 3, 4.
    record = _match(Slow([0, 1, 2], pause=0.05), Scripted([3, 4]))
    seconds = record["move_seconds"]
    assert len(seconds) == len(record["states"]) - 1 == 5
    assert all(isinstance(s, float) and s >= 0 and round(s, 3) == s for s in seconds)
    # Moves alternate from the first mover: player 1's second move is ply 3 (index 2).
    assert seconds[2] >= 0.05


def test_the_original_fields_stay_as_they_were():
    record = _match(Scripted([0, 1, 2]), Scripted([3, 4]))
    assert list(record) == [
        "result", "error_msg", "player_1_score", "player_2_score", "first_player", "states",
        "move_seconds",
    ]  # fmt: skip


def test_a_failed_move_is_not_timed():
    # Player 2 answers an occupied cell on its first move: only player 1's move counts.
    record = _match(Scripted([0]), Scripted([0]))
    assert record["result"] == "PLAYER_2_ERROR"
    assert len(record["move_seconds"]) == 1


def test_a_duel_records_them_in_every_match_forfeits_included():
    record = run_duel(
        "tic-tac-toe",
        load_player(EXAMPLE_PLAYERS / "random", label="player 1"),
        load_player(EXAMPLE_PLAYERS / "random", label="player 2"),
        4,
    )
    for match in record["matches"]:
        assert len(match["move_seconds"]) == len(match["states"]) - 1
