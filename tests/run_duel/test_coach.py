"""The coach's pure analysis (run_duel.coach) on hand-made tic-tac-toe duel records."""

from __future__ import annotations

import json
from typing import Any

import environments
from environments.solver import UNKNOWN, Verdict
from run_duel import coach
from tests.environments.test_fourth_game import NIM

SLUG = "tic-tac-toe"


def states_of(actions: list[int]) -> list[list[float]]:
    game = environments.new_game(SLUG)
    game.reset()
    states = [game.state()]
    for action in actions:
        game.play(action)
        states.append(game.state())
    return states


def record(*matches: tuple[str, list[int]]) -> dict[str, Any]:
    return {"matches": [{"first_player": first, "states": states_of(a)} for first, a in matches]}


# X a1, O b1 (the blunder: the only drawing reply to a corner is the centre), X b2, O c3, X a2,
# O a3 (forced), X c2: X wins along the middle row.
BLUNDER_GAME = [0, 1, 4, 8, 3, 6, 5]
# A perfect game: X b2, O a1, X c1, O a3, X a2, O c2, X b1, O b3, X c3: a draw.
PERFECT_GAME = [4, 0, 2, 6, 3, 5, 1, 7, 8]


def test_a_known_blunder_is_found_at_its_match_and_step() -> None:
    analysis = coach.analyse(
        SLUG, record(("PLAYER_1", PERFECT_GAME), ("PLAYER_2", BLUNDER_GAME)), 10
    )
    assert analysis["solver"] is True
    blunders = analysis["blunders"]
    assert len(blunders) == 1
    blunder = blunders[0]
    # Match 2 has player 2 moving first, so the second move, O's b1, is player 1's.
    assert blunder["mover"] == 1
    assert blunder["action"] == 1 and blunder["move"] == "b1"
    assert (blunder["before"], blunder["after"]) == (0, -1)
    assert blunder["turned"] == "drawn into lost"
    assert blunder["best_actions"] == [4]
    assert blunder["best"] == "draw with best play (b2)"
    assert blunder["occurrences"] == [{"match": 2, "step": 1}]
    assert blunder["count"] == 1
    assert blunder["position"] == coach.position_key(states_of([0])[-1])
    stats = analysis["stats"]
    assert stats["unknown"] == 0 and stats["proven"] == stats["positions"] > 0
    assert stats["moves"] == stats["moves_judged"] == len(PERFECT_GAME) + len(BLUNDER_GAME)
    json.dumps(analysis)  # stored as JSON as it is


def test_a_won_position_thrown_away_is_a_blunder_of_won_into_drawn_or_lost() -> None:
    # X a1, O b1 (blunder), X b2, O c3 (forced), then X c2 lets O draw where a2 or a3 won.
    moves = [0, 1, 4, 8, 5]
    analysis = coach.analyse(SLUG, record(("PLAYER_1", moves)), 10)
    kinds = {(b["mover"], b["move"], b["before"], b["after"]) for b in analysis["blunders"]}
    assert (2, "b1", 0, -1) in kinds
    assert (1, "c2", 1, 0) in kinds
    won = next(b for b in analysis["blunders"] if b["move"] == "c2")
    assert won["best"].startswith("X wins in 2 (winning moves: ")
    assert won["occurrences"] == [{"match": 1, "step": 4}]


def test_repeated_blunders_are_grouped_by_position_and_counted() -> None:
    analysis = coach.analyse(
        SLUG,
        record(("PLAYER_1", BLUNDER_GAME), ("PLAYER_2", PERFECT_GAME), ("PLAYER_1", BLUNDER_GAME)),
        10,
    )
    [blunder] = analysis["blunders"]
    assert blunder["mover"] == 2 and blunder["count"] == 2
    assert blunder["occurrences"] == [{"match": 1, "step": 1}, {"match": 3, "step": 1}]


def test_a_perfect_game_has_no_blunder() -> None:
    analysis = coach.analyse(
        SLUG, record(("PLAYER_1", PERFECT_GAME), ("PLAYER_2", PERFECT_GAME)), 10
    )
    assert analysis["blunders"] == []
    assert analysis["stats"]["moves_judged"] == 2 * len(PERFECT_GAME)


