"""Flat id arrays: many texts' ids as one (T,) array plus (S+1,) offsets, the shape every corpus-scale consumer reads.

`flatten` turns lists of ids into that shape without a Python list per text on the way (`unflatten` goes back);
`Tokenizer.encode_batch_flat` and the accelerators' flat calls produce it directly. Text s has `ids[offsets[s]:offsets[s+1]]`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np


def flatten(batch: Sequence[Sequence[int]], *, dtype: np.dtype | type = np.uint32) -> tuple[np.ndarray, np.ndarray]:
    """Lists of ids → flat ids (T,) and offsets (S+1,) int64.

    Args:
        batch: ids per text.
        dtype: the dtype of the flat ids.

    Example:
        >>> ids, offsets = flatten([[1, 2], [], [3]])
        >>> ids.tolist(), offsets.tolist(), ids.dtype.name
        ([1, 2, 3], [0, 2, 2, 3], 'uint32')
    """
    lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
    offsets = np.zeros(len(batch) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    ids = np.fromiter(itertools.chain.from_iterable(batch), dtype=dtype, count=int(offsets[-1]))
    return ids, offsets


def unflatten(ids: np.ndarray, offsets: np.ndarray) -> list[list[int]]:
    """Flat ids and offsets back to one list of ids per text (the inverse of `flatten`).

    Args:
        ids: (T,) ids.
        offsets: (S+1,) where each text starts, then T.

    Example:
        >>> unflatten(*flatten([[1, 2], [], [3]]))
        [[1, 2], [], [3]]
    """
    flat, cuts = ids.tolist(), offsets.tolist()
    return [flat[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def concat_flat(parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Several (ids, offsets) pairs, in order, as one pair.

    Args:
        parts: flat pairs, e.g. one per shard.

    Example:
        >>> ids, offsets = concat_flat([flatten([[1], [2, 3]]), flatten([[], [4]])])
        >>> ids.tolist(), offsets.tolist()
        ([1, 2, 3, 4], [0, 1, 3, 3, 4])
    """
    if not parts:
        return np.zeros(0, np.uint32), np.zeros(1, np.int64)
    ids = np.concatenate([p[0] for p in parts])
    lengths = np.concatenate([np.diff(p[1]) for p in parts])
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return ids, offsets


__all__ = ["concat_flat", "flatten", "unflatten"]
