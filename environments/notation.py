"""Moves in words, for the replay page, the API and the terminal.

Each game may have a ``notation.py`` beside its ``environment.py`` with
``notation(state, action) -> str`` (the words for ``action`` played from ``state``: "b2",
"column 4", "places piece 7 (...) on c3 and gives piece 12"); its ``static/render.js`` says
the same in the browser. A game without one (the fourth game of the tests) falls back to
"played action N". A match record holds states, not actions: :func:`actions_between`
finds the action that leads from each state to the next by playing the rules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from .registry import game_class, new_game

__all__ = ["actions_between", "describe_move", "move_texts", "notation_function"]

Notation = Callable[[Sequence[Any], int], str]


def notation_function(slug: str) -> Notation | None:
    """The game's own ``notation`` function, or None if it has none."""
    package = game_class(slug).__module__.rpartition(".")[0]
    try:
        module = importlib.import_module(f"{package}.notation")
    except ModuleNotFoundError as error:
        if error.name != f"{package}.notation":
            raise  # the game's notation.py exists but imports something missing: a bug
        return None
    function = getattr(module, "notation", None)
    return function if callable(function) else None


def describe_move(slug: str, state: Sequence[Any], action: int) -> str:
    """The words for ``action`` played from ``state`` in the game ``slug``."""
    function = notation_function(slug)
    if function is None:
        return f"played action {int(action)}"
    return function(state, int(action))


def actions_between(slug: str, states: Sequence[Sequence[Any]]) -> list[int | None]:
    """The action played between each state and the next (``len(states) - 1`` of them),
    found by trying the legal ones; None from the first state no legal action leads to
    (a record of other rules, or a corrupt one)."""
    game = new_game(slug)
    game.reset()
    actions: list[int | None] = []
    lost = list(game.state()) != list(states[0]) if states else True
    for target in states[1:]:
        found = None
        if not lost and not game.done:
            for action in game.legal_actions():
                trial = game.copy()
                trial.play(action)
                if list(trial.state()) == list(target):
                    found, game = action, trial
                    break
        lost = lost or found is None
        actions.append(found)
    return actions


def move_texts(slug: str, states: Sequence[Sequence[Any]]) -> list[str]:
    """The words for each move of a match from its states ("moved" where the action
    cannot be told)."""
    texts = []
    for before, action in zip(states, actions_between(slug, states), strict=False):
        texts.append("moved" if action is None else describe_move(slug, before, action))
    return texts
