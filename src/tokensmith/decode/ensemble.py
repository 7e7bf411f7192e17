"""Byte-level ensembles of language models with different tokenizers.

Phan et al. 2024, *Exact Byte-Level Probabilities from Tokenized Language Models for FIM-Tasks and Model
Ensembles*, Sec. 5: once every model gives an exact next-byte distribution, models with different vocabularies
share one output space (256 bytes + end of text) and can be mixed. We take the weighted arithmetic mixture
q(b | x) = sum_k w_k q_k(b | x), which is again a distribution and is the next-byte rule of the mixture of the
models (with weights fixed per step, not updated by the models' posterior).
Not handled: product-of-experts or posterior-weighted mixtures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tokensmith.decode.bytelevel import ByteLM, NextByte
from tokensmith.errors import TokensmithError


class ByteEnsemble:
    """A weighted mixture of `ByteLM`s: a next-byte distribution over any set of tokenizers.

    Args:
        members: the byte-level models.
        weights: one non-negative weight per member (normalized here); equal weights when omitted.

    Example:
        >>> ens = ByteEnsemble([smollm2_blm, gemma3_blm], weights=[0.5, 0.5])  # doctest: +SKIP
        >>> ens.next_byte(b"The cat sat on the m").probs.argmax()  # doctest: +SKIP
        97
    """

    def __init__(self, members: Sequence[ByteLM], *, weights: Sequence[float] | None = None) -> None:
        if not members:
            raise TokensmithError("an ensemble needs at least one model; pass e.g. --model smollm2,gemma3.")
        w = np.ones(len(members)) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (len(members),) or (w < 0).any() or w.sum() <= 0:
            raise TokensmithError(
                f"weights {list(w)} must be {len(members)} non-negative numbers, not all zero (one per model)."
            )
        self.members = list(members)
        self.weights = w / w.sum()

    def next_byte(self, prefix: bytes) -> NextByte:
        """The mixture's distribution of the byte after `prefix`."""
        vec = sum(w * m.next_byte(prefix).as_vector() for w, m in zip(self.weights, self.members, strict=True))
        return NextByte(probs=vec[:256], end=float(vec[256]))

    def score(self, context: bytes, continuation: bytes) -> list[float]:
        """Bits of `continuation` after `context`: [mixture, member 1, member 2, ...], from one pass per byte."""
        bits = np.zeros(len(self.members) + 1)
        for k in range(len(continuation)):
            rows = np.stack([m.next_byte(context + continuation[:k]).as_vector() for m in self.members])  # (M, 257)
            mix = self.weights @ rows
            probs = np.append(mix[continuation[k]], rows[:, continuation[k]])
            bits += np.where(probs > 0, -np.log2(np.maximum(probs, 1e-300)), math.inf)
        return bits.tolist()
