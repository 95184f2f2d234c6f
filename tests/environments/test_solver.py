"""The games' solvers (environments/<game>/solver.py): proven values against known positions
and against a plain brute-force negamax over the real rules."""

from __future__ import annotations

import random

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


def random_position(slug: str, rng: random.Random, empty_left: int) -> Game | None:
    """A random unfinished position of a random game with ``empty_left`` plies at most to the
    end of the board, or None when the random game ended before."""
    game = environments.new_game(slug)
    while not game.done and game.max_plies - _plies_played(game) > empty_left:
        game.play(rng.choice(game.legal_actions()))
    return None if game.done else game


def _plies_played(game: Game) -> int:
    return sum(1 for cell in game.state()[:-1] if cell != 0)


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
            assert (1 if reward > 0 else 0) == verdict.value
        else:
            below = engine.solve(child.state(), PLENTY)
            assert below.known
            assert below.value == -verdict.value


def test_a_game_without_solver_has_none():
    assert solver("tic-tac-toe") is not None


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
        game = random_position(TTT, rng, empty_left=rng.randint(1, 7))
        if game is None:
            continue
        verdict = engine.solve(game.state(), 0.0)
        assert verdict == Verdict(*brute_force(game))
        check_best_actions(TTT, game, verdict)
        checked += 1
    assert checked > 100
