"""Moments of a corpus's unigram token distribution, on the whole corpus and on every bootstrap resample.

Rényi/Shannon efficiency (renyi.py) and vocabulary utilization (vocab.py) are functions of the token count vector
c (V,) of a corpus, not of per-sentence sums, so the bootstrap must rebuild c for each resample. The numba kernel
(`distribution_kernel.py`, compiled once and cached on disk) does that in one pass per resample and keeps
only the moments those metrics need:

    N = Σ_v c_v,  used = #{v : c_v > 0},  S1 = Σ_v c_v ln c_v,  S_α = Σ_v c_v^α  (for each α)

Cost: O(B · (T + U)) for T tokens and U distinct ids in the language — the only metric family that is not a
single matrix product. Ids are first renumbered to 0..U-1 so the per-resample count array stays small.
"""

from __future__ import annotations

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


def _kernel():  # -> numba dispatcher; numba is imported only when a bootstrap needs it
    from tokensmith.measure.distribution_kernel import boot_moments_kernel

    return boot_moments_kernel


def renumber(ids: np.ndarray) -> tuple[int, np.ndarray]:
    """(distinct ids U, `ids` renumbered to 0..U-1 in id order), in O(T + max id) instead of a sort.

    Args:
        ids: (T,) non-negative token ids.

    Example:
        >>> n, local = renumber(np.array([7, 5, 7, 9]))
        >>> n, local.tolist()
        (3, [1, 0, 1, 2])
    """
    if len(ids) == 0:
        return 0, np.zeros(0, np.int64)
    present = np.zeros(int(ids.max()) + 1, dtype=bool)
    present[ids] = True
    new_id = np.cumsum(present, dtype=np.int64) - 1  # (max id + 1,) rank of each present id
    return int(new_id[-1]) + 1, new_id[ids]


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
    n_ids, local = renumber(np.asarray(ids, dtype=np.int64))  # renumber once: counts stay (U,) per resample
    first = np.ascontiguousarray(first, dtype=np.int64)
    lengths = np.diff(first)
    chunks = [mults] if isinstance(mults, np.ndarray) else mults
    out = [_chunk_moments(local, first, lengths, m, alphas, n_ids) for m in chunks]
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
