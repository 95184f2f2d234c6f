"""The seeds that make a duel replayable, move for move (docs/rules.md, "Seeds").

The arena draws one seed per duel and records it in the duel JSON (``seed``). Everything else
follows from it, so a record is enough to play the same duel again (``arena rerun``):

- every player process of the duel, restarts included, starts with ``PYTHONHASHSEED`` set to
  the duel's seed (string hashing, hence set and dict orders, are then the same);
- before it imports ``player.py``, the harness seeds Python's ``random`` and numpy's global
  generator with :func:`player_seed` of the duel's seed (``Player.__init__`` is reproducible);
- each match has its own seed (:func:`match_seed`, recorded as the match's ``seed``); just
  before a player's ``start`` of that match, the harness seeds both generators again with
  :func:`player_seed` of it, so a match replayed alone plays as it did within its duel.

The two players of a match get different seeds (their side is mixed in): a self-play duel of
a random player must not mirror its own moves.
"""

from __future__ import annotations

import hashlib
import secrets

SEED_BITS = 32  # PYTHONHASHSEED and numpy's legacy seeding both take 0 .. 2**32 - 1
# What the harness reads before it imports player.py (the duel-wide seed of its side).
SEED_VARIABLE = "ARENA_SEED"


def draw_seed() -> int:
    """A fresh duel seed."""
    return secrets.randbits(SEED_BITS)


def _derive(*parts: int | str) -> int:
    text = "/".join(str(part) for part in ("rl-arena", *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[: SEED_BITS // 8], "big")


def match_seed(duel_seed: int, number: int) -> int:
    """The seed of match ``number`` (1-based) of the duel seeded with ``duel_seed``."""
    return _derive("match", duel_seed, number)


def player_seed(seed: int, side: int) -> int:
    """What player ``side`` (1 or 2) is seeded with, from a duel's or a match's seed."""
    return _derive("player", seed, side)


def is_seed(value: object) -> bool:
    """Whether a record's ``seed`` is one the arena could have drawn (bool is no seed)."""
    return type(value) is int and 0 <= value < 2**SEED_BITS
