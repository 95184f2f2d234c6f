"""The games' solvers (environments/<game>/solver.py): proven values against known positions
and against a plain brute-force negamax over the real rules."""

from __future__ import annotations

import random

import numpy as np
import pytest

import environments
from environments import Game
from environments.solver import UNKNOWN, Verdict, solver

# A generous budget for positions that must be proven; the tests never assert on time.
PLENTY = 60.0


def played(slug: str, moves: list[int]) -> Game:
    game = environments.new_game(slug)
    for action in moves:
        game.play(action)
    return game


def brute_force(game: Game) -> tuple[int, int, tuple[int, ...]]:
    """(value, plies, best actions) of the unfinished ``game`` by exhaustive negamax over the
    real rules: no table, no pruning, no ordering. The reference the solvers are checked against."""
    outcomes: dict[int, tuple[int, int]] = {}
    for action in game.legal_actions():
        child = game.copy()
        reward = child.play(action)
        if child.done:
            outcomes[action] = (1 if reward > 0 else -1 if reward < 0 else 0, 1)
        else:
            value, plies, _ = brute_force(child)
            outcomes[action] = (-value, plies + 1)
    value = max(v for v, _ in outcomes.values())
    keeping = [p for v, p in outcomes.values() if v == value]
    plies = min(keeping) if value > 0 else max(keeping)
    return value, plies, tuple(sorted(a for a, (v, _) in outcomes.items() if v == value))


def random_position(slug: str, rng: random.Random, plies: int) -> Game | None:
    """The position after ``plies`` random moves that neither end the game nor let the
    opponent win at once when another move exists (a random game rarely lasts long enough to
    reach the late positions worth checking, nor leaves them quiet), or None when every move
    ends it before."""
    game = environments.new_game(slug)
    for _ in range(plies):
        actions = list(game.legal_actions())
        rng.shuffle(actions)
        fallback = None
        for action in actions:
            child = game.copy()
            child.play(action)
            if child.done:
                continue
            if not _wins_at_once(child):
                game = child
                break
            fallback = fallback or child
        else:
            if fallback is None:
                return None
            game = fallback
    return game


def _wins_at_once(game: Game) -> bool:
    return any(game.copy().play(action) > 0 for action in game.legal_actions())


def check_best_actions(slug: str, game: Game, verdict: Verdict) -> None:
    """Every best action is legal and keeps the verdict's value (proven on the child)."""
    engine = solver(slug)
    assert engine is not None
    assert verdict.best_actions
    assert list(verdict.best_actions) == sorted(verdict.best_actions)
    for action in verdict.best_actions:
        assert action in game.legal_actions()
        child = game.copy()
        reward = child.play(action)
        if child.done:
            assert (1 if reward > 0 else -1 if reward < 0 else 0) == verdict.value
        else:
            below = engine.solve(child.state(), PLENTY)
            assert below.known
            assert below.value == -verdict.value


def test_the_three_games_ship_a_solver():
    for slug in ("tic-tac-toe", "connect-four", "quarto"):
        engine = solver(slug)
        assert engine is not None
        assert engine.exact == (slug == "tic-tac-toe")


# --- tic-tac-toe ------------------------------------------------------------------------------


TTT = "tic-tac-toe"


def test_tic_tac_toe_is_exact():
    engine = solver(TTT)
    assert engine is not None and engine.exact


def test_tic_tac_toe_empty_board_is_a_draw_in_nine_with_every_first_move():
    verdict = solver(TTT).solve(played(TTT, []).state(), 0.0)
    assert verdict == Verdict(0, 9, tuple(range(9)))


def test_tic_tac_toe_immediate_win():
    # X . X / O O . / . . .  with X to move: cell 1 wins at once.
    game = played(TTT, [0, 3, 2, 4])
    verdict = solver(TTT).solve(game.state(), 0.0)
    assert verdict.value == 1 and verdict.plies == 1
    assert 1 in verdict.best_actions
    assert verdict == Verdict(*brute_force(game))


def test_tic_tac_toe_lost_position():
    # X X . / X O O / . . .  with O to move: X threatens 2 and 6, O cannot win at once.
    game = played(TTT, [0, 4, 1, 5, 3])
    verdict = solver(TTT).solve(game.state(), 0.0)
    assert verdict == Verdict(-1, 2, (2, 6, 7, 8))