def test_a_budget_of_zero_leaves_everything_unknown_without_failing() -> None:
    analysis = coach.analyse(SLUG, record(("PLAYER_1", BLUNDER_GAME)), 0)
    stats = analysis["stats"]
    assert analysis["blunders"] == [] and analysis["positions"] == {}
    assert stats["proven"] == 0 and stats["unknown"] == stats["positions"] == len(BLUNDER_GAME)
    assert stats["moves_judged"] == 0 and stats["budget_spent"] is True
    assert "raise --coach-seconds" in coach.report_text(analysis)


class CountingSolver:
    """The real solver, counting the positions it is asked about."""

    exact = True

    def __init__(self) -> None:
        from environments.tic_tac_toe.solver import SOLVER

        self.inner = SOLVER
        self.asked: list[str] = []

    def solve(self, state: Any, budget: float) -> Verdict:
        self.asked.append(coach.position_key(state))
        return self.inner.solve(state, budget)


def test_each_position_is_solved_once_and_the_cache_serves_the_next_duel() -> None:
    counting = CountingSolver()
    cache: dict[str, Verdict] = {}
    duel = record(("PLAYER_1", BLUNDER_GAME), ("PLAYER_2", BLUNDER_GAME))
    coach.analyse(SLUG, duel, 10, cache=cache, the_solver=counting)
    assert len(counting.asked) == len(set(counting.asked)) == len(BLUNDER_GAME)
    again = coach.analyse(SLUG, duel, 10, cache=cache, the_solver=counting)
    assert len(counting.asked) == len(BLUNDER_GAME)
    assert len(again["blunders"]) == 2


class GivingUp:
    """A solver whose every proof runs out of time."""

    exact = False

    def solve(self, state: Any, budget: float) -> Verdict:
        return UNKNOWN


def test_positions_a_solver_cannot_prove_are_counted_unknown() -> None:
    analysis = coach.analyse(SLUG, record(("PLAYER_1", BLUNDER_GAME)), 10, the_solver=GivingUp())
    assert analysis["stats"]["unknown"] == len(BLUNDER_GAME)
    assert analysis["stats"]["budget_spent"] is False
    assert analysis["blunders"] == []


def test_a_position_left_unknown_is_not_cached_so_a_later_analysis_tries_again() -> None:
    cache: dict[str, Verdict] = {}
    duel = record(("PLAYER_1", BLUNDER_GAME))
    coach.analyse(SLUG, duel, 10, cache=cache, the_solver=GivingUp())
    assert cache == {}
    counting = CountingSolver()
    coach.analyse(SLUG, duel, 10, cache=cache, the_solver=counting)
    assert len(counting.asked) == len(BLUNDER_GAME)


def test_a_game_without_a_solver_says_so() -> None:
    environments.register_folder(NIM)
    try:
        analysis = coach.analyse("nim", {"matches": []}, 10)
    finally:
        environments.unregister_folder(NIM)
    assert analysis["solver"] is False
    assert "no solver" in coach.report_text(analysis)


def test_the_replay_words_of_each_step() -> None:
    states = states_of(BLUNDER_GAME)
    analysis = coach.analyse(SLUG, record(("PLAYER_1", BLUNDER_GAME)), 10)
    words = coach.step_values(SLUG, states, analysis["positions"])
    assert len(words) == len(states)
    assert words[1] == "draw with best play (b2)"
    assert words[2].startswith("X wins in 3 (winning moves: ")
    assert words[-1] is None  # finished: the outcome says it
    assert coach.step_values(SLUG, states, {})[0] == "unknown"


def test_the_terminal_report_names_the_blunder() -> None:
    analysis = coach.analyse(SLUG, record(("PLAYER_1", BLUNDER_GAME)), 10)
    text = coach.report_text(analysis, {1: "alice", 2: "bob"})
    assert "bob, b1: drawn into lost (draw with best play (b2)); 1x: match 1 step 1" in text
