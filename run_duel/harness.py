"""The player harness: runs inside the sandbox, beside the participant's ``player.py``.

It is the only arena code a player image carries, so it depends on the standard library and
numpy alone and must keep working with the Python of any player image.

Protocol: one JSON object per line. The arena sends requests::

    {"method": "start", "state": [...], "valid_actions": [...], "seed": 123}
    {"method": "step",  "state": [...], "valid_actions": [...], "prev_reward": 0.0}
    {"method": "end",   "state": [...], "prev_reward": 1.0}

and the harness answers each with exactly one line:

    {"action": 4}                                   start/step answered
    {"ok": true}                                    end answered
    {"error": "ValueError: ...", "traceback": ...}   the player raised
    {"bad_action": "'four' (str)"}                  the player returned something that is no integer

Before the first request it imports ``player.py``, constructs ``Player(False)`` and sends
``{"ready": true, "protocol": 1}`` (or ``{"error": ...}`` and exits).

Seeds (:mod:`run_duel.seeds`): with ``ARENA_SEED`` in its environment, the harness seeds
Python's ``random`` and numpy's global generator with it before importing ``player.py``; a
``start`` request's optional ``seed`` seeds them again just before that match's first
``start``. A request without one changes nothing (an older arena works with this harness).

Everything the player prints, from Python or from C, goes to the log stream and never into
the protocol: the protocol uses private duplicates of the original descriptors and file
descriptors 1 and 2 both point at the log.

Streams: with ``--socket-dir DIR`` (the Docker sandbox) the harness connects to the unix
sockets ``DIR/proto.sock`` and ``DIR/log.sock``, which the arena listens on; a unix socket is
several times faster than a stream relayed by the Docker daemon. Without it (the local process
sandbox) the protocol is stdin/stdout and the log is stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import socket
import sys
import traceback
from typing import Any, BinaryIO

PROTOCOL_VERSION = 1


def _open_streams(socket_dir: str | None) -> tuple[BinaryIO, BinaryIO]:
    """Keep the protocol streams for ourselves; point fds 0, 1, 2 where the player may use them."""
    if socket_dir:
        log = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        log.connect(os.path.join(socket_dir, "log.sock"))
        os.dup2(log.fileno(), 2)
        log.close()
        proto = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        proto.connect(os.path.join(socket_dir, "proto.sock"))
        reader = os.fdopen(os.dup(proto.fileno()), "rb")
        writer = os.fdopen(os.dup(proto.fileno()), "wb")
        proto.close()
    else:
        reader = os.fdopen(os.dup(0), "rb")
        writer = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    # Python-level prints: both to the log, line-buffered so a crash loses little.
    sys.stdout = sys.stderr = os.fdopen(2, "w", buffering=1, encoding="utf-8", errors="replace")
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process
    return reader, writer


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} ({type(value).__name__})"


def to_action(value: Any, np: Any) -> int | None:
    """The action as an int, or None when the value is no integer.

    Original agents return Python ints, numpy integers, floats holding an integer or
    one-element arrays; the 2019 arena converted all of them with ``int()``.
    """
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return None


def seed_randomness(seed: int, np: Any) -> None:
    """Seed the generators a player most often draws from: Python's ``random`` and numpy's
    global one. ``PYTHONHASHSEED`` is the sandbox's to set: it only acts at a process's start."""
    import random

    random.seed(seed)
    np.random.seed(seed)


def _shorten(text: str, limit: int) -> str:
    """The start and the end of ``text``, at most about ``limit`` characters in all."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half:,} characters cut ...]\n{text[-half:]}"


def _error_reply(exc: BaseException) -> dict[str, str]:
    # An exception's message can be megabytes; the arena keeps a few kB of it anyway, so the
    # harness does not send (or log) more than that.
    tb = _shorten(traceback.format_exc(), 64 * 1024)
    sys.stderr.write(tb)
    first_line = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return {"error": _shorten(first_line, 2000), "traceback": tb[-4000:]}


def serve(reader: BinaryIO, writer: BinaryIO, state_dtype: str) -> None:
    def send(reply: dict[str, Any]) -> None:
        writer.write(json.dumps(reply).encode() + b"\n")
        writer.flush()

    try:
        import numpy as np

        seed = os.environ.get("ARENA_SEED", "")
        if seed.isdigit():
            seed_randomness(int(seed), np)
        module = importlib.import_module("player")
        player_class = getattr(module, "Player", None)
        if player_class is None:
            raise ImportError("player.py defines no class Player")
        player = player_class(False)
    except BaseException as exc:  # anything at start-up is the player's failure to start
        send(_error_reply(exc))
        return
    main_pid = os.getpid()
    send({"ready": True, "protocol": PROTOCOL_VERSION})

    dtype = np.dtype(state_dtype)
    for line in reader:
        request = json.loads(line)
        method = request["method"]
        if method == "quit":
            return
        try:
            state = np.array(request["state"], dtype=dtype)
            if method == "end":
                player.end(state, request["prev_reward"])
                reply: dict[str, Any] = {"ok": True}
            else:
                valid_actions = np.array(request["valid_actions"], dtype=np.int64)
                if method == "start":
                    if request.get("seed") is not None:
                        seed_randomness(request["seed"], np)
                    value = player.start(state, valid_actions)
                else:
                    value = player.step(state, valid_actions, request["prev_reward"])
                action = to_action(value, np)
                reply = (
                    {"action": action} if action is not None else {"bad_action": _describe(value)}
                )
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            reply = _error_reply(exc)
        if os.getpid() != main_pid:
            # A child the player forked returned from player code: it must not answer too.
            os._exit(0)
        send(reply)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dtype", default="float64")
    parser.add_argument("--socket-dir", default=None)
    parser.add_argument("--player-dir", default=".")
    args = parser.parse_args(argv)
    reader, writer = _open_streams(args.socket_dir)
    player_dir = os.path.abspath(args.player_dir)
    os.chdir(player_dir)
    # The player's folder replaces the harness's own on the import path, so `import player`
    # (and the player's own imports) never resolve to arena modules.
    sys.path[0] = player_dir
    serve(reader, writer, args.state_dtype)


if __name__ == "__main__":
    main()
