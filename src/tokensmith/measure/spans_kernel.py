"""Compiled loops behind `encoded.token_spans`: byte totals per sentence and global byte spans of every token.

One pass over the ids each, writing only the outputs (the numpy formulation makes five temporaries of the corpus's
token count, which on a 24M-token corpus cost more than the arithmetic). numba caches the compiled loops on disk;
this module is imported only when spans are computed.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def sentence_bytes(ids, table, first):  # pragma: no cover - compiled
    """(S,) bytes the tokens of each sentence spell.

    Args:
        ids: (T,) token ids, flat.
        table: (V,) byte length of each id.
        first: (S+1,) where each sentence's tokens start.

    Example:
        >>> sentence_bytes(np.array([0, 1, 1]), np.array([2, 3]), np.array([0, 1, 3])).tolist()
        [2, 6]
    """
    out = np.zeros(len(first) - 1, np.int64)
    for s in range(len(first) - 1):
        total = 0
        for t in range(first[s], first[s + 1]):
            total += table[ids[t]]
        out[s] = total
    return out


@njit(nogil=True, cache=True)
def global_spans(ids, table, first, base, shift, start, end):  # pragma: no cover - compiled
    """Fill `start`/`end` (T,) with each token's global byte span: cumulative byte lengths within its sentence,
    less the sentence's `shift` (a dummy-prefix space), clipped at the sentence start, plus the sentence's `base`.

    Args:
        ids: (T,) token ids, flat.
        table: (V,) byte length of each id.
        first: (S+1,) where each sentence's tokens start.
        base: (S,) global byte offset of each sentence.
        shift: (S,) bytes to drop at each sentence's start (0 or 1).
        start: (T,) int64 output.
        end: (T,) int64 output.

    Example:
        >>> start, end = np.zeros(3, np.int64), np.zeros(3, np.int64)
        >>> global_spans(np.array([0, 1, 1]), np.array([2, 3]), np.array([0, 1, 3]), np.array([0, 10]),
        ...              np.array([0, 1]), start, end)
        >>> start.tolist(), end.tolist()
        ([0, 10, 12], [2, 12, 15])
    """
    for s in range(len(first) - 1):
        b, pos = base[s], -shift[s]
        for t in range(first[s], first[s + 1]):
            nxt = pos + table[ids[t]]
            start[t] = b + max(pos, 0)
            end[t] = b + max(nxt, 0)
            pos = nxt
