"""Stable seeding: every random stream is named by the parts it depends on."""

from __future__ import annotations

import hashlib
import random


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of ``parts`` that, unlike ``hash()``, is the same in every process."""
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def rng_for(*parts: object) -> random.Random:
    """A ``random.Random`` whose sequence depends only on ``parts``."""
    return random.Random(stable_hash(*parts))


def token(*parts: object, length: int = 10) -> str:
    """A lowercase base-36 token derived from ``parts`` (ids, URL slugs)."""
    value = stable_hash(*parts)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    chars = []
    for _ in range(length):  # 64 bits give 12 base-36 digits; longer tokens pad with "0"
        value, digit = divmod(value, 36)
        chars.append(alphabet[digit])
    return "".join(chars)
