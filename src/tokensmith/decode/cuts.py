"""Seeded cut points in a text: prompts that end at arbitrary bytes (mid-token, even mid-character).

Used by `tokensmith bytes score --cut random` and the benchmarks. A cut is (context, continuation): the
continuation is the `span` bytes after a uniformly drawn byte position, the context the at most `context` bytes
before it within the same line (so every prompt is real text from the same paragraph).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tokensmith.errors import CorpusError


@dataclass(frozen=True)
class Cut:
    """One scored position: the prompt bytes and the bytes that follow them."""

    context: bytes
    continuation: bytes
    offset: int  # byte offset of the cut in the text


def random_cuts(data: bytes, *, n: int, span: int = 32, context: int = 256, seed: int = 0) -> list[Cut]:
    """`n` seeded cuts of `data` (the same data and seed give the same cuts).

    Args:
        data: the text's bytes (lines separated by b"\\n").
        n: how many cuts.
        span: continuation length in bytes; a cut needs `span` bytes after it on its line.
        context: the most prompt bytes to keep before the cut (at least 1 byte of its line is kept).
        seed: the random seed.

    Example:
        Only 'abcdef' is longer than the span, so every cut falls in it, with its line's bytes before it as context.

        >>> random_cuts(b"abcdef\\nxyz", n=2, span=2, seed=0)
        [Cut(context=b'ab', continuation=b'cd', offset=2), Cut(context=b'a', continuation=b'bc', offset=1)]
    """
    starts, lines = [], []
    pos = 0
    for line in data.split(b"\n"):
        if len(line) > span:
            lines.append(line)
            starts.append(pos)
        pos += len(line) + 1
    if not lines:
        raise CorpusError(f"no line is longer than span={span} bytes; give a longer text or a smaller --span.")
    sizes = np.array([len(x) - span for x in lines], dtype=np.float64)  # cut positions 1..len-span per line
    rng = np.random.default_rng(seed)
    which = rng.choice(len(lines), size=n, p=sizes / sizes.sum())
    cuts = []
    for k in which.tolist():
        line = lines[k]
        at = int(rng.integers(1, len(line) - span + 1))
        cuts.append(Cut(line[max(0, at - context) : at], line[at : at + span], starts[k] + at))
    return cuts
