"""A small synthetic corpus for LiB tests: sentences of words from a tiny vocabulary, drawn with a fixed seed."""

from __future__ import annotations

import random

WORDS = ["the", "dog", "cat", "sees", "a", "big", "ball", "you", "can", "look", "at", "this", "is", "what"]


def sentences(n: int, *, seed: int = 0, sep: str = " ") -> list[str]:
    """`n` sentences of 2-6 words joined by `sep`."""
    rng = random.Random(seed)
    return [sep.join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))) for _ in range(n)]
