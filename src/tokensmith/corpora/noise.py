"""Seeded character noise (typos) for robustness measurements.

Each character position is hit independently with probability `rate`; a hit applies one operation drawn uniformly
from `kinds`:
- insert: put a random character before it;
- delete: drop it;
- substitute: replace it with a random character;
- swap: exchange it with the next character;
- case: flip its case (`str.swapcase`; a no-op for caseless scripts).
Random characters are drawn from the text's own characters, so the noise stays in the text's script (a common
choice in robustness studies, e.g. Belinkov & Bisk 2018, *Synthetic and Natural Noise Both Break Neural Machine
Translation*, §3). Same texts, rate and seed give the same output. Not handled: keyboard-distance typos.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tokensmith.errors import CorpusError

KINDS = ("insert", "delete", "substitute", "swap", "case")


def add_noise(
    text: str, *, rate: float, rng: np.random.Generator, kinds: Sequence[str] = KINDS
) -> str:
    """Apply character noise to one text.

    Args:
        text: the input.
        rate: probability that a character position is hit (0 ≤ rate ≤ 1).
        rng: the random generator (its state advances).
        kinds: the operations to draw from.

    Example:
        >>> add_noise("hello", rate=1.0, rng=np.random.default_rng(0), kinds=["case"])
        'HELLO'
        >>> add_noise("hello", rate=0.0, rng=np.random.default_rng(0))
        'hello'
    """
    if not text or rate <= 0:
        return text
    chars = list(text)
    hits = np.flatnonzero(rng.random(len(chars)) < rate).tolist()
    ops = rng.integers(0, len(kinds), size=len(hits)).tolist()
    picks = rng.integers(0, len(chars), size=len(hits)).tolist()  # random characters, drawn from the text
    out = chars[:]  # out[i] is what position i becomes ('' when deleted, 2 chars when inserted)
    for pos, op, pick in zip(hits, ops, picks):
        kind = kinds[op]
        if kind == "insert":
            out[pos] = chars[pick] + out[pos]
        elif kind == "delete":
            out[pos] = ""
        elif kind == "substitute":
            out[pos] = chars[pick]
        elif kind == "swap" and pos + 1 < len(chars):
            out[pos], out[pos + 1] = out[pos + 1], out[pos]
        elif kind == "case":
            out[pos] = out[pos].swapcase()
    return "".join(out)


def noisy_texts(texts: Sequence[str], *, rate: float, seed: int = 0, kinds: Sequence[str] = KINDS) -> list[str]:
    """Noise every text with one seeded generator (deterministic for the same texts, rate and seed).

    Args:
        texts: the clean texts.
        rate: per-character probability of an edit.
        seed: the seed.
        kinds: the operations to draw from (see `KINDS`).

    Raises:
        CorpusError: the rate is outside [0, 1] or a kind is unknown.

    Example:
        >>> noisy_texts(["abc", "def"], rate=0.5, seed=1) == noisy_texts(["abc", "def"], rate=0.5, seed=1)
        True
    """
    if not 0.0 <= rate <= 1.0:
        raise CorpusError(f"noise rate {rate} is not a probability: use values between 0 and 1, e.g. 0.01,0.05.")
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise CorpusError(f"unknown noise kind(s) {', '.join(bad)}: valid kinds are {', '.join(KINDS)}.")
    rng = np.random.default_rng([seed, int(round(rate * 1e6))])
    return [add_noise(t, rate=rate, rng=rng, kinds=kinds) for t in texts]
