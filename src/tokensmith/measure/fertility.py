"""Fertility (tokens per word) and the share of continued words (words split into more than one token).

Definitions follow Rust et al. (2021), *How Good is Your Tokenizer? On the Monolingual Performance of Multilingual
Language Models*, ACL, §3.1: fertility is the average number of subword tokens per word, and the proportion of
continued words is the share of words split into at least two tokens. Words are maximal `\\w` runs (textindex.py).
A word's tokens are the tokens whose byte span overlaps the word's byte span, so a token such as ' the' (space
plus word) counts for 'the', and punctuation-only tokens count for no word.

Spaceless scripts (Han, Kana, Thai, …; `SPACELESS_SCRIPTS`): `\\w` runs there are whole clauses, not words, so their
`fertility` row is the per-character figure *tokens per character* (tokens / code points) and the language is
flagged `spaceless` in the results; they get no `continued_words` row.
"""

from __future__ import annotations

import numpy as np

from tokensmith.measure.bootstrap import SumRatio


def word_token_counts(
    word_start: np.ndarray, word_end: np.ndarray, tok_start: np.ndarray, tok_end: np.ndarray
) -> np.ndarray:
    """Number of tokens overlapping each word, all spans in one byte coordinate system.

    A token [ts, te) overlaps word [ws, we) when ts < we and te > ws. With starts and ends each sorted, that count is
    #{ts < we} − #{te ≤ ws} (a token with te ≤ ws has ts ≤ te < we, so it is in the first set): two searchsorted.

    Args:
        word_start: (W,) word starts; word_end: (W,) word ends.
        tok_start: (T,) token starts; tok_end: (T,) token ends.

    Example:
        >>> # text "unhappy cat": tokens 'un' 'happy' ' cat' → words 'unhappy' (2 tokens), 'cat' (1)
        >>> word_token_counts(np.array([0, 8]), np.array([7, 11]), np.array([0, 2, 7]), np.array([2, 7, 11])).tolist()
        [2, 1]
    """
    starts = tok_start if _sorted(tok_start) else np.sort(tok_start)
    ends = tok_end if _sorted(tok_end) else np.sort(tok_end)
    return np.searchsorted(starts, word_end, side="left") - np.searchsorted(ends, word_start, side="right")


def _sorted(a: np.ndarray) -> bool:
    return bool(len(a) < 2 or np.all(a[1:] >= a[:-1]))


def word_token_counts_naive(
    words: list[tuple[int, int]], tokens: list[tuple[int, int]]
) -> list[int]:
    """Slow reference for `word_token_counts`: test every (word, token) pair.

    Args:
        words: (start, end) byte spans of the words.
        tokens: (start, end) byte spans of the tokens.

    Example:
        >>> word_token_counts_naive([(0, 5), (6, 8)], [(0, 2), (2, 5), (5, 8)])  # (5, 8) overlaps word 1 only
        [2, 1]
    """
    return [sum(1 for ts, te in tokens if ts < we and te > ws) for ws, we in words]


def fertility_ratios(
    *,
    word_counts: np.ndarray,
    word_sent: np.ndarray,
    n_tokens: np.ndarray,
    n_chars: np.ndarray,
    spaceless: np.ndarray,
) -> dict[str, SumRatio]:
    """Per-sentence sums behind `fertility` and `continued_words`.

    Args:
        word_counts: (W,) tokens overlapping each word (`word_token_counts`).
        word_sent: (W,) sentence of each word.
        n_tokens: (S,) tokens per sentence.
        n_chars: (S,) code points per sentence.
        spaceless: (S,) True for sentences of a spaceless-script language.

    Example:
        >>> r = fertility_ratios(word_counts=np.array([2, 1, 1]), word_sent=np.array([0, 0, 1]),
        ...     n_tokens=np.array([3, 2]), n_chars=np.array([11, 4]), spaceless=np.array([False, True]))
        >>> r["fertility"].value(), r["continued_words"].value()  # (2+1 + 2) / (2 + 4); 1 of 2 words split
        (0.8333333333333334, 0.5)
    """
    n = len(n_tokens)
    per_word = np.bincount(word_sent, weights=word_counts, minlength=n)
    words = np.bincount(word_sent, minlength=n).astype(np.float64)
    split = np.bincount(word_sent, weights=(word_counts > 1), minlength=n)
    fert_num = np.where(spaceless, n_tokens, per_word)
    fert_den = np.where(spaceless, n_chars, words)
    return {
        "fertility": SumRatio(fert_num, fert_den),
        "continued_words": SumRatio(np.where(spaceless, 0.0, split), np.where(spaceless, 0.0, words)),
    }
