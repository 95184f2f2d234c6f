"""``arena connect``: play a local player folder against an agent the arena hosts.

    arena connect --game connect-four --against minimax@2 --player ./my_player [--matches 4]
    arena connect --ping [--count 20]

The player runs here in the dev kit's process sandbox (the same harness as ``arena duel``:
``player.py`` unchanged, states as numpy arrays of the game's dtype); each match is played by
the arena's one match engine (:func:`run_duel.match.play_match`) between that player and a
handle whose moves are the hosted agent's (:class:`HostedAgent`), so ``prev_reward`` and the
order of calls are exactly a duel's. The moves travel through :class:`arena.connect.RemoteMatch`.

Exit status: 0 every match was played, 1 your player failed in a match (its error is told),
2 bad input (token, game, competitor, folder, a cap reached), 3 the server is unreachable or
failing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from arena import results
from arena.client import (
    DEFAULT_SERVER,
    SERVER_FAILURE,
    CliError,
    name_and_version,
    server_and_token,
)
from arena.connect import RemoteMatch, ping

PLAYER_FAILED = 1
YOUR_PLAYER = "your player"
FIRSTS = ("client", "agent", "alternate")
# The server's result, from the client's side, as the arena's vocabulary words it.
RESULT_WORDS = {
    "HUMAN_WIN": "you won",
    "AGENT_WIN": "the agent won",
    "DRAW": "draw",
    "AGENT_ERROR": "you won: the agent failed",
    "ARENA_ERROR": "the arena failed (nobody's fault)",
    None: "abandoned",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="arena connect",
        description="Play your player, on this machine, against an agent hosted by the arena "
        "(the match is recorded, unranked, in the agent owner's data set); or time round trips "
        "to the server with --ping.",
    )
    parser.add_argument("--game", "-g", help="tic-tac-toe, connect-four, quarto...")
    parser.add_argument(
        "--against", "-a", help="the hosted agent: competitor or competitor@version"
    )
    parser.add_argument("--player", "-p", type=Path, help="your player's folder (player.py)")
    parser.add_argument("--matches", "-n", type=int, default=1, help="matches to play (1)")
    parser.add_argument(
        "--first",
        choices=FIRSTS,
        default="alternate",
        help="who moves first: client (you), agent, or alternate from match to match (default)",
    )
    parser.add_argument("--server", help=f"default: ARENA_SERVER, else {DEFAULT_SERVER}")
    parser.add_argument("--token", help="your API token; default: ARENA_TOKEN")
    parser.add_argument(
        "--startup-timeout", type=float, help="seconds your player may take to start"
    )
    parser.add_argument("--move-timeout", type=float, help="seconds your player may take a move")
    parser.add_argument("--ping", action="store_true", help="time round trips to the server")
    parser.add_argument("--count", type=int, default=10, help="round trips for --ping (10)")
    return parser.parse_args(argv)


def main(argv: list[str], out: TextIO | None = None) -> int:
    args = parse_args(argv)
    out = out or sys.stdout
    try:
        server, token = server_and_token(args.server, args.token)
        if args.ping:
            return _ping(server, token, args.count, out)
        return _play(server, token, args, out)
    except CliError as exc:
        print(f"arena: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("arena: interrupted; the match was left", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("ARENA_DEBUG"):
            raise
        print(
            f"arena: unexpected failure ({type(exc).__name__}: {exc}); run again with "
            "ARENA_DEBUG=1 to see where it failed",
            file=sys.stderr,
        )
        return SERVER_FAILURE


def _ping(server: str, token: str, count: int, out: TextIO) -> int:
    if count < 1:
        raise CliError("--count must be at least 1")
    times = [t * 1000 for t in ping(server, token, count)]
    print(
        f"round trip to {server} over {count} calls: min {min(times):.2f} ms, median "
        f"{statistics.median(times):.2f} ms, max {max(times):.2f} ms",
        file=out,
    )
    return 0


def _play(server: str, token: str, args: argparse.Namespace, out: TextIO) -> int:
    if not (args.game and args.against and args.player):
        raise CliError("give --game, --against and --player (or --ping)")
    if args.matches < 1:
        raise CliError("--matches must be at least 1")
    # Imported here: --ping and the RemoteMatch class need the standard library alone.
    import environments
    from run_duel.errors import ArenaError, PlayerFailure
    from run_duel.sandbox import Limits
    from run_duel.sandboxes import PROCESS, PlayerSpec, open_player

    if args.game not in environments.slugs():
        raise CliError(
            f"unknown game {args.game!r}: choose one of {', '.join(environments.slugs())}"
        )
    if not (args.player / "player.py").is_file():
        raise CliError(f"{args.player} holds no player.py: give your player's folder")
    competitor, version = name_and_version(args.against, "--against")
    overrides = {
        key: value
        for key, value in (
            ("startup_timeout", args.startup_timeout),
            ("move_timeout", args.move_timeout),
        )
        if value is not None
    }
    limits = Limits.for_environment(args.game, **overrides)
    tally = {"wins": 0, "draws": 0, "losses": 0, "score": 0.0}
    failed = False
    with contextlib.ExitStack() as stack:
        # Your own code on your own machine: the process sandbox, as the dev kit's duel runs it.
        player = open_player(PlayerSpec(PROCESS, args.player, YOUR_PLAYER, limits), stack)
        try:
            player.open()
        except (PlayerFailure, ArenaError) as exc:
            raise CliError(f"{YOUR_PLAYER} did not start: {exc}", PLAYER_FAILED) from None
        for number in range(1, args.matches + 1):
            agent_first = args.first == "agent" or (args.first == "alternate" and number % 2 == 0)
            with RemoteMatch(
                server, token, args.game, competitor, version, agent_first=agent_first
            ) as match:
                mine = play_one(args.game, player, match)
            line, outcome = _told(number, competitor, match, mine, agent_first)
            print(line, file=out, flush=True)
            if outcome in tally:
                tally[outcome] += 1
            tally["score"] += match.client_score
            if mine is not None:
                failed = True
                if getattr(player, "dead", False):
                    player.restart()
    wdl = results.format_wdl(tally["wins"], tally["draws"], tally["losses"])
    print(
        f"{args.matches} {'match' if args.matches == 1 else 'matches'} against {competitor}: "
        f"{'-'.join(results.WDL)} {wdl} (yours), score {results.format_score(tally['score'])}",
        file=out,
    )
    return PLAYER_FAILED if failed else 0


def _told(
    number: int, competitor: str, match: RemoteMatch, mine: str | None, agent_first: bool
) -> tuple[str, str]:
    """A match's line, and which tally it counts in."""
    first = "the agent first" if agent_first else "you first"
    words = RESULT_WORDS.get(match.result, match.result or "")
    if mine is not None:
        words = f"abandoned: {mine}"
    elif match.error and match.result != "HUMAN_WIN":
        words += f" ({match.error})"
    outcome = {"HUMAN_WIN": "wins", "AGENT_ERROR": "wins", "AGENT_WIN": "losses", "DRAW": "draws"}
    line = (
        f"match {number} against {competitor} ({first}, {len(match.actions)} moves): {words}; "
        f"score {results.format_score(match.client_score)}"
    )
    return line, outcome.get(match.result or "", "")


