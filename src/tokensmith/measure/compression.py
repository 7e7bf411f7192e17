"""Compression: bytes per token, characters per token and tokens per 1,000 bytes.

Definitions: the corpus's UTF-8 bytes (or Unicode code points) divided by its token count, summed over sentences
before dividing (a ratio of sums, not a mean of per-sentence ratios). Bytes per token is the "compression rate" of
Gallé (2019), *Investigating the Effectiveness of BPE: The Power of Shorter Sequences*, EMNLP, §3, and of Zouhar
et al. (2023) §3; tokens per 1,000 bytes is its inverse scaled by 1,000 (the "sequence length" view of Rust et al.,
2021). Bytes and characters are those of the input text, so WordPiece tokenizers that drop spaces are still
compared on the same denominator.
"""

from __future__ import annotations

import numpy as np

from tokensmith.measure.bootstrap import SumRatio


def compression_ratios(*, n_tokens: np.ndarray, n_bytes: np.ndarray, n_chars: np.ndarray) -> dict[str, SumRatio]:
    """Per-sentence sums behind the three compression metrics.

    Args:
        n_tokens: (S,) tokens per sentence.
        n_bytes: (S,) UTF-8 bytes per sentence.
        n_chars: (S,) code points per sentence.

    Returns:
        {"bytes_per_token", "chars_per_token", "tokens_per_kb"} → SumRatio.

    Example:
        >>> r = compression_ratios(n_tokens=np.array([2, 3]), n_bytes=np.array([8, 12]), n_chars=np.array([8, 7]))
        >>> r["bytes_per_token"].value(), r["chars_per_token"].value(), r["tokens_per_kb"].value()
        (4.0, 3.0, 250.0)
    """
    return {
        "bytes_per_token": SumRatio(n_bytes, n_tokens),
        "chars_per_token": SumRatio(n_chars, n_tokens),
        "tokens_per_kb": SumRatio(n_tokens, n_bytes, 1000.0),
    }


def bytes_per_token(texts: list[str], token_counts: list[int]) -> float:
    """Plain-Python reference: total UTF-8 bytes / total tokens.

    Args:
        texts: the sentences.
        token_counts: tokens of each sentence.

    Example:
        >>> bytes_per_token(["héllo"], [2])
        3.0
    """
    return sum(len(t.encode("utf-8")) for t in texts) / sum(token_counts)
