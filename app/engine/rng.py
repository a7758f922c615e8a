"""Deterministic randomness derived from the game's seed and its version.

Every random draw of an action comes from a `random.Random` seeded with a mix of
``state.rng_seed``, the state version the action starts from and a salt, so the
same state and action always give the same result and a replay of the action log
reproduces the game exactly. The generator is local and created lazily (most
actions draw nothing); the module-level `random` functions and the clock are
never used.
"""

from __future__ import annotations

import random
from collections.abc import MutableSequence, Sequence
from typing import TypeVar

_T = TypeVar("_T")
_MASK = (1 << 64) - 1


def mix(seed: int, version: int, salt: int = 0) -> int:
    """A 64-bit seed from the three inputs (splitmix64-style; no `hash()`, which is salted)."""
    value = (seed * 0x9E3779B97F4A7C15 + version * 0xBF58476D1CE4E5B9 + salt) & _MASK
    value ^= value >> 31
    value = (value * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 29)


class Rng:
    """The random source of one action; draws in a fixed order give fixed results."""

    __slots__ = ("_inputs", "_random")

    def __init__(self, seed: int, version: int, salt: int = 0) -> None:
        self._inputs = (seed, version, salt)
        self._random: random.Random | None = None

    def _get(self) -> random.Random:
        if self._random is None:
            seed = mix(*self._inputs)
            self._random = random.Random(seed)  # noqa: S311 - game dice, not secrets
        return self._random

    def coin(self) -> bool:
        """One coin flip: True for heads."""
        return self._get().random() < 0.5

    def below(self, n: int) -> int:
        """A uniform integer in ``[0, n)``."""
        return self._get().randrange(n)

    def pick(self, items: Sequence[_T]) -> _T:
        """A uniform element of a non-empty sequence."""
        return items[self._get().randrange(len(items))]

    def token(self) -> str:
        """Eight random hex digits (32 bits): names that say nothing about what they name."""
        return f"{self._get().getrandbits(32):08x}"

    def shuffle(self, items: MutableSequence[_T]) -> None:
        """Shuffle in place."""
        self._get().shuffle(items)
