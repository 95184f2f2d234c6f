"""``arena connect``: your player, on your machine, against an agent hosted by the arena.

The arena holds the game and the agent in its sandbox; your player runs here (a GPU, a model
too big to upload: fine) and its moves travel through the API's remote matches
(``/api/v1/games/<game>/competitors/<name>/connect/``, the protocol is in the API's docs).
:class:`RemoteMatch` is one such match over ONE keep-alive connection, on the standard
library alone (a Gymnasium wrapper, a notebook may use it directly); :func:`play` runs a
player folder in the dev kit's local harness (the same ``player.py``, unchanged) against it
with the arena's one match engine, so ``start``/``step``/``end`` and ``prev_reward`` are
exactly a duel's. :func:`ping` times bare round trips.

The server's record is the truth (it is the agent's owner's data set); the local engine plays
the same rules beside it, and a disagreement is reported rather than guessed around.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import ssl
import time
from typing import Any
from urllib.parse import quote, urlsplit

from arena.client import SERVER_FAILURE, ApiError, CliError

# One request waits at most this long server-side for the agent (the API caps it at 25 s).
SERVER_WAIT = 25.0


class _Connection:
    """One persistent HTTP(S) connection to the arena: a match's requests reuse it.

    HTTPS checks the server's certificate with the default context (the system's authorities,
    or SSL_CERT_FILE). A connection the server closed while idle is opened again once.
    """

    def __init__(self, server: str, token: str, timeout: float) -> None:
        parts = urlsplit(server.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CliError(f"{server} is not an http:// or https:// address: check --server")
        self.server = server.rstrip("/")
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port
        self.prefix = parts.path
        self.timeout = timeout
        self.headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
        self._conn: http.client.HTTPConnection | None = None

    def _open(self) -> http.client.HTTPConnection:
        if self.https:
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(self, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
        """``(status, JSON body)``; an :class:`ApiError` for an error status."""
        body = None if data is None else json.dumps(data).encode()
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = self._open()
            try:
                self._conn.request(method, self.prefix + path, body=body, headers=headers)
                response = self._conn.getresponse()
                raw = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed the idle keep-alive connection: the request never arrived.
                self.close()
                if attempt == 2:
                    raise self._unreachable("it closed the connection") from None
                continue
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise self._unreachable(exc) from None
            if response.will_close:
                self.close()
            return response.status, self._decode(response.status, raw)
        raise AssertionError("unreachable")

    def _decode(self, status: int, raw: bytes) -> Any:
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            raise CliError(
                f"{self.server} answered HTTP {status} with something other than the arena's "
                "API: check the address (--server or ARENA_SERVER)",
                SERVER_FAILURE,
            ) from None
        if status < 400:
            return data
        message = data.get("error") if isinstance(data, dict) else None
        message = message or f"HTTP {status}"
        if status == 401:
            raise ApiError(f"the server refused your API token: {message}", status)
        if status >= 500:
            raise ApiError(
                f"the arena failed (HTTP {status}): {message}; try again later",
                status,
                SERVER_FAILURE,
            )
        raise ApiError(message, status)

    def _unreachable(self, reason: object) -> CliError:
        return CliError(
            f"cannot reach the arena at {self.server} ({reason}): check the address "
            "(--server or ARENA_SERVER) and that the server is up",
            SERVER_FAILURE,
        )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class RemoteMatch:
    """One match against a hosted agent, played through the API."""

    def __init__(
        self,
        server: str,
        token: str,
        game: str,
        competitor: str,
        version: int | None = None,
        *,
        agent_first: bool = False,
        timeout: float = 120.0,
    ) -> None:
        """Open the match; returns once it is the client's turn or the match is over.

        ``timeout``: the most seconds to wait for any one answer (the agent's sandbox starting,
        the agent thinking), past which :class:`CliError` is raised.
        """
        self.timeout = timeout
        self.agent_first = agent_first
        self.state: list[float] = []  # the arena's state encoding, as the harness gives it
        self.valid_actions: list[int] = []
        self.done = False
        self.result: str | None = None  # HUMAN_WIN (the client won), AGENT_WIN...; None: playing
        self.client_score: float = 0.0
        self.agent_actions: list[int] = []
        self.actions: list[int] = []  # every move, the client's and the agent's
        self.rewards: list[float] = []
        self.ply = 0
        self.match_state = ""  # RUNNING, FINISHED, ABANDONED (the client left or was idle)
        self.error: str | None = None
        self.id: int | None = None
        self.url = ""
        self._http = _Connection(server, token, timeout + SERVER_WAIT)
        request: dict[str, Any] = {"first": "agent" if agent_first else "client"}
        if version is not None:
            request["version"] = version
        path = f"/api/v1/games/{quote(game, safe='')}/competitors/{quote(competitor, safe='')}"
        try:
            status, answer = self._http.request("POST", f"{path}/connect/", request)
            self._update(answer)
            self._until_settled(status, -1)
        except BaseException:
            self.close()
            raise

    def play(self, action: int) -> None:
        """Send the client's move; return once the agent answered or the match ended."""
        if self.done:
            raise CliError(f"match {self.id} is over: open a new one to play again")
        ply = self.ply
        try:
            status, answer = self._http.request(
                "POST", f"{self._path()}/moves/", {"ply": ply, "action": int(action)}
            )
        except ApiError as exc:
            if exc.status != 409:
                raise
            # Sent twice (the first answer lost with its connection)? Then the match has moved
            # on: where it stands tells; anything else is the 409's own message.
            status, answer = self._http.request("GET", f"{self._path()}/")
            if answer["ply"] <= ply:
                raise
        self._update(answer)
        self._until_settled(status, ply)

    def leave(self) -> None:
        """Give the match up (it ends abandoned and frees the agent's sandbox)."""
        if self.id is not None and not self.done:
            _, answer = self._http.request("POST", f"{self._path()}/leave/")
            self._update(answer)

    def close(self) -> None:
        """Leave an unfinished match (its sandbox is freed at once) and close the connection."""
        with contextlib.suppress(CliError):
            self.leave()
        self._http.close()

    def __enter__(self) -> RemoteMatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _path(self) -> str:
        return f"/api/v1/remote-matches/{self.id}"

    def _until_settled(self, status: int, after: int) -> None:
        """Ask again (each request waiting server-side) while the answer is 202."""
        deadline = time.monotonic() + self.timeout
        while status == 202:
            if time.monotonic() > deadline:
                raise CliError(
                    f"no answer from the agent of match {self.id} within {self.timeout:g} s",
                    SERVER_FAILURE,
                )
            status, answer = self._http.request(
                "GET", f"{self._path()}/?after={after}&wait={SERVER_WAIT:g}"
            )
            self._update(answer)

    def _update(self, answer: dict[str, Any]) -> None:
        self.id, self.url = answer["id"], answer["url"]
        self.state = answer["state"] or []
        self.valid_actions = answer["valid_actions"]
        self.done = answer["done"]
        self.result = answer["result"]
        self.client_score = answer["client_score"]
        self.agent_actions = answer["agent_actions"]
        self.actions = answer["actions"]
        self.rewards = answer["rewards"]
        self.ply = answer["ply"]
        self.match_state = answer["match_state"]
        self.error = answer["error"]


def ping(server: str, token: str, count: int = 10) -> list[float]:
    """Round trips of the smallest authenticated request, in seconds, over one keep-alive
    connection (opened, and TLS negotiated, by a first request not counted)."""
    connection = _Connection(server, token, 30.0)
    try:
        connection.request("GET", "/api/v1/ping/")
        times = []
        for _ in range(count):
            started = time.perf_counter()
            connection.request("GET", "/api/v1/ping/")
            times.append(time.perf_counter() - started)
        return times
    finally:
        connection.close()
