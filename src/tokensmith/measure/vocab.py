"""Vocabulary use: utilization (share of ids used), unknown-token rate, and byte-fallback rate.

Definitions:
- Utilization: |{v : c_v > 0}| / |V| on the corpus, the "vocabulary utilization" of Gowda & May (2020), *Finding
  the Optimal Vocabulary Size for Neural Machine Translation*, Findings of EMNLP, §3 (measured on the evaluation
  text here, not the training text). |V| is `Tokenizer.vocab_size`, special tokens included.
- Unknown rate: share of tokens that are the tokenizer's unknown token (`Tokenizer.unk_id`); 0 when it has none.
- Byte-fallback rate: share of tokens that are SentencePiece-style byte pieces '<0xNN>' (`byte_fallback_ids`), i.e.
  text the vocabulary could not cover with pieces (Kudo & Richardson 2018, `--byte_fallback`). Byte-level BPE
  (GPT-2, tiktoken) has no such ids, so its rate is 0.
Both rates are ratios of per-sentence sums, bootstrapped like every ratio metric.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from tokensmith.measure.bootstrap import SumRatio
from tokensmith.measure.distribution import USED_COL


def utilization_from_moments(m: np.ndarray, *, vocab_size: int) -> np.ndarray:
    """Utilization from distribution moments (..., 3 + A).

    Args:
        m: moments as `distribution.moments` gives them.
        vocab_size: |V|.

    Example:
        >>> from tokensmith.measure.distribution import moments
        >>> float(utilization_from_moments(moments(np.array([3, 3, 7, 1]), [2.0]), vocab_size=10))
        0.3
    """
    return m[..., USED_COL] / vocab_size


def vocab_utilization(ids: Iterable[int], *, vocab_size: int) -> float:
    """Plain-Python reference: distinct ids used / vocabulary size.

    Args:
        ids: the token ids of a corpus.
        vocab_size: |V|.

    Example:
        >>> vocab_utilization([3, 3, 7, 1], vocab_size=10)
        0.3
    """
    return len(set(ids)) / vocab_size


def id_rate_ratios(
    *, ids: np.ndarray, token_sentence: np.ndarray, n_tokens: np.ndarray, unk_id: int | None,
    byte_fallback_ids: Iterable[int], vocab_size: int,
) -> dict[str, SumRatio]:  # fmt: skip
    """Per-sentence sums behind `unk_rate` and `byte_fallback_rate`.

    Args:
        ids: (T,) token ids, flat.
        token_sentence: (T,) sentence of each token.
        n_tokens: (S,) tokens per sentence.
        unk_id: the unknown token's id, or None.
        byte_fallback_ids: ids of byte-fallback pieces.
        vocab_size: number of ids (size of the lookup table).

    Example:
        >>> r = id_rate_ratios(ids=np.array([0, 5, 6, 5]), token_sentence=np.array([0, 0, 1, 1]),
        ...     n_tokens=np.array([2, 2]), unk_id=0, byte_fallback_ids=[5], vocab_size=8)
        >>> r["unk_rate"].value(), r["byte_fallback_rate"].value()
        (0.25, 0.5)
    """
    n = len(n_tokens)
    is_fallback = np.zeros(max(vocab_size, int(ids.max(initial=-1)) + 1), dtype=bool)  # id → is byte piece
    is_fallback[list(byte_fallback_ids)] = True
    unk = np.zeros(n) if unk_id is None else np.bincount(token_sentence, weights=ids == unk_id, minlength=n)
    fallback = np.bincount(token_sentence, weights=is_fallback[ids], minlength=n)
    return {"unk_rate": SumRatio(unk, n_tokens), "byte_fallback_rate": SumRatio(fallback, n_tokens)}
