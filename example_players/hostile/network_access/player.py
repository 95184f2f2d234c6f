"""Hostile: tries to reach the network in start().

It first lists the network interfaces: if any other than the loopback ``lo`` is visible, it
raises RuntimeError("network interface visible: ...") WITHOUT attempting a connection (the test
machine must never send traffic anywhere). Otherwise it logs that only the loopback is visible
and tries to connect to 192.0.2.1:80 (TEST-NET-1, never routed), which must fail at once; the
failure is raised as RuntimeError("network access failed: ...").

The arena must run players without network (no interface but ``lo``): the match is this
player's error, and the log shows it saw the loopback only. If the connection succeeds it plays
on normally, and the test fails.
"""

from __future__ import annotations

import random
import socket

import numpy as np


class Player:
    def __init__(self, train_mode: bool) -> None:
        self.rng = random.Random()

    def start(self, state: np.ndarray, valid_actions: np.ndarray) -> int:
        names = [name for _, name in socket.if_nameindex()]
        if any(name != "lo" for name in names):
            raise RuntimeError(f"network interface visible: {names}")
        print(f"network_access: only the loopback interface is visible: {names}", flush=True)
        try:
            socket.create_connection(("192.0.2.1", 80), timeout=2).close()
        except OSError as exc:
            raise RuntimeError(f"network access failed: {exc}") from exc
        print("network_access: connected to 192.0.2.1:80")
        return int(self.rng.choice(valid_actions))

    def step(self, state: np.ndarray, valid_actions: np.ndarray, prev_reward: float) -> int:
        return int(self.rng.choice(valid_actions))

    def end(self, state: np.ndarray, prev_reward: float) -> None:
        pass
