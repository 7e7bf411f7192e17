"""Rényi and Shannon efficiency of a tokenizer's unigram distribution on a corpus.

Definition: Zouhar et al. (2023), *Tokenization and the Noiseless Channel*, ACL, §3–4 (Def. 3.1 and eq. 5). With p
the unigram distribution of tokens on the corpus (p_v = c_v / N) and V the vocabulary size:

    Shannon entropy   H(p)   = − Σ_v p_v ln p_v                 Shannon efficiency  H(p) / ln V
    Rényi entropy     H_α(p) = 1 / (1 − α) · ln Σ_v p_v^α       Rényi efficiency    H_α(p) / ln V

Efficiency 1 means every vocabulary entry is used equally often. The paper finds α = 2.5 correlates best with
downstream BLEU; α must always be passed explicitly here (default `DEFAULT_ALPHA` = 2.5 at the CLI).
From the moments of distribution.py: H = ln N − S1/N and H_α = (ln S_α − α ln N) / (1 − α).
"""

from __future__ import annotations

import math

import numpy as np

from tokensmith.measure.distribution import ALPHA0_COL, N_COL, SLOG_COL

DEFAULT_ALPHA = 2.5


def shannon_from_moments(m: np.ndarray, *, vocab_size: int) -> np.ndarray:
    """Shannon efficiency from moments (..., 3 + A).

    Args:
        m: moments as `distribution.moments` gives them.
        vocab_size: |V|.

    Example:
        >>> from tokensmith.measure.distribution import moments
        >>> round(float(shannon_from_moments(moments(np.array([0, 1]), [2.0]), vocab_size=4)), 6)  # ln 2 / ln 4
        0.5
    """
    n = m[..., N_COL]
    with np.errstate(all="ignore"):
        return (np.log(n) - m[..., SLOG_COL] / n) / math.log(vocab_size)


def renyi_from_moments(m: np.ndarray, *, alpha: float, column: int, vocab_size: int) -> np.ndarray:
    """Rényi efficiency from moments; `column` is the index of α in the alphas given to the moments.

    Args:
        m: moments as `distribution.moments` gives them.
        alpha: the order α (1.0 is Shannon).
        column: the index of α in the alphas given to `moments`.
        vocab_size: |V|.

    Example:
        >>> from tokensmith.measure.distribution import moments
        >>> m = moments(np.array([0, 1]), [2.0])  # a uniform distribution over 2 of 4 types
        >>> round(float(renyi_from_moments(m, alpha=2.0, column=0, vocab_size=4)), 6)
        0.5
    """
    if alpha == 1.0:
        return shannon_from_moments(m, vocab_size=vocab_size)
    n = m[..., N_COL]
    with np.errstate(all="ignore"):
        h = (np.log(m[..., ALPHA0_COL + column]) - alpha * np.log(n)) / (1.0 - alpha)
    return h / math.log(vocab_size)


def renyi_efficiency(counts: list[int], *, alpha: float, vocab_size: int) -> float:
    """Plain-Python Rényi efficiency of a count vector (the reference definition).

    Args:
        counts: token counts (zeros allowed).
        alpha: the Rényi order (α ≠ 1; α = 1 is `shannon_efficiency`).
        vocab_size: |V|.

    Example:
        >>> round(renyi_efficiency([1, 1, 1, 1], alpha=2.5, vocab_size=4), 6)  # uniform over all of V
        1.0
        >>> round(renyi_efficiency([2, 1, 1, 0], alpha=2.0, vocab_size=4), 4)  # ln(1/0.375) / ln 4
        0.7075
    """
    total = sum(counts)
    s = sum((c / total) ** alpha for c in counts if c > 0)
    return math.log(s) / (1.0 - alpha) / math.log(vocab_size)


def shannon_efficiency(counts: list[int], *, vocab_size: int) -> float:
    """Plain-Python Shannon efficiency H(p) / ln |V|.

    Args:
        counts: how often each token id was used.
        vocab_size: |V|.

    Example:
        >>> round(shannon_efficiency([1, 1, 0, 0], vocab_size=4), 6)  # ln 2 / ln 4
        0.5
    """
    total = sum(counts)
    h = -sum((c / total) * math.log(c / total) for c in counts if c > 0)
    return h / math.log(vocab_size)