def test_tic_tac_toe_finished_position_is_unknown():
    game = played(TTT, [0, 3, 1, 4, 2])
    assert game.done
    assert solver(TTT).solve(game.state(), PLENTY) == UNKNOWN
    assert solver(TTT).solve(played(TTT, [0, 1, 2, 4, 3, 5, 7, 6, 8]).state(), PLENTY) == UNKNOWN


def test_tic_tac_toe_unreachable_position_is_unknown():
    # Two X marks and no O with X to move cannot happen.
    assert solver(TTT).solve([1.0, 1.0] + [0.0] * 7 + [1.0], PLENTY) == UNKNOWN


def test_tic_tac_toe_agrees_with_brute_force_on_random_positions():
    rng = random.Random(12)
    engine = solver(TTT)
    checked = 0
    for _ in range(300):
        game = random_position(TTT, rng, rng.randint(2, 8))
        if game is None:
            continue
        verdict = engine.solve(game.state(), 0.0)
        assert verdict == Verdict(*brute_force(game))
        check_best_actions(TTT, game, verdict)
        checked += 1
    assert checked > 100


# --- connect four -----------------------------------------------------------------------------


C4 = "connect-four"


def fresh_connect_four():
    from environments.connect_four.solver import ConnectFourSolver

    return ConnectFourSolver()


def test_connect_four_immediate_win():
    # X on the bottom row in columns 0-2, O above them: X wins in column 3 at once. That needs
    # no search; whether the other moves keep the win too does, and a short budget may not
    # tell: then the best moves are unknown, never a partial list.
    verdict = solver(C4).solve(played(C4, [0, 0, 1, 1, 2, 2]).state(), 0.5)
    assert verdict.value == 1 and verdict.plies == 1
    assert verdict.best_actions == () or 3 in verdict.best_actions
    # Late in a game the whole answer comes: the win at once, and the other moves that keep it.
    late = played(C4, [6, 6, 6, 6, 6, 6, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 0, 0, 1, 1, 2, 2])
    verdict = solver(C4).solve(late.state(), PLENTY)
    assert verdict.value == 1 and verdict.plies == 1 and 3 in verdict.best_actions
    check_best_actions(C4, late, verdict)


def test_connect_four_double_threat_is_lost():
    # X on the bottom row in columns 1-3, open at both ends: O, to move, blocks one, X wins.
    game = played(C4, [1, 1, 2, 2, 3])
    verdict = solver(C4).solve(game.state(), PLENTY)
    assert verdict == Verdict(-1, 2, tuple(range(7)))


def test_connect_four_finished_or_impossible_position_is_unknown():
    won = played(C4, [0, 1, 0, 1, 0, 1, 0])
    assert won.done
    assert solver(C4).solve(won.state(), PLENTY) == UNKNOWN
    floating = [0.0] * 43
    floating[7 * 4 + 3] = 1.0  # a disc in row 4 of column 3 with nothing below it
    floating[42] = -1.0
    assert solver(C4).solve(floating, PLENTY) == UNKNOWN


def test_connect_four_tiny_budget_on_the_empty_grid_is_unknown():
    # Proving the opening takes millions of nodes: far beyond a hundredth of a second.
    assert fresh_connect_four().solve(played(C4, []).state(), 0.01) == UNKNOWN


def test_connect_four_generous_budget_proves_a_late_position():
    game = random_position(C4, random.Random(4), 30)
    assert game is not None
    verdict = fresh_connect_four().solve(game.state(), PLENTY)
    assert verdict.known and verdict.plies is not None
    check_best_actions(C4, game, verdict)


def test_connect_four_agrees_with_brute_force_on_late_positions():
    rng = random.Random(44)
    engine = solver(C4)
    checked = 0
    seen = set()
    for _ in range(100):
        game = random_position(C4, rng, rng.randint(33, 39))
        if game is None:
            continue
        verdict = engine.solve(game.state(), PLENTY)
        assert verdict == Verdict(*brute_force(game)), game.state()
        check_best_actions(C4, game, verdict)
        seen.add(verdict.value)
        checked += 1
    assert checked > 50
    # The sample covers wins and losses, so both directions of the search are exercised.
    assert {1, -1} <= seen


