"""The divergence finder of arena rerun: the first move where a replay differs, and whose."""

from __future__ import annotations

import contextlib

import environments
from run_duel import Limits, run_duel
from run_duel.divergence import Divergence, first_divergence, match_divergence
from run_duel.sandboxes import PROCESS, PlayerSpec, open_player
from tests.conftest import EXAMPLE_PLAYERS, ROOT

URANDOM = ROOT / "tests" / "run_duel" / "players" / "urandom"


def _match(actions, first="PLAYER_1", result="DRAW", error=None, slug="tic-tac-toe"):
    game = environments.new_game(slug)
    game.reset()
    states = [game.state()]
    for action in actions:
        game.play(action)
        states.append(game.state())
    return {"first_player": first, "result": result, "error_msg": error, "states": states}


def test_matches_that_agree_have_no_divergence():
    match = _match([4, 0, 8])
    assert match_divergence("tic-tac-toe", 1, match, _match([4, 0, 8])) is None
    assert first_divergence("tic-tac-toe", [(1, match), (2, match)], [match, match]) is None


def test_the_first_differing_move_names_its_player_and_both_moves():
    server, local = _match([4, 0, 8, 2]), _match([4, 0, 6, 2])
    assert match_divergence("tic-tac-toe", 3, server, local) == Divergence(
        3, 3, 1, "played c3 (action 8)", "played a3 (action 6)"
    )
    # Player 2 moved first: the third move is player 2's.
    second = match_divergence(
        "tic-tac-toe", 3, _match([4, 0, 8], "PLAYER_2"), _match([4, 0, 6], "PLAYER_2")
    )
    assert second is not None and second.player == 2 and second.ply == 3


def test_a_match_that_ended_on_an_error_says_so():
    server = _match([4, 0], result="PLAYER_1_ERROR", error="player 1 timed out after 1 s\nlog")
    local = _match([4, 0, 8])
    found = match_divergence("tic-tac-toe", 1, server, local)
    assert found == Divergence(1, 3, 1, "failed: player 1 timed out after 1 s", found.local)
    assert found.local == "played c3 (action 8)"


def test_equal_moves_with_another_result_is_a_divergence_without_a_player():
    server = _match([4, 0], result="PLAYER_2_ERROR", error="player 2 raised in end()")
    found = match_divergence("tic-tac-toe", 2, server, _match([4, 0]))
    assert found == Divergence(2, 3, None, "ended: PLAYER_2_ERROR", "ended: DRAW")


def _first_differing_ply(server, local):
    """Independently of run_duel.divergence: (match, ply, player) of the first state that
    differs, reading the states alone."""
    for number, (mine, theirs) in enumerate(zip(server, local, strict=True), start=1):
        first = 1 if mine["first_player"] == "PLAYER_1" else 2
        for ply in range(1, max(len(mine["states"]), len(theirs["states"]))):
            if mine["states"][ply : ply + 1] != theirs["states"][ply : ply + 1]:
                return number, ply, first if ply % 2 else 3 - first
    return None


def test_a_player_reading_os_urandom_is_found_at_its_first_differing_move():
    def duel():
        limits = Limits.for_environment("connect-four")
        with contextlib.ExitStack() as stack:
            sources = (EXAMPLE_PLAYERS / "random", URANDOM)
            players = [
                open_player(PlayerSpec(PROCESS, folder, f"player {n}", limits), stack)
                for n, folder in enumerate(sources, start=1)
            ]
            return run_duel("connect-four", players[0], players[1], 4, seed=2024)["matches"]

    server, local = duel(), duel()
    expected = _first_differing_ply(server, local)
    assert expected is not None and expected[2] == 2  # the urandom player, never the seeded one
    found = first_divergence("connect-four", list(enumerate(server, start=1)), local)
    assert found is not None
    assert (found.match, found.ply, found.player) == expected
    assert found.server.startswith("played column") and found.server != found.local
