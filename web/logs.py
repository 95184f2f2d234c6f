"""Long texts (build logs, player logs, error messages) cut to a size a page can show.

Pure: no Django. A page or an API answer shows the beginning and the end of a long log (where
the imports and the crash are), with a line in the middle that says how much is left out and
where the whole log is; so a player that prints a megabyte never makes a megabyte page.
"""

from __future__ import annotations

# Characters shown of one log in a page or an API answer (its beginning and end halves).
LOG_DISPLAY_CHARS = 64 * 1024
# Characters shown of one error message (they quote a few lines of a log at most).
ERROR_DISPLAY_CHARS = 8 * 1024


def clip(text: str, limit: int = LOG_DISPLAY_CHARS, whole_at: str = "") -> str:
    """``text`` if it fits in ``limit`` characters, else its beginning and end with a marker
    between them naming the characters left out and, if given, the address of the whole."""
    if text is None or len(text) <= limit:
        return text
    head = limit // 2
    tail = limit - head
    left_out = len(text) - head - tail
    where = f": the whole log is at {whole_at}" if whole_at else ""
    marker = f"\n[… {left_out} characters not shown{where} …]\n"
    return f"{text[:head]}{marker}{text[-tail:]}"


def is_clipped(text: str, limit: int = LOG_DISPLAY_CHARS) -> bool:
    return text is not None and len(text) > limit
