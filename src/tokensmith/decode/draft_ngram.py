"""An n-gram draft model over the context (prompt + generated text) with an explicit, smoothed distribution q.

For RSD and SpecInfer (`rsd.py`) a drafter must say how likely each token is, not just propose one. This model
counts the n-grams of the tokens committed so far and interpolates the orders with Witten-Bell smoothing (Witten
and Bell, 1991; the form of Chen and Goodman, 1998, "An Empirical Study of Smoothing Techniques for Language
Modeling", section 2.6): P_k(x | h) = (c(h, x) + T(h) P_{k-1}(x | h')) / (c(h) + T(h)), where T(h) is the number
of distinct tokens seen after h and h' drops the oldest token of h; the order-0 base mixes the unigram counts with a
uniform distribution over the vocabulary, so q is positive everywhere (every token can be drafted and rejected).

Counts are updated incrementally as the context grows; `begin` resets them (a cold model per prompt). Not handled:
a corpus-trained n-gram model (that is REST's datastore, a later drafter).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

__all__ = ["NgramQ"]


class NgramQ:
    """Witten-Bell interpolated n-gram q over the context.

    Args:
        vocab_size: rows of q (the target model's logits width).
        order: the longest n-gram (3 = trigrams).

    Example:
        >>> ngram = NgramQ(vocab_size=6, order=2)
        >>> ngram.begin(np.array([1, 2, 1, 2, 1]))
        >>> q = ngram.q(np.array([1, 2, 1, 2, 1]), np.zeros((1, 0), dtype=np.int64))
        >>> int(q.argmax()), round(float(q.sum()), 6)
        (2, 1.0)
    """

    def __init__(self, *, vocab_size: int, order: int = 3) -> None:
        self.vocab_size, self.order = vocab_size, order
        self.begin(np.zeros(0, dtype=np.int64))

    def begin(self, ids: np.ndarray) -> None:
        """Forget the counts of the last prompt.

        Args:
            ids: the new prompt's ids (counted on the next `q` call).

        Example:
            >>> NgramQ(vocab_size=4).begin(np.array([1, 2]))
        """
        self._ids: list[int] = []
        self._next: dict[tuple[int, ...], Counter[int]] = defaultdict(Counter)  # history -> next-token counts

    def _count(self, ids: np.ndarray) -> None:
        """Add the n-grams that end in the tokens not counted yet (ids only grow within a prompt)."""
        if len(ids) < len(self._ids) or list(ids[: len(self._ids)]) != self._ids:
            self.begin(ids)  # a different context: count it afresh
        for i in range(len(self._ids), len(ids)):
            tok = int(ids[i])
            for k in range(0, self.order):
                if i - k < 0:
                    break
                self._next[tuple(int(t) for t in ids[i - k : i])][tok] += 1
            self._ids.append(tok)

    def _row(self, history: list[int]) -> np.ndarray:
        unigram = self._next.get((), Counter())
        total = sum(unigram.values())
        q = np.full(self.vocab_size, 1.0 / self.vocab_size)  # the uniform floor, mixed in as one pseudo-count
        for tok, c in unigram.items():
            q[tok] += c
        q /= total + 1
        for k in range(1, self.order):
            if len(history) < k:
                break
            seen = self._next.get(tuple(history[-k:]))
            if not seen:
                break  # a longer history cannot have been seen either
            types, count = len(seen), sum(seen.values())
            q *= types / (count + types)
            for tok, c in seen.items():
                q[tok] += c / (count + types)
        return q

    def q(self, ids: np.ndarray, paths: np.ndarray) -> np.ndarray:
        """Draft distributions float64 [m, V] after ids + each path.

        Args:
            ids: the committed context (its n-grams are counted).
            paths: int64 [m, d], draft tokens after the context.

        Example:
            >>> NgramQ(vocab_size=5).q(np.array([3]), np.array([[1], [2]])).shape
            (2, 5)
        """
        self._count(ids)
        tail = [int(t) for t in ids[-(self.order - 1) :]] if self.order > 1 else []
        return np.stack([self._row(tail + [int(t) for t in path]) for path in paths])

    def observe(self, tree: Any, logits: Any, accepted: np.ndarray) -> None:
        """Nothing to learn from the target's logits (the counts follow the committed text).

        Args:
            tree: the verified tree (unused).
            logits: the target's logits (unused).
            accepted: the accepted nodes (unused).

        Example:
            >>> NgramQ(vocab_size=4).observe(None, None, np.array([0]))
        """
