"""The only source of randomness in quizgen.

A problem is fully determined by ``(generator id, version, seed, options)``. Seeds are derived with
SHA-256, and :class:`Rng` draws only through :meth:`random.Random.getrandbits`, whose Mersenne
Twister stream is the same on every platform and Python version, so the same inputs give the same
problem everywhere. Nothing here touches a global RNG.

Example::

    rng = Rng.for_problem("flops.matmul", 1, seed=7)
    m = rng.integer(1, 100)
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import random
from collections.abc import Sequence
from typing import TypeVar

from quizgen.errors import DrawError

T = TypeVar("T")

SEED_BITS = 32
"""Seeds are 32-bit so that people can read and type them."""


_SEED_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
"""What ``json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)`` uses, built once
(json.dumps builds an encoder per call when given options; derive_seed runs twice per problem)."""


def derive_seed(*parts: object) -> int:
    """A 32-bit seed from the SHA-256 of ``parts`` (JSON-encoded, so ``1`` and ``"1"`` differ)."""
    blob = _plain_json(parts) or _SEED_JSON.encode(parts)
    return int.from_bytes(hashlib.sha256(blob.encode()).digest()[:8], "big") % (1 << SEED_BITS)


def _plain_json(parts: tuple[object, ...]) -> str | None:
    """``_SEED_JSON.encode(parts)`` for the usual parts, ints and plain printable ASCII strings
    (ids, labels), written directly (half the time); None for anything else."""
    out = []
    for p in parts:
        if type(p) is int:
            out.append(str(p))
        elif type(p) is str and p.isascii() and p.isprintable() and '"' not in p and "\\" not in p:
            out.append(f'"{p}"')
        else:
            return None
    return "[" + ",".join(out) + "]"


def fresh_seed() -> int:
    """A seed from the OS, for runs where the user gave none (it is printed and recorded)."""
    return int.from_bytes(os.urandom(8), "big") % (1 << SEED_BITS)


class Rng:
    """A deterministic random stream with the draws generators need."""

    def __init__(self, seed: int) -> None:
        key = hashlib.sha256(f"quizgen-rng:{seed}".encode()).digest()
        self._r = random.Random(int.from_bytes(key, "big"))

    @classmethod
    def for_problem(cls, gen_id: str, version: int, seed: int) -> Rng:
        """The stream for one problem."""
        return cls(derive_seed("problem", gen_id, version, seed))

    # -- primitives -------------------------------------------------------------------------
    def _below(self, n: int) -> int:
        if n <= 0:
            raise ValueError(f"_below needs n > 0, got {n}")
        k = n.bit_length()
        while True:
            r = self._r.getrandbits(k)
            if r < n:
                return r

    def random(self) -> float:
        """A float in [0, 1) with 53 random bits."""
        return self._r.getrandbits(53) / float(1 << 53)

    # -- draws ------------------------------------------------------------------------------
    def integer(self, lo: int, hi: int) -> int:
        """An int in [lo, hi], uniform."""
        if hi < lo:
            raise ValueError(f"integer: empty range [{lo}, {hi}]")
        return lo + self._below(hi - lo + 1)

    def uniform(self, lo: float, hi: float) -> float:
        """A float in [lo, hi)."""
        return lo + (hi - lo) * self.random()

    def log_uniform(self, lo: float, hi: float) -> float:
        """A float whose log is uniform on [log lo, log hi] (lo > 0)."""
        return math.exp(self.uniform(math.log(lo), math.log(hi)))

    def nice(self, lo: float, hi: float, sig: int = 2) -> float:
        """A log-uniform float rounded to ``sig`` significant figures, kept inside [lo, hi]."""
        for _ in range(100):
            x = float(f"{self.log_uniform(lo, hi):.{sig - 1}e}")
            if lo <= x <= hi:
                return x
        raise DrawError(f"nice({lo}, {hi}, {sig}) found no value in range")

    def nice_uniform(self, lo: float, hi: float, decimals: int = 2) -> float:
        """A uniform float rounded to ``decimals`` places, kept inside [lo, hi]."""
        for _ in range(100):
            x = round(self.uniform(lo, hi), decimals)
            if lo <= x <= hi:
                return x
        raise DrawError(f"nice_uniform({lo}, {hi}, {decimals}) found no value in range")

    def power_of_two(self, lo: int, hi: int, half: bool = False) -> int:
        """A power of two in [lo, hi]; with ``half``, also 1.5·2^k (e.g. 768, 1536)."""
        options = _powers_of_two(lo, hi, half)
        if not options:
            raise ValueError(f"power_of_two: no power of two in [{lo}, {hi}]")
        return self.choice(options)

    def choice(self, seq: Sequence[T]) -> T:
        """One element of a non-empty sequence."""
        if not seq:
            raise ValueError("choice from an empty sequence")
        return seq[self._below(len(seq))]

    def normal(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        """A Gaussian draw (Box–Muller on our own uniforms, so stable everywhere)."""
        u1 = 1.0 - self.random()  # (0, 1]
        u2 = self.random()
        return mu + sigma * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def shuffled(self, seq: Sequence[T]) -> list[T]:
        """A new list with the elements of ``seq`` in random order (Fisher–Yates)."""
        out = list(seq)
        for i in range(len(out) - 1, 0, -1):
            j = self._below(i + 1)
            out[i], out[j] = out[j], out[i]
        return out

    def sample(self, seq: Sequence[T], k: int) -> list[T]:
        """``k`` distinct elements of ``seq`` in random order."""
        if k > len(seq):
            raise ValueError(f"sample: k={k} > len={len(seq)}")
        return self.shuffled(seq)[:k]

    def bernoulli(self, p: float) -> bool:
        """True with probability p."""
        return self.random() < p


@functools.lru_cache(maxsize=256)
def _powers_of_two(lo: int, hi: int, half: bool) -> tuple[int, ...]:
    """The choices of :meth:`Rng.power_of_two`, sorted (built once per range)."""
    options = []
    p = 1
    while p <= hi:
        if p >= lo:
            options.append(p)
        if half and p >= 2 and lo <= p * 3 // 2 <= hi:
            options.append(p * 3 // 2)
        p *= 2
    return tuple(sorted(options))
