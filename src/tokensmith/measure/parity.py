"""Cross-lingual parity: the tokenization premium of each language relative to English, its maximum, and its Gini.

Definition: Petrov et al. (2023), *Language Model Tokenizers Introduce Unfairness Between Languages*, NeurIPS, §3:
on a parallel corpus, the premium of language A relative to B is the token count of A's text divided by that of the
same content in B; B is English (`eng_Latn`). Premiums here are ratios of sums over the aligned sentences,
Σ tokens(A) / Σ tokens(eng). The maximum premium is the worst language; the Gini coefficient (Gini, 1912; here in
the mean-absolute-difference form G = Σ_i Σ_j |x_i − x_j| / (2 L² mean(x))) summarizes how unequal the premiums of
all L languages are (English included, with premium 1): 0 is perfect parity.

The bootstrap resamples aligned sentences jointly for all languages (the same rows everywhere), so each resample
gives a full premium vector, and the CI of the maximum and of the Gini come from those vectors.
Not handled: corpora that are not aligned line by line (the loader checks line counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tokensmith.measure.bootstrap import DEFAULT_RESAMPLES, Estimate, percentile_ci, resampled_sums

REFERENCE = "eng_Latn"


def gini(x: np.ndarray) -> np.ndarray:
    """Gini coefficient over the last axis (vectorized over leading axes).

    Args:
        x: (..., L) non-negative values.

    Uses the sorted form G = 2 Σ_i i·x_(i) / (L Σ x) − (L + 1) / L, with i = 1..L, equal to the mean-absolute-
    difference form.

    Example:
        >>> float(gini(np.array([1.0, 1.0, 1.0]))), float(gini(np.array([0.0, 0.0, 3.0])))
        (0.0, 0.6666666666666667)
    """
    xs = np.sort(np.asarray(x, dtype=np.float64), axis=-1)
    n = xs.shape[-1]
    ranks = np.arange(1, n + 1, dtype=np.float64)
    with np.errstate(all="ignore"):
        return 2.0 * (xs * ranks).sum(axis=-1) / (n * xs.sum(axis=-1)) - (n + 1.0) / n


def gini_naive(values: list[float]) -> float:
    """Slow reference: the mean-absolute-difference form with a double loop.

    Args:
        values: the values (e.g. per-language token totals).

    Example:
        >>> round(gini_naive([0.0, 0.0, 3.0]), 6)
        0.666667
    """
    n = len(values)
    total = sum(abs(a - b) for a in values for b in values)
    return total / (2 * n * n * (sum(values) / n))


@dataclass(frozen=True)
class Parity:
    """Premiums (L,) per language, and the maximum premium and Gini (each shape (1,)), with CIs."""

    premium: Estimate
    max_premium: Estimate
    gini: Estimate


def parity(
    tokens: np.ndarray, *, ref: int, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> Parity:
    """Premium of every language relative to column `ref`, with paired-bootstrap CIs.

    Args:
        tokens: (n, L) token counts of n aligned sentences in L languages.
        ref: the column of the reference language (English).
        resamples: bootstrap resamples B (0: no CIs).
        seed: bootstrap seed.

    Example:
        >>> p = parity(np.array([[10, 20, 30], [10, 20, 10]]), ref=0, resamples=0)
        >>> p.premium.value.tolist(), float(p.max_premium.value[0])
        ([1.0, 2.0, 2.0], 2.0)
    """
    t = np.asarray(tokens, dtype=np.float64)
    totals = t.sum(axis=0)
    with np.errstate(all="ignore"):
        value = totals / totals[ref]
    point = (value, np.array([value.max()]), np.array([gini(value)]))
    if resamples <= 0 or len(t) == 0:
        nan = [np.full_like(v, np.nan) for v in point]
        return Parity(*(Estimate(v, n, n) for v, n in zip(point, nan)))
    boot_totals = resampled_sums(t, resamples=resamples, seed=seed)  # (B, L)
    with np.errstate(all="ignore"):
        boot = boot_totals / boot_totals[:, ref : ref + 1]
    samples = (boot, boot.max(axis=1)[:, None], gini(boot)[:, None])
    cis = [percentile_ci(s) for s in samples]
    return Parity(*(Estimate(v, lo, hi) for v, (lo, hi) in zip(point, cis)))


def premiums_naive(counts: dict[str, list[int]], *, ref: str = REFERENCE) -> dict[str, float]:
    """Slow reference: per-language token totals with plain loops, divided by the reference's total.

    Args:
        counts: language → token count of each aligned sentence.
        ref: the reference language.

    Example:
        >>> premiums_naive({"eng_Latn": [2, 2], "deu_Latn": [3, 3]})
        {'eng_Latn': 1.0, 'deu_Latn': 1.5}
    """
    totals = {}
    for lang, per_sentence in counts.items():
        total = 0
        for c in per_sentence:
            total += c
        totals[lang] = total
    return {lang: totals[lang] / totals[ref] for lang in counts}
