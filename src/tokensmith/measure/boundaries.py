"""Token boundaries inside single words, for the morphology and compound metrics.

Each word is tokenized on its own, as a standalone text (one batch call for all words). Its internal boundaries are
the byte positions p with 0 < p < len(word) where a token ends, taken from token byte spans (encoded.py: byte
lengths for lossless tokenizers, library offsets otherwise). A leading space token (SentencePiece's dummy-prefix '▁'
on its own) covers no byte of the word, so it adds no boundary and is thereby ignored.

Boundaries are returned as int64 *keys* `word * KEY + position` so that sets of boundaries of all words can be
compared at once with `np.isin` / `np.unique`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tokensmith.measure.encoded import encode_corpus, token_spans
from tokensmith.measure.textindex import build_text_index
from tokensmith.tokenizer import Tokenizer

KEY = 1 << 20  # > any word's byte length: key = word * KEY + byte position


@dataclass(frozen=True)
class WordTokens:
    """Token spans of standalone words. Shapes: W words, T tokens."""

    boundaries: np.ndarray  # (P,) sorted unique keys of internal token boundaries
    tok_word: np.ndarray  # (T,) word of each token
    tok_start: np.ndarray  # (T,) byte start of each token inside its word
    tok_end: np.ndarray  # (T,) byte end of each token inside its word
    failed: str | None  # the tokenizer's error, when it could not encode the words


def tokenize_words(tok: Tokenizer, words: Sequence[str]) -> WordTokens:
    """Tokenize each word standalone and collect its internal token boundaries.

    Args:
        tok: the tokenizer.
        words: the words (no surrounding spaces).

    Example:
        >>> require_model("gpt2")
        >>> import tokensmith
        >>> wt = tokenize_words(tokensmith.load("gpt2"), ["unhappy"])
        >>> (wt.boundaries % KEY).tolist()  # 'un' 'happy'
        [2]
    """
    index = build_text_index({"words": list(words)})
    enc = encode_corpus(tok, index)
    if enc.failed:
        empty = np.zeros(0, np.int64)
        return WordTokens(empty, empty, empty, empty, next(iter(enc.failed.values())))
    start, end = token_spans(tok, index, enc)
    word = enc.token_sentence()
    base = index.byte_base[word]
    local_start, local_end = start - base, end - base
    inside = (local_end > 0) & (local_end < index.n_bytes[word])
    keys = np.unique(word[inside] * KEY + local_end[inside])
    return WordTokens(keys, word, local_start, local_end, None)


def boundary_keys(positions: Sequence[Sequence[int]]) -> np.ndarray:
    """Keys of given boundary positions per word (e.g. gold morph boundaries).

    Args:
        positions: per word, the character offsets of its internal boundaries.

    Example:
        >>> (boundary_keys([[2], [], [1, 3]]) % KEY).tolist(), (boundary_keys([[2], [], [1, 3]]) // KEY).tolist()
        ([2, 1, 3], [0, 2, 2])
    """
    counts = np.fromiter(map(len, positions), dtype=np.int64, count=len(positions))
    word = np.repeat(np.arange(len(positions), dtype=np.int64), counts)
    flat = np.fromiter((p for ps in positions for p in ps), dtype=np.int64, count=int(counts.sum()))
    return word * KEY + flat


def per_word(keys: np.ndarray, n_words: int) -> np.ndarray:
    """(W,) number of keys belonging to each word.

    Args:
        keys: boundary keys (word * KEY + position), as `boundary_keys` makes them.
        n_words: W.

    Example:
        >>> per_word(boundary_keys([[2], [], [1, 3]]), 3).tolist()
        [1, 0, 2]
    """
    return np.bincount(keys // KEY, minlength=n_words)
