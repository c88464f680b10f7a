"""Go's math/rand/v2 PCG generator, bit for bit, so seeded runs draw the numbers goflow draws.

goflow takes its randomness from gocommon's random package: rand.New(rand.NewPCG(seed, seed)),
Float64() turned into a decimal by shortest representation. Its tests (and so the conformance data)
seed it with 123456. (Not math/rand v1's lagged-Fibonacci source, which goflow used before: the
values recorded at seed 123456, rand() = 0.774856886849196 then 0.5342568785221806, are PCG's.)
GoRand is a random.Random so it can stand wherever the engine expects one;
random() is Go's Float64 and the Go-specific draws (uint64, int_n) are there for exact replays.
"""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any

_MASK64 = (1 << 64) - 1
_MASK128 = (1 << 128) - 1
# the 128-bit LCG multiplier and increment (hi:lo) of Go's PCG
_MUL = (2549297995355413924 << 64) | 4865540595714422341
_INC = (6364136223846793005 << 64) | 1442695040888963407
# DXSM output permutation's multiplier
_CHEAP_MUL = 0xDA942042E4DD58B5


class GoRand(random.Random):
    """rand.New(rand.NewPCG(seed, seed)) as goflow's random.NewSeededGenerator(seed) builds it."""

    _hi: int
    _lo: int

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(seed)

    def seed(self, a: Any = None, version: int = 2) -> None:
        if a is None:
            a = random.SystemRandom().getrandbits(64)
        self._hi = self._lo = int(a) & _MASK64  # Go converts the int64 seed with uint64(seed)
        self.gauss_next = None

    def getstate(self) -> tuple[int, int]:
        return (self._hi, self._lo)

    def setstate(self, state: Any) -> None:
        self._hi, self._lo = state

    def uint64(self) -> int:
        """PCG.Uint64: advance the 128-bit LCG, then the DXSM permutation of its high half."""
        state = (((self._hi << 64) | self._lo) * _MUL + _INC) & _MASK128
        hi, lo = state >> 64, state & _MASK64
        self._hi, self._lo = hi, lo
        hi ^= hi >> 32
        hi = (hi * _CHEAP_MUL) & _MASK64
        hi ^= hi >> 48
        return (hi * (lo | 1)) & _MASK64

    def random(self) -> float:
        """Rand.Float64: the low 53 bits of a draw over 2^53."""
        return (self.uint64() & ((1 << 53) - 1)) / (1 << 53)

    def int_n(self, n: int) -> int:
        """Rand.IntN on a 64-bit platform: Lemire's multiply-shift with Go's rejection rule."""
        if n <= 0:
            raise ValueError("invalid argument to int_n")
        if n & (n - 1) == 0:
            return self.uint64() & (n - 1)
        product = self.uint64() * n
        if product & _MASK64 < n:
            threshold = ((1 << 64) - n) % n  # Go's -n % n in uint64
            while product & _MASK64 < threshold:
                product = self.uint64() * n
        return product >> 64

    def getrandbits(self, k: int) -> int:
        if k < 0:
            raise ValueError("number of bits must be non-negative")
        bits, have = 0, 0
        while have < k:
            bits = (bits << 64) | self.uint64()
            have += 64
        return bits >> (have - k)


def random_decimal(rng: random.Random) -> Decimal:
    """gocommon's random.Decimal: decimal.NewFromFloat(Float64()), i.e. the float's shortest digits."""
    return Decimal(repr(rng.random()))


class GoUUIDs:
    """gocommon's uuids.NewSeededGenerator(seed).NextV4: v4 UUIDs from 16 bytes of a seeded GoRand,
    each uint64 draw giving 8 bytes least significant first."""

    def __init__(self, seed: int) -> None:
        self.rng = GoRand(seed)

    def __call__(self) -> str:
        raw = bytearray(self.rng.uint64().to_bytes(8, "little") + self.rng.uint64().to_bytes(8, "little"))
        raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
        raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
        return str(uuid.UUID(bytes=bytes(raw)))
