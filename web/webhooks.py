"""Posting a signed JSON body to a user's webhook, without letting the user aim it at us.

A webhook's address is chosen by any user, so it is hostile until checked: it must be http or
https, its host must resolve to public addresses only (loopback too when the setup allows it,
for development and tests), and the connection goes to the very address that was checked (a
second lookup could answer differently: DNS rebinding). Redirects are never followed (one
could point inside), the answer is read up to a cap, and every step has a timeout. No Django
here: :mod:`web.notifications` gives the settings.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

SIGNATURE_HEADER = "X-Arena-Signature"
EVENT_HEADER = "X-Arena-Event"
# Enough of an answer to quote in the status; the rest is not read.
MAX_ANSWER_BYTES = 4096
USER_AGENT = "RL-Arena-Webhook/1"


class Refused(Exception):
    """The address may not be posted to; the message says why and what to do."""


@dataclass(frozen=True)
class Delivery:
    """What came of one post: the HTTP status (None if no answer) and what went wrong."""

    status: int | None
    error: str = ""
    refused: bool = False  # the address itself was refused: trying again changes nothing

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def worth_retrying(self) -> bool:
        """A server error or no answer may pass; a 4xx answer or a refused address will not."""
        if self.ok or self.refused:
            return False
        return self.status is None or self.status >= 500 or self.status == 429


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of the body>``, as the receiver recomputes it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_url(url: str) -> tuple[str, str, int, str]:
    """The URL's (scheme, host, port, path with query); Refused unless http(s) with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused("a webhook address starts with https:// (or http://)")
    if not parts.hostname:
        raise Refused("the webhook address has no host name")
    if parts.username or parts.password:
        raise Refused("a webhook address may not hold a user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused(f"the webhook address's port is not valid ({exc})") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


# IPv6 prefixes that carry an IPv4 address (NAT64): judged by the address they carry.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def allowed_address(address: str, allow_loopback: bool) -> bool:
    """Whether a webhook may connect to ``address``: public, or loopback when allowed."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one reaches that IPv4 address: judge that one.
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int, allow_loopback: bool) -> str:
    """The address to connect to: the host's first one, if all its addresses are allowed.

    All of them, not just the first: a name that also resolves inside must not be let through.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"the webhook's host {host} was not found ({exc})") from exc
    addresses = [str(info[4][0]) for info in found]
    if not addresses:
        raise Refused(f"the webhook's host {host} has no address")
    for address in addresses:
        if not allowed_address(address, allow_loopback):
            raise Refused(
                f"the webhook's host {host} resolves to {address}, a private or local address: "
                "webhooks go to public addresses only"
            )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand, whatever the host name says."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS; the certificate is checked against the host name, as usual."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(
    url: str,
    body: bytes,
    *,
    secret: str,
    event: str,
    timeout: float,
    allow_loopback: bool = False,
) -> Delivery:
    """POST ``body`` (JSON) to ``url``, signed with ``secret``; never raises, never redirects."""
    try:
        scheme, host, port, path = check_url(url)
        address = resolve(host, port, allow_loopback)
    except Refused as exc:
        return Delivery(None, str(exc), refused=True)
    kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, address, timeout)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body),
        EVENT_HEADER: event,
    }
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        text = answer.read(MAX_ANSWER_BYTES).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:
        return Delivery(None, f"no answer from {host}: {exc or type(exc).__name__}")
    finally:
        connection.close()
    if 300 <= answer.status < 400:
        return Delivery(
            answer.status,
            f"{answer.status} {answer.reason}: redirects are not followed, give the final address",
        )
    if not 200 <= answer.status < 300:
        first_line = text.strip().splitlines()[0][:200] if text.strip() else ""
        quoted = f': "{first_line}"' if first_line else ""
        return Delivery(answer.status, f"HTTP {answer.status} {answer.reason}{quoted}")
    return Delivery(answer.status)
