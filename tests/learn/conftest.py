"""A small synthetic multilingual corpus for training tests (seeded, written by the tests, no shared data)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

SYLLABLES = (
    "ka ta na ma ra sa to ko mi ri shi tsu ne ro be la de un ver ge ing tion er st ch au ei über straß "
    "αλ φα γλω σσα мо ск ва язы к 東 京 日 本 語 中 文"
).split()
EXTRAS = ("😀", "✓", "naïve", "café", "—")


def _vocabulary(rng: random.Random, size: int = 400) -> list[str]:
    """Pseudo-words of 1-4 syllables, so that there are many frequent substrings to learn."""
    words = {"".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(size)}
    return sorted(words) + list(EXTRAS)


def make_lines(n: int, *, seed: int = 0) -> list[str]:
    """`n` lines of 3-12 words with a Zipf-like skew (earlier words more often), deterministic for `seed`."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    rng.shuffle(words)
    weights = [1.0 / (i + 1) for i in range(len(words))]
    return [" ".join(rng.choices(words, weights, k=rng.randint(3, 12))) for _ in range(n)]


@pytest.fixture(scope="session")
def lines() -> list[str]:
    return make_lines(1500)


@pytest.fixture
def corpus_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
