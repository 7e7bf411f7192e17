"""Percentile bootstrap confidence intervals over sentences, vectorized with numpy.

Definition: Efron & Tibshirani, *An Introduction to the Bootstrap* (1993), ch. 13 (percentile interval). Sentences
(or words, or compounds) are the resampled unit: a resample draws n units with replacement, and a metric that is a
ratio of sums (tokens / bytes, words split / words, …) is recomputed from the resampled sums.

How it stays fast: one seeded index matrix `idx` of shape (B, n) is drawn once per unit count n and turned into a
multiplicity matrix `M` (B, n), where `M[b, i]` counts how often unit i appears in resample b. Resampled sums of any
number of per-unit statistics `X` (n, K) are then one matrix product `M @ X` (B, K): no Python loop over resamples.
The same `M` serves every language and tokenizer with n units, so comparisons between them are paired.

Not handled here: metrics that are not functions of per-unit sums (e.g. Rényi entropy of the pooled counts) — see
`renyi.py`, which consumes the same index matrix.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

DEFAULT_RESAMPLES = 1000
LEVEL = 0.95


CHUNK = 50  # resamples drawn per seeded chunk (bounds memory for large n)
MATRIX_LIMIT = 1 << 24  # B·n above which the (B, n) multiplicity matrix is built chunk by chunk, not cached


def index_chunks(n: int, *, resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> Iterator[np.ndarray]:
    """Seeded bootstrap indices in chunks of `CHUNK` resamples: each chunk is an int64 array (rows, n).

    Chunk k is drawn from its own generator seeded with (seed, n, k), so the indices do not depend on how the
    chunks are consumed.

    Args:
        n: units to resample (sentences, words...).
        resamples: bootstrap resamples in all.
        seed: the seed.

    Example:
        >>> [c.shape for c in index_chunks(3, resamples=5)] == [(min(5, CHUNK), 3)] * (1 + (5 - 1) // CHUNK)
        True
    """
    for k, lo in enumerate(range(0, resamples, CHUNK)):
        rng = np.random.default_rng([seed, n, k])
        yield rng.integers(0, max(n, 1), size=(min(CHUNK, resamples - lo), n), dtype=np.int64)


@functools.lru_cache(maxsize=16)
def index_matrix(n: int, *, resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> np.ndarray:
    """Seeded bootstrap indices: row b lists the n units drawn (with replacement) for resample b.

    Args:
        n: number of units (sentences).
        resamples: number of resamples B.
        seed: random seed; the same (n, resamples, seed) always gives the same matrix.

    Returns:
        int64 array (B, n), read-only (it is cached and shared).

    Example:
        >>> index_matrix(3, resamples=2, seed=0).shape
        (2, 3)
    """
    idx = np.concatenate(list(index_chunks(n, resamples=resamples, seed=seed))) if resamples else np.zeros((0, n))
    idx = idx.astype(np.int64)
    idx.setflags(write=False)
    return idx


@functools.lru_cache(maxsize=16)
def multiplicity_matrix(n: int, *, resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> np.ndarray:
    """`M[b, i]` = how many times unit i is drawn in resample b (float64 (B, n), rows sum to n).

    Args:
        n: units to resample.
        resamples: rows B.
        seed: the seed (the same indices as `index_chunks`).

    Example:
        >>> multiplicity_matrix(4, resamples=3, seed=1).sum(axis=1).tolist()
        [4.0, 4.0, 4.0]
    """
    m = np.concatenate(list(multiplicity_chunks(n, resamples=resamples, seed=seed)))
    m.setflags(write=False)
    return m


def _multiplicity(idx: np.ndarray) -> np.ndarray:
    b, n = idx.shape
    flat = idx + (np.arange(b, dtype=np.int64) * n)[:, None]  # (b, n) positions in a flattened (b*n) matrix
    return np.bincount(flat.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)


def multiplicity_chunks(n: int, *, resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> Iterator[np.ndarray]:
    """The rows of `multiplicity_matrix`, chunk by chunk (float64 (rows, n) each).

    Args:
        n: units to resample.
        resamples: rows in all.
        seed: the seed.

    Example:
        >>> m = np.concatenate(list(multiplicity_chunks(4, resamples=3, seed=1)))
        >>> bool((m == multiplicity_matrix(4, resamples=3, seed=1)).all())
        True
    """
    for idx in index_chunks(n, resamples=resamples, seed=seed):
        yield _multiplicity(idx)


def resampled_sums(x: np.ndarray, *, resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> np.ndarray:
    """Sums of the rows of `x` (n, K) over each resample: (B, K), as multiplicity matrix @ x. For moderate n the
    whole (B, n) matrix is cached; for large n it is built chunk by chunk so memory stays O(CHUNK · n).

    Args:
        x: (n, K) per-unit values.
        resamples: rows B of the result.
        seed: the seed.

    Example:
        >>> resampled_sums(np.ones((5, 2)), resamples=3).tolist()
        [[5.0, 5.0], [5.0, 5.0], [5.0, 5.0]]
    """
    n = len(x)
    if resamples * n <= MATRIX_LIMIT:
        return multiplicity_matrix(n, resamples=resamples, seed=seed) @ x
    return np.concatenate([m @ x for m in multiplicity_chunks(n, resamples=resamples, seed=seed)])


def percentile_ci(samples: np.ndarray, *, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper percentile bounds over axis 0 of `samples` (B, ...); NaN resamples are ignored.

    Args:
        samples: (B, ...) bootstrap values.
        level: the interval's coverage (0.95 by default).

    Example:
        >>> lo, hi = percentile_ci(np.arange(101.0)[:, None])
        >>> round(float(lo[0]), 6), round(float(hi[0]), 6)
        (2.5, 97.5)
    """
    tail = (1.0 - level) / 2.0 * 100.0
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column (0/0 metric) gives NaN bounds
        lo, hi = np.nanpercentile(samples, [tail, 100.0 - tail], axis=0)
    return lo, hi


@dataclass(frozen=True)
class Estimate:
    """Point estimates with their CI, one entry per column. Arrays of shape (K,)."""

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray


def ratio_of_sums(
    num: np.ndarray, den: np.ndarray, *, scale: float = 1.0, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> Estimate:
    """Bootstrap `scale * sum(num) / sum(den)` per column, resampling the n rows (units).

    Args:
        num: per-unit numerators, shape (n,) or (n, K) for K metrics/languages sharing the same units.
        den: per-unit denominators, same shape.
        scale: a constant factor (1000 for tokens per 1,000 bytes).
        resamples: B; 0 skips the CI (low/high are NaN).
        seed: the seed of the index matrix.

    Example:
        >>> e = ratio_of_sums(np.array([2.0, 4.0]), np.array([1.0, 1.0]), resamples=200)
        >>> float(e.value[0]), 2.0 <= float(e.low[0]) <= float(e.high[0]) <= 4.0
        (3.0, True)
    """
    num2 = np.asarray(num, dtype=np.float64).reshape(len(num), -1)
    den2 = np.asarray(den, dtype=np.float64).reshape(len(den), -1)
    with np.errstate(all="ignore"):
        value = scale * num2.sum(axis=0) / den2.sum(axis=0)
        if resamples <= 0 or len(num2) == 0:
            nan = np.full_like(value, np.nan)
            return Estimate(value, nan, nan)
        k = num2.shape[1]
        sums = resampled_sums(np.concatenate([num2, den2], axis=1), resamples=resamples, seed=seed)
        boot = scale * sums[:, :k] / sums[:, k:]  # (B, K)
    lo, hi = percentile_ci(boot)
    return Estimate(value, lo, hi)


def ratio_of_sums_naive(
    num: list[float], den: list[float], *, scale: float = 1.0, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> tuple[float, float, float]:
    """Slow reference for one column of `ratio_of_sums`: a Python loop over resamples with the same indices.

    Args:
        num: per-unit numerators.
        den: per-unit denominators.
        scale: constant factor.
        resamples: bootstrap resamples.
        seed: the seed.

    Example:
        >>> ratio_of_sums_naive([2.0, 2.0], [1.0, 1.0], resamples=10)  # every resample gives 2
        (2.0, 2.0, 2.0)
    """
    idx = index_matrix(len(num), resamples=resamples, seed=seed)
    boot = []
    for row in idx.tolist():
        boot.append(scale * sum(num[i] for i in row) / sum(den[i] for i in row))
    boot.sort()
    lo, hi = np.percentile(np.array(boot), [2.5, 97.5])
    return scale * sum(num) / sum(den), float(lo), float(hi)


@dataclass(frozen=True)
class SumRatio:
    """A metric of the form `scale * sum(num) / sum(den)` over units, before it is split by language.

    Args:
        num: per-unit numerators (S,).
        den: per-unit denominators (S,).
        scale: constant factor.

    Example:
        >>> r = SumRatio(np.array([3.0, 1.0]), np.array([1.0, 1.0]))
        >>> r.value()
        2.0
    """

    num: np.ndarray
    den: np.ndarray
    scale: float = 1.0

    def value(self) -> float:
        """The point estimate over all units (NaN when the denominator sums to 0).

        Example:
            >>> SumRatio(np.array([3.0]), np.array([0.0])).value()
            nan
        """
        den = float(np.sum(self.den))
        return float(self.scale * np.sum(self.num) / den) if den else float("nan")
