"""Static vectors for FOCUS and WECHSEL, trained here on the caller's text with gensim (nothing downloaded).

- `train_token_vectors`: word2vec (skip-gram) over text *pre-tokenized by a tokenizer*, one vector per token id.
  Tokens are named by id (`"12"`), not by string, so the vectors stay tied to exact bytes; fastText's character
  n-grams would mean nothing over such names, hence word2vec (FOCUS, Dobler & de Melo 2023, §3.2, trains fastText
  on the tokenized text; the role of the vectors is the same).
- `train_word_vectors`: fastText over whitespace-split words, whose character n-grams give a vector to any string,
  seen or not: WECHSEL (Minixhofer et al. 2022, §3) embeds subword tokens in a fastText word space this way.

Both use one worker thread and a seed, so the same text and seed give the same vectors. fastText word spaces
are kept in the cache (`cache_dir("adapt-vectors")`, keyed by the text, the settings and gensim's version): WECHSEL
trains the same two spaces for every target tokenizer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tokensmith.atomic import atomic_path
from tokensmith.cache import cache_dir
from tokensmith.errors import CorpusError, require

MIN_TOKENS = 2000  # fewer running tokens than this cannot train meaningful vectors


@dataclass(frozen=True)
class TokenVectors:
    """word2vec vectors for the token ids seen in the text: `vectors[k]` belongs to `ids[k]`, rows unit length."""

    ids: np.ndarray  # (n,) int64
    vectors: np.ndarray  # (n, dim) float32


def _check_size(n_tokens: int, *, what: str) -> None:
    if n_tokens < MIN_TOKENS:
        raise CorpusError(
            f"the {what} has only {n_tokens} tokens, too few to train static vectors (at least {MIN_TOKENS}; "
            "a few MB of text gives useful ones). Pass a larger corpus."
        )


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.where(norms == 0, 1, norms)).astype(np.float32)


def train_token_vectors(
    sequences: Sequence[Sequence[int]], *, dim: int = 100, epochs: int = 3, window: int = 5, seed: int = 0
) -> TokenVectors:
    """word2vec skip-gram vectors of token ids from tokenized lines.

    Args:
        sequences: one id sequence per line of text.
        dim: vector size.
        epochs: passes over the text.
        window: context window in tokens.
        seed: the seed (one worker thread, so runs repeat exactly).

    Raises:
        CorpusError: the text has fewer than `MIN_TOKENS` tokens.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> tv = train_token_vectors([list(rng.integers(0, 50, 40)) for _ in range(60)], dim=8, epochs=1)
        >>> tv.vectors.shape, bool(np.allclose(np.linalg.norm(tv.vectors, axis=1), 1))
        ((50, 8), True)
    """
    require("gensim", extra="adapt")
    from gensim.models import Word2Vec

    sentences = [[str(int(t)) for t in seq] for seq in sequences if len(seq)]
    _check_size(sum(len(s) for s in sentences), what="auxiliary corpus (tokenized by the target tokenizer)")
    model = Word2Vec(sentences, vector_size=dim, window=window, min_count=1, sg=1, epochs=epochs, seed=seed,
                     workers=1)  # fmt: skip
    keys = model.wv.index_to_key
    return TokenVectors(ids=np.array([int(k) for k in keys], dtype=np.int64), vectors=_unit(model.wv[keys]))


@dataclass(frozen=True)
class WordVectors:
    """A fastText word space: `vectors_for(strings)` embeds any strings (unseen ones through character n-grams)."""

    model: Any  # gensim FastTextKeyedVectors
    words: tuple[str, ...]  # the vocabulary, most frequent first

    def vectors_for(self, strings: Iterable[str]) -> np.ndarray:
        """(n, dim) unit vectors of `strings`; the empty string gets a zero row.

        Args:
            strings: words or token texts.

        Example:
            >>> wv = train_word_vectors(["the cat sat on the mat"] * 400, dim=8, epochs=1)
            >>> wv.vectors_for(["cat", "cats", ""]).shape
            (3, 8)
        """
        rows = [self.model[s] if s else np.zeros(self.model.vector_size, np.float32) for s in strings]
        return _unit(np.stack(rows)) if rows else np.zeros((0, self.model.vector_size), np.float32)


def train_word_vectors(
    lines: Iterable[str], *, dim: int = 100, epochs: int = 3, min_count: int = 2, seed: int = 0
) -> WordVectors:
    """fastText word vectors (skip-gram, n-grams 3-6) from whitespace-split lines.

    Args:
        lines: lines of text.
        dim: vector size.
        epochs: passes over the text.
        min_count: words seen fewer times are left out of the vocabulary (their n-grams still count).
        seed: the seed (one worker thread).

    Raises:
        CorpusError: the text has fewer than `MIN_TOKENS` words.

    Example:
        >>> wv = train_word_vectors(["the cat sat on the mat"] * 400, dim=8, epochs=1)
        >>> sorted(wv.words)
        ['cat', 'mat', 'on', 'sat', 'the']
    """
    require("gensim", extra="adapt")
    from gensim.models import FastText
    from gensim.models.fasttext import FastTextKeyedVectors

    sentences = [line.split() for line in lines if line.strip()]
    _check_size(sum(len(s) for s in sentences), what="corpus for word vectors")
    path = _cache_path(sentences, f"fasttext-{dim}-{epochs}-{min_count}-{seed}-{gensim_version()}")
    if path.is_file():
        wv = FastTextKeyedVectors.load(str(path))
        return WordVectors(model=wv, words=tuple(wv.index_to_key))
    model = FastText(sentences, vector_size=dim, window=5, min_count=min_count, sg=1, epochs=epochs, seed=seed,
                     workers=1, min_n=3, max_n=6)  # fmt: skip
    with atomic_path(path) as tmp:
        model.wv.save(str(tmp), sep_limit=1 << 62)  # one file, so the atomic rename covers all of it
    return WordVectors(model=model.wv, words=tuple(model.wv.index_to_key))


def gensim_version() -> str:
    """The installed gensim version (part of the cache key: another version may train other vectors).

    Example:
        >>> gensim_version().count(".") >= 1
        True
    """
    import gensim

    return str(gensim.__version__)


def _cache_path(sentences: list[list[str]], settings: str) -> Path:
    """Where vectors trained on these sentences with these settings are kept (`cache_dir("adapt-vectors")`)."""
    digest = hashlib.sha256()
    for words in sentences:
        digest.update(" ".join(words).encode("utf-8") + b"\n")
    return cache_dir("adapt-vectors") / f"{settings}-{digest.hexdigest()[:32]}.kv"
