"""The 2019 way of reaching a player: a small HTTP server in its container, one POST per move.

Only the protocol benchmark uses it, as the baseline. Standard library only, so it runs in
any player image: ``python3 server.py --port 8765`` from the submission's folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

sys.path.insert(0, os.getcwd())
from player import Player

PLAYER = Player(False)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, a kept-alive connection
    # would wait for the client's delayed ACK (~40 ms) on every move.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        state = np.array(body["state"], dtype=np.float64)
        valid_actions = np.array(body["valid_actions"], dtype=np.int64)
        if self.path == "/start":
            action = PLAYER.start(state, valid_actions)
        else:
            action = PLAYER.step(state, valid_actions, body.get("prev_reward", 0.0))
        payload = json.dumps({"action": int(action)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
