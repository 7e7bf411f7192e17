"""Training memory stays bounded: peak RSS of a training subprocess does not grow with the corpus.

Each case trains in a fresh interpreter on text generated on the fly (never held in memory as a whole, except the
single long line, which the reader would hold too); `tests.memory.peak_rss_mb` measures its peak RSS, so imports
and allocator history are the same for the small and the large input.
"""

from __future__ import annotations

import sys

import pytest

from tests.memory import peak_rss_mb

CHILD = """
import random, sys
from tokensmith.learn import train
n_chars, algo, engine, shape = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
rng = random.Random(0)
words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyzäöüß", k=rng.randint(2, 9))) for _ in range(3000)]

def lines():
    made = 0
    while made < n_chars:
        line = " ".join(rng.choices(words, k=12))
        made += len(line) + 1
        yield line

corpus = [" ".join(lines())] if shape == "one-line" else lines()
extra = {"sample_chars": 2_000_000} if engine == "sentencepiece" else {}
train(algo, corpus, vocab_size=1000, engine=engine, extra=extra)
"""


def _peak_rss_mb(n_chars: int, algo: str, engine: str, shape: str) -> int:
    return peak_rss_mb([sys.executable, "-c", CHILD, str(n_chars), algo, engine, shape])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss units differ off Linux")
def test_sentencepiece_memory_does_not_grow_with_the_corpus() -> None:
    # Without the sample, sentencepiece Unigram keeps every sentence: ~18 bytes of RSS per corpus byte.
    small = _peak_rss_mb(10_000_000, "unigram", "sentencepiece", "lines")
    large = _peak_rss_mb(40_000_000, "unigram", "sentencepiece", "lines")
    assert large - small < 40, (small, large)  # 30 MB more corpus; unsampled it would be ~500 MB more


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss units differ off Linux")
def test_one_huge_line_costs_what_the_line_costs() -> None:
    # tokenizers' trainer keeps per-byte alignment tables for a whole line: unsplit, ~90 bytes of RSS per byte.
    small = _peak_rss_mb(2_000_000, "bpe", "hf", "one-line")
    large = _peak_rss_mb(8_000_000, "bpe", "hf", "one-line")
    assert large - small < 80, (small, large)  # the 6 MB longer line itself, a few copies; unsplit ~550 MB more
