"""The duel's observer hook: what a spectator receives, and that it changes nothing else."""

from __future__ import annotations

import itertools

from run_duel import run_duel
from run_duel.players import load_player
from tests.conftest import EXAMPLE_PLAYERS

DUMMY, RANDOM = EXAMPLE_PLAYERS / "dummy", EXAMPLE_PLAYERS / "random"


def _duel(game: str, matches: int, on_event=None) -> dict:
    # One seed: the records of two duels then differ only by what the observer changed.
    players = load_player(DUMMY), load_player(DUMMY)
    return run_duel(game, *players, matches, on_event=on_event, seed=1)


def test_it_reports_each_match_its_moves_and_the_end():
    events: list[dict] = []
    record = run_duel(
        "tic-tac-toe", load_player(RANDOM), load_player(DUMMY), 4, on_event=events.append
    )
    kinds = [e["kind"] for e in events]
    assert kinds[-1] == "duel_end" and kinds.count("match") == kinds.count("match_end") == 4
    for number, match in enumerate(record["matches"], 1):
        mine = [e for e in events if e.get("match") == number]
        assert mine[0]["kind"] == "match" and mine[-1]["kind"] == "match_end"
        assert mine[0]["first_player"] == (1 if number % 2 else 2)
        moves = [e for e in mine if e["kind"] == "move"]
        # The states the spectator saw are exactly the match's states.
        assert [mine[0]["state"]] + [m["state"] for m in moves] == match["states"]
        assert moves[0]["player"] == mine[0]["first_player"]
        assert all(a["player"] != b["player"] for a, b in itertools.pairwise(moves))
        assert mine[-1]["result"] == match["result"]
    end = events[-1]
    assert end["result"] == record["result"]
    assert end["tally"]["player_1_wins"] == record["player_1_wins"]
    assert end["tally"]["player_1_score"] == record["player_1_score"]


def test_the_running_score_grows_match_by_match():
    events: list[dict] = []
    _duel("tic-tac-toe", 4, events.append)
    ends = [e for e in events if e["kind"] == "match_end"]
    played = [
        e["tally"]["player_1_wins"] + e["tally"]["player_2_wins"] + e["tally"]["draws"]
        for e in ends
    ]
    assert played == [1, 2, 3, 4]
    # The next match starts from the score the previous one ended with.
    starts = [e for e in events if e["kind"] == "match"]
    assert [s["tally"] for s in starts[1:]] == [e["tally"] for e in ends[:-1]]
    points = ends[-1]["tally"]["player_1_points"] + ends[-1]["tally"]["player_2_points"]
    assert points == 2 * 4


def test_events_are_plain_json():
    import json

    events: list[dict] = []
    run_duel("connect-four", load_player(RANDOM), load_player(RANDOM), 2, on_event=events.append)
    assert json.loads(json.dumps(events)) == events


def test_the_record_is_the_same_with_or_without_an_observer():
    events: list[dict] = []
    assert _duel("quarto", 4, events.append) == _duel("quarto", 4)
    assert events


def test_a_player_error_reaches_the_spectator_without_its_log():
    events: list[dict] = []
    run_duel(
        "tic-tac-toe",
        load_player(EXAMPLE_PLAYERS / "hostile" / "invalid_action"),
        load_player(DUMMY),
        2,
        on_event=events.append,
    )
    ends = [e for e in events if e["kind"] == "match_end"]
    assert any(e["result"] == "PLAYER_1_ERROR" for e in ends)
    assert all("\n" not in e["error"] for e in ends)
