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

import secrets

SEED_BITS = 32  # PYTHONHASHSEED and numpy's legacy seeding both take 0 .. 2**32 - 1
# What the harness reads before it imports player.py (the duel-wide seed of its side).
SEED_VARIABLE = "ARENA_SEED"


def draw_seed() -> int:
    """A fresh duel seed."""
    return secrets.randbits(SEED_BITS)


_MASK = 2**64 - 1
_MATCH, _PLAYER = 1, 2  # keep the two derivations apart: match 1 is not side 1


def _derive(kind: int, seed: int, index: int) -> int:
    """32 well-mixed bits of (kind, seed, index): splitmix64's finaliser, a few integer
    operations (a duel derives two seeds per match, and a hash function would cost more
    than an in-process match)."""
    x = ((kind << 60) | ((seed & 0xFFFFFFFF) << 24) | (index & 0xFFFFFF)) & _MASK
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return (x ^ (x >> 31)) >> 32


def match_seed(duel_seed: int, number: int) -> int:
    """The seed of match ``number`` (1-based) of the duel seeded with ``duel_seed``."""
    return _derive(_MATCH, duel_seed, number)


def player_seed(seed: int, side: int) -> int:
    """What player ``side`` (1 or 2) is seeded with, from a duel's or a match's seed."""
    return _derive(_PLAYER, seed, side)


def is_seed(value: object) -> bool:
    """Whether a record's ``seed`` is one the arena could have drawn (bool is no seed)."""
    return type(value) is int and 0 <= value < 2**SEED_BITS