def test_connect_four_table_kept_between_calls_and_after_a_timeout_gives_the_same_verdicts():
    rng = random.Random(8)
    shared = fresh_connect_four()
    for _ in range(8):
        game = random_position(C4, rng, rng.randint(20, 26))
        if game is None:
            continue
        # A search cut short by its budget must leave nothing wrong in the table.
        shared.solve(game.state(), 0.001)
        assert shared.solve(game.state(), PLENTY) == fresh_connect_four().solve(
            game.state(), PLENTY
        )


# --- quarto -----------------------------------------------------------------------------------


QUARTO = "quarto"


def fresh_quarto():
    from environments.quarto.solver import QuartoSolver

    return QuartoSolver()


def test_quarto_immediate_win():
    # Row 0 gets pieces 15, 7 and 3 (all tall and dark); the second mover is handed piece 1
    # (tall) and completes the row on position 3.
    game = played(QUARTO, [16 * 0 + 8, 16 * 15 + 7, 16 * 1 + 0, 16 * 10 + 3, 16 * 2 + 1])
    assert game.state()[16] == 1
    verdict = fresh_quarto().solve(game.state(), 1.0)
    assert verdict.value == 1 and verdict.plies == 1
    # Other moves might keep the win too: with 11 empty cells the budget may not tell, and
    # then the best actions are unknown, never a partial list.
    assert verdict.best_actions == () or 16 * 3 + 0 in verdict.best_actions


def test_quarto_finished_or_impossible_position_is_unknown():
    game = played(
        QUARTO, [16 * 0 + 8, 16 * 15 + 7, 16 * 1 + 0, 16 * 10 + 3, 16 * 2 + 1, 16 * 3 + 2]
    )
    assert game.done
    assert solver(QUARTO).solve(game.state(), PLENTY) == UNKNOWN
    twice = [5, 5] + [-1] * 14 + [3]  # piece 5 on two cells
    assert solver(QUARTO).solve(twice, PLENTY) == UNKNOWN
    in_hand_and_on_board = [3] + [-1] * 15 + [3]
    assert solver(QUARTO).solve(in_hand_and_on_board, PLENTY) == UNKNOWN


def test_quarto_tiny_budget_on_the_empty_board_is_unknown():
    assert fresh_quarto().solve(played(QUARTO, []).state(), 0.01) == UNKNOWN


def test_quarto_generous_budget_proves_a_late_position():
    game = random_position(QUARTO, random.Random(5), 8)
    assert game is not None
    verdict = fresh_quarto().solve(game.state(), PLENTY)
    assert verdict.known and verdict.plies is not None
    check_best_actions(QUARTO, game, verdict)


def test_quarto_agrees_with_brute_force_on_late_positions():
    rng = random.Random(16)
    engine = solver(QUARTO)
    checked = 0
    seen = set()
    last_move_lost = False
    for _ in range(60):
        placed = rng.randint(10, 14)
        game = random_position(QUARTO, rng, placed)
        if game is None:
            continue
        verdict = engine.solve(game.state(), PLENTY)
        assert verdict == Verdict(*brute_force(game)), game.state()
        check_best_actions(QUARTO, game, verdict)
        seen.add(verdict.value)
        # The last move, lost by the automatic placement of the piece handed over.
        last_move_lost |= placed == 14 and verdict == Verdict(-1, 1, verdict.best_actions)
        checked += 1
    assert checked > 40
    assert seen == {1, 0, -1}
    assert last_move_lost


def test_quarto_table_kept_between_calls_and_after_a_timeout_gives_the_same_verdicts():
    rng = random.Random(9)
    shared = fresh_quarto()
    for _ in range(6):
        game = random_position(QUARTO, rng, 9)
        if game is None:
            continue
        shared.solve(game.state(), 0.0005)
        assert shared.solve(game.state(), PLENTY) == fresh_quarto().solve(game.state(), PLENTY)


@pytest.mark.parametrize("slug", [TTT, C4, QUARTO])
def test_a_numpy_state_reads_as_its_list(slug):
    # The duel record stores lists; a player or the dev kit may hold the Environment's arrays.
    game = random_position(slug, random.Random(3), {TTT: 5, C4: 34, QUARTO: 12}[slug])
    assert game is not None
    state = game.state()
    verdict = solver(slug).solve(state, PLENTY)
    assert verdict.known
    assert solver(slug).solve(np.array(state, dtype=game.state_dtype), PLENTY) == verdict
