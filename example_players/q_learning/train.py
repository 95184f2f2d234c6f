"""Train the Q-learning player against an opponent of the arena, through the Gymnasium wrapper.

    python example_players/q_learning/train.py --episodes 30000 --opponent random

From the repository's root (it imports ``arena.training``; ``pip install gymnasium``). It
plays tic-tac-toe against the opponent (``random`` in this process by default; ``minimax``,
or a player folder run in its sandbox), first and second in turn, learns a value per state and
action with tabular Q-learning, writes ``q_table.json`` beside ``player.py`` and prints how
often the greedy player loses before and after. Then submit the folder:

    arena submit --game tic-tac-toe --competitor my-q-learner example_players/q_learning
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[1]) not in sys.path:
    sys.path.insert(0, str(HERE.parents[1]))  # the repository's root, for arena.training

from arena.training.single import ArenaEnv  # noqa: E402


def _load_player_module() -> Any:
    # player.py under a private name: "player" could be any other player's module.
    spec = importlib.util.spec_from_file_location("q_learning_player", HERE / "player.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


player = _load_player_module()
GAME = "tic-tac-toe"


def train(
    episodes: int,
    *,
    seed: int = 0,
    opponent: str = "random",
    alpha: float = 0.3,
    gamma: float = 0.9,
    epsilon: float = 0.2,
) -> dict[str, list[float]]:
    """A Q-table learned over ``episodes`` matches, epsilon-greedy, starting first and
    second in turn (the environment alternates as a duel does)."""
    rng = random.Random(seed)
    table: dict[str, list[float]] = {}
    env = ArenaEnv(GAME, opponent)
    num_actions = int(env.action_space.n)
    try:
        obs, info = env.reset(seed=seed)
        for _ in range(episodes):
            terminated = False
            while not terminated:
                key = player.state_key(obs)
                values = table.setdefault(key, [0.0] * num_actions)
                valid = info["action_mask"].nonzero()[0].tolist()
                if rng.random() < epsilon:
                    action = rng.choice(valid)
                else:
                    best = max(values[a] for a in valid)
                    action = rng.choice([a for a in valid if values[a] == best])
                obs, reward, terminated, _, info = env.step(action)
                target = float(reward)
                if not terminated:
                    following = table.get(player.state_key(obs))
                    nexts = info["action_mask"].nonzero()[0]
                    if following is not None:
                        target += gamma * max(following[a] for a in nexts)
                values[action] += alpha * (target - values[action])
            obs, info = env.reset()
    finally:
        env.close()
    return table


def evaluate(
    table: dict[str, list[float]], matches: int, *, seed: int = 1, opponent: str = "random"
) -> dict[str, int]:
    """Wins, draws and losses of the greedy player (``player.py``'s choice) over ``matches``."""
    tally = {"wins": 0, "draws": 0, "losses": 0}
    env = ArenaEnv(GAME, opponent)
    try:
        obs, info = env.reset(seed=seed)
        for _ in range(matches):
            reward = 0.0
            terminated = False
            while not terminated:
                valid = info["action_mask"].nonzero()[0].tolist()
                obs, step_reward, terminated, _, info = env.step(
                    player.best_action(table, obs, valid)
                )
                reward += float(step_reward)
            tally["wins" if reward > 0 else "losses" if reward < 0 else "draws"] += 1
            obs, info = env.reset()
    finally:
        env.close()
    return tally


def save(table: dict[str, list[float]], path: Path = player.TABLE) -> None:
    rounded = {key: [round(v, 4) for v in values] for key, values in table.items()}
    path.write_text(json.dumps({"game": GAME, "q": rounded}, separators=(",", ":")) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=30000)
    parser.add_argument("--opponent", default="random", help="an example player or a folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--evaluate", type=int, default=1000, help="matches to evaluate on")
    args = parser.parse_args(argv)
    before = evaluate({}, args.evaluate, opponent=args.opponent)
    table = train(args.episodes, seed=args.seed, opponent=args.opponent)
    after = evaluate(table, args.evaluate, opponent=args.opponent)
    save(table)
    print(f"{len(table)} states learned, written to {player.TABLE}")
    for name, tally in (("before", before), ("after", after)):
        print(f"{name}: {tally['wins']} won, {tally['draws']} drawn, {tally['losses']} lost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
