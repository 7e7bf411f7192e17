"""The compiled count-vector bootstrap kernel behind `distribution.boot_moments` (imported only when a bootstrap runs).

A module of its own so that numba can cache the compiled kernel on disk (`cache=True` needs a module-level function,
not a closure) and `import tokensmith.measure` never imports numba. Serial within one call: a `prange` over
resamples was measured 1.7x slower for the whole metrics phase on the shared 2-core machine (threads that wait on
each other at the loop's end whenever another process holds a core); `corpus_rows` instead runs one language per
thread, which needs no barrier.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def boot_moments_kernel(local, first, mult, ln_table, pow_tables, n_ids):  # pragma: no cover - compiled
    """Moments (B, 3 + A) of each resample's count vector (see `distribution.boot_moments`).

    Args:
        local: (T,) ids renumbered to 0..n_ids-1.
        first: (n+1,) where each sentence's tokens start in `local`.
        mult: (B, n) int64 multiplicity of each sentence in each resample.
        ln_table: (top,) ln x for every count x a resample can reach.
        pow_tables: (A, top) x^α for each α.
        n_ids: distinct ids.

    Example:
        >>> ln, pw = np.log(np.arange(5.0)), np.arange(5.0)[None, :] ** 2
        >>> mult = np.array([[2, 0]])  # sentence 0 (ids 0, 0) twice: one id counted 4 times
        >>> boot_moments_kernel(np.array([0, 0, 1]), np.array([0, 2, 3]), mult, ln, pw, 2).round(4).tolist()
        [[4.0, 1.0, 5.5452, 16.0]]
    """
    n_boot, n_alpha = mult.shape[0], pow_tables.shape[0]
    out = np.zeros((n_boot, 3 + n_alpha))
    for b in range(n_boot):
        counts = np.zeros(n_ids, np.int64)
        for i in range(mult.shape[1]):
            w = mult[b, i]
            if w > 0:  # a third of the sentences are not drawn: skip them
                for t in range(first[i], first[i + 1]):
                    counts[local[t]] += w
        for u in range(n_ids):
            x = counts[u]
            if x > 0:
                out[b, 0] += x
                out[b, 1] += 1.0
                out[b, 2] += x * ln_table[x]
                for a in range(n_alpha):
                    out[b, 3 + a] += pow_tables[a, x]
    return out
