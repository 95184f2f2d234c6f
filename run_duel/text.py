"""Text that comes from a player, made safe to keep: bounded in size, free of control bytes.

Everything a player can say reaches the arena as text sooner or later: an exception's
message, the repr of a bad action, a malformed reply, the tail of its log. That text ends up in
a duel record, a database row, a Redis stream entry and an API answer, so it is cleaned where
it enters the arena, once: cut to a few kB (a player cannot make a 20 MB duel record) and
stripped of NUL and other control characters (PostgreSQL refuses NUL in text and JSON, and
terminals interpret escapes).
"""

from __future__ import annotations

import re

# A message: what went wrong, where, and a log tail. Enough to act on, small enough to repeat
# in every match of a duel.
MESSAGE_CHARS = 2000
# Control characters other than tab and newline; DEL and the C1 range included.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` without control characters (tab and newline stay); ``\\r\\n`` becomes ``\\n``."""
    return _CONTROL.sub("", text.replace("\r\n", "\n"))


def cap(text: str, limit: int = MESSAGE_CHARS) -> str:
    """At most ``limit`` characters of ``text``: its start, and a marker of what was cut."""
    if len(text) <= limit:
        return text
    marker = f" [... {len(text) - limit:,} more characters cut]"
    return text[: max(0, limit - len(marker))] + marker


def player_text(value: object, limit: int = MESSAGE_CHARS) -> str:
    """Any value a player sent, as text fit to keep: ``str()``-ed, capped, then cleaned.

    Capped before cleaning, so a huge value costs one slice, never a scan of all of it.
    """
    text = value if isinstance(value, str) else repr(value)
    return clean(cap(text, limit))


def tail(text: str, limit: int) -> str:
    """The last ``limit`` characters of ``text`` (a log's end is where the error is)."""
    return text if len(text) <= limit else text[-limit:]
