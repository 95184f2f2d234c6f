"""The rules side of a human match: whose turn, which moves, who won (no Django, no sandbox)."""

from __future__ import annotations

import pytest

from web.play import rules


def test_it_knows_whose_turn_it_is():
    game = rules.replay("tic-tac-toe", [])
    assert rules.humans_turn(game, human_first=True)
    assert not rules.humans_turn(game, human_first=False)
    game = rules.replay("tic-tac-toe", [4])
    assert not rules.humans_turn(game, human_first=True)
    assert rules.humans_turn(game, human_first=False)


def test_it_accepts_a_legal_move_of_the_human():
    game = rules.replay("connect-four", [3, 3])
    assert rules.check_move(game, True, 3) == 3


@pytest.mark.parametrize(
    ("actions", "human_first", "action", "reason"),
    [
        ([4], True, 0, "agent's turn"),
        ([4], False, 4, "cell 4 is taken"),
        ([], True, 9, "not valid"),
        ([], True, "4", "must be an integer"),
        ([], True, True, "must be an integer"),
        ([0, 3, 1, 4, 2], True, 5, "over"),
    ],
)
def test_it_refuses_an_illegal_move_with_a_reason(actions, human_first, action, reason):
    game = rules.replay("tic-tac-toe", actions)
    with pytest.raises(rules.IllegalMove, match=reason):
        rules.check_move(game, human_first, action)


def test_a_full_connect_four_column_is_refused():
    game = rules.replay("connect-four", [0] * 6)
    with pytest.raises(rules.IllegalMove, match="not valid"):
        rules.check_move(game, True, 0)


def test_quarto_moves_are_a_square_and_the_piece_given():
    game = rules.replay("quarto", [])
    # Place piece 15 on square 5, give piece 3.
    assert rules.check_move(game, True, 16 * 5 + 3) == 83
    game.play(83)
    with pytest.raises(rules.IllegalMove):  # square 5 is taken now
        rules.check_move(game, False, 16 * 5 + 4)
    with pytest.raises(rules.IllegalMove):  # piece 3 is the one to place, not to give
        rules.check_move(game, False, 16 * 6 + 3)


@pytest.mark.parametrize(
    ("rewards", "human_first", "result", "score"),
    [
        ([0, 0, 0, 0, 1], True, rules.HUMAN_WIN, 1),
        ([0, 0, 0, 0, 1], False, rules.AGENT_WIN, -1),
        ([0, 0, 0, 0, 0, 1], False, rules.HUMAN_WIN, 1),
        ([0] * 9, True, rules.DRAW, 0),
        ([0] * 15 + [-100], True, rules.HUMAN_WIN, 100),  # quarto's automatic last placement
    ],
)
def test_the_result_is_scored_as_a_duel_scores_a_match(rewards, human_first, result, score):
    outcome = rules.outcome(rewards, human_first)
    assert (outcome.result, outcome.human_score) == (result, score)
