"""Moments of a corpus's unigram token distribution, on the whole corpus and on every bootstrap resample.

Rényi/Shannon efficiency (renyi.py) and vocabulary utilization (vocab.py) are functions of the token count vector
c (V,) of a corpus, not of per-sentence sums, so the bootstrap must rebuild c for each resample. The numba kernel
does that in one pass per resample and keeps only the moments those metrics need:

    N = Σ_v c_v,  used = #{v : c_v > 0},  S1 = Σ_v c_v ln c_v,  S_α = Σ_v c_v^α  (for each α)

Cost: O(B · (T + U)) for T tokens and U distinct ids in the language — the only metric family that is not a
single matrix product. Ids are first renumbered to 0..U-1 so the per-resample count array stays small.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import numpy as np

# Column layout of a moments array (..., 3 + len(alphas)).
N_COL, USED_COL, SLOG_COL, ALPHA0_COL = 0, 1, 2, 3


def moments(ids: np.ndarray, alphas: Sequence[float]) -> np.ndarray:
    """Moments (3 + A,) of the count vector of `ids`.

    Args:
        ids: token ids.
        alphas: the α values of the S_α moments.

    Example:
        >>> moments(np.array([5, 5, 7]), [2.0]).round(4).tolist()  # counts (2, 1): N=3, used=2, 2 ln 2, 2²+1²
        [3.0, 2.0, 1.3863, 5.0]
    """
    counts = np.bincount(np.asarray(ids, dtype=np.int64)).astype(np.float64)
    counts = counts[counts > 0]
    head = [counts.sum(), float(len(counts)), float((counts * np.log(counts)).sum())]
    return np.array(head + [float((counts**a).sum()) for a in alphas])


@functools.cache
def _kernel():  # -> numba dispatcher; numba is imported only when a bootstrap needs it
    import numba

    # serial: on a shared 2-core machine, threads here only contend with the backends' own threads
    @numba.njit(nogil=True)  # no on-disk cache: closures cache badly
    def boot_moments(local, first, mult, ln_table, pow_tables, n_ids):  # pragma: no cover - compiled
        # mult (B, n): multiplicity of each sentence per resample; ln_table[x] = ln x; pow_tables[a, x] = x^α_a
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

    return boot_moments


def boot_moments(
    ids: np.ndarray, first: np.ndarray, mults: np.ndarray | Iterable[np.ndarray], alphas: Sequence[float]
) -> np.ndarray:
    """Moments (B, 3 + A) of each bootstrap resample of sentences.

    Args:
        ids: (T,) token ids of the sentences, flat.
        first: (n+1,) where each sentence's tokens start in `ids`.
        mults: (B, n) multiplicity of each sentence in each resample (`bootstrap.multiplicity_matrix`), or an
            iterable of row chunks of it (`bootstrap.multiplicity_chunks`).
        alphas: the α values of the S_α moments.

    Example:
        >>> ids, first = np.array([5, 5, 7]), np.array([0, 2, 3])  # sentence 0: (5, 5); sentence 1: (7,)
        >>> boot_moments(ids, first, np.array([[2.0, 0.0]]), [2.0]).round(4).tolist()  # sentence 0 twice
        [[4.0, 1.0, 5.5452, 16.0]]
    """
    uniq, local = np.unique(ids, return_inverse=True)  # renumber once: counts stay (U,) per resample
    local = local.astype(np.int64)
    first = np.ascontiguousarray(first, dtype=np.int64)
    lengths = np.diff(first)
    chunks = [mults] if isinstance(mults, np.ndarray) else mults
    out = [_chunk_moments(local, first, lengths, m, alphas, len(uniq)) for m in chunks]
    return np.concatenate(out) if out else np.zeros((0, 3 + len(alphas)))


def _chunk_moments(
    local: np.ndarray, first: np.ndarray, lengths: np.ndarray, mult: np.ndarray, alphas: Sequence[float], n_ids: int
) -> np.ndarray:
    mult_i = np.ascontiguousarray(mult, dtype=np.int64)
    # no id can be counted more often than the largest resample has tokens: tables of ln x and x^α up to that
    top = int((mult @ lengths).max(initial=0)) + 1
    x = np.arange(top, dtype=np.float64)
    with np.errstate(divide="ignore"):
        ln_table = np.log(x)
    pow_tables = np.stack([x**a for a in alphas]) if len(alphas) else np.zeros((0, top))
    return _kernel()(local, first, mult_i, ln_table, pow_tables, n_ids)


def boot_moments_naive(ids: np.ndarray, first: np.ndarray, mult: np.ndarray, alphas: Sequence[float]) -> np.ndarray:
    """Slow reference for `boot_moments`: rebuild each resample's ids (each sentence w times) and call `moments`.

    Args:
        ids: (T,) token ids, flat.
        first: (n+1,) where each sentence's tokens start.
        mult: (B, n) multiplicity of each sentence in each resample.
        alphas: the α values.

    Example:
        >>> boot_moments_naive(np.array([5, 5, 7]), np.array([0, 2, 3]), np.array([[2.0, 0.0]]), [2.0]).round(4).tolist()
        [[4.0, 1.0, 5.5452, 16.0]]
    """
    rows = []
    for row in mult.astype(int).tolist():
        picked = [ids[first[i] : first[i + 1]] for i, w in enumerate(row) for _ in range(w)]
        rows.append(moments(np.concatenate(picked) if picked else np.zeros(0, np.int64), alphas))
    return np.array(rows)