class HostedAgent:
    """The hosted agent as a player handle of the match engine: its moves are the server's.

    The engine tells every valid move to :meth:`moved`; the client's are sent (the answer
    brings the agent's reply), the agent's are checked against the server's record.
    """

    label = "the agent"

    def __init__(self, match: RemoteMatch) -> None:
        self.match = match
        self.played = 0  # the agent's moves the engine has had

    def moved(self, event: dict[str, Any]) -> None:
        # Your player is the engine's player 1 (who starts is the match's choice).
        if event["player"] == 1 and not self.match.done:
            self.match.play(event["action"])

    def start(self, state: list, valid_actions: Sequence[int]) -> int:
        return self._next(state)

    def step(self, state: list, valid_actions: Sequence[int], prev_reward: float) -> int:
        return self._next(state)

    def end(self, state: list, prev_reward: float) -> None:
        """The server ended its side already."""

    def _next(self, state: list) -> int:
        from run_duel.errors import ArenaError, PlayerFailure

        if self.played >= len(self.match.agent_actions):
            if self.match.done:  # the agent failed, or the arena did: the server says
                raise PlayerFailure(
                    self.match.error or f"ended the match ({self.match.match_state})"
                )
            raise ArenaError(f"the server sent no move of the agent (ply {self.match.ply})")
        action = self.match.agent_actions[self.played]
        self.played += 1
        return action


def play_one(game: str, player: Any, match: RemoteMatch) -> str | None:
    """Play the opened match with the local engine; None, or why your player lost it."""
    import environments
    from run_duel.match import play_match
    from run_duel.outcomes import OTHER_ERROR, PLAYER_1_ERROR

    agent = HostedAgent(match)
    record = play_match(
        environments.new_game(game),
        player,
        agent,
        player_1_starts=not match.agent_first,
        on_event=agent.moved,
    )
    if record["result"] == PLAYER_1_ERROR:
        match.leave()  # the server's match ends too (abandoned), freeing the agent's sandbox
        return (record["error_msg"] or "").splitlines()[0]
    if record["result"] == OTHER_ERROR and not match.done:
        match.leave()
        raise CliError(f"the match went wrong here: {record['error_msg']}", SERVER_FAILURE)
    if match.done and match.actions and record["states"][-1] != match.state:
        raise CliError(
            "this machine's game and the arena's disagree on the final position: update the "
            "arena's package (its rules changed)",
            SERVER_FAILURE,
        )
    return None
