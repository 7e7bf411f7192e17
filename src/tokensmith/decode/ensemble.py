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
        Two toy models over two tokenizers (byte-level BPE, SentencePiece BPE) that share no ids. P('a' | 'the c')
        is 0.999993 under `a` and 0.729501 under `b`, so the 3:1 mixture gives 0.75 * 0.999993 + 0.25 * 0.729501.

        >>> import tokensmith
        >>> from tokensmith.tokenlm import TableLM
        >>> lines = ["the cat sat on the mat"] * 3
        >>> bl = tokensmith.train("bpe", lines, vocab_size=270, seed=0)  # byte-level BPE, end-of-text id 0
        >>> sp = tokensmith.train("bpe", lines, vocab_size=280, engine="sentencepiece", seed=0)  # '</s>' is id 2
        >>> a = ByteLM(TableLM(vocab_size=bl.vocab_size, eos_id=0, max_len=6, seed=0), bl)
        >>> b = ByteLM(TableLM(vocab_size=sp.vocab_size, eos_id=2, max_len=6, seed=0), sp)
        >>> [round(float(m.next_byte(b"the c").probs[ord("a")]), 6) for m in (a, b)]
        [0.999993, 0.729501]
        >>> ens = ByteEnsemble([a, b], weights=[3, 1])
        >>> ens.weights.tolist(), round(float(ens.next_byte(b"the c").probs[ord("a")]), 6)
        ([0.75, 0.25], 0.93237)
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
        """The mixture's distribution of the byte after `prefix`.

        Args:
            prefix: raw bytes; b"" means the start of the text.

        Example:
            Two seeds of a toy model over one tokenizer; with equal weights the mixture is their mean.

            >>> import tokensmith
            >>> from tokensmith.tokenlm import TableLM
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> a, b = (ByteLM(TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=6, seed=s), tok) for s in (0, 1))
            >>> [round(float(m.next_byte(b"the").probs[ord(" ")]), 6) for m in (a, b)]
            [0.011669, 0.010291]
            >>> d = ByteEnsemble([a, b]).next_byte(b"the")
            >>> round(float(d.probs[ord(" ")]), 6), round(float(d.probs.sum() + d.end), 12)
            (0.01098, 1.0)
        """
        vec = sum(w * m.next_byte(prefix).as_vector() for w, m in zip(self.weights, self.members, strict=True))
        return NextByte(probs=vec[:256], end=float(vec[256]))

    def score(self, context: bytes, continuation: bytes) -> list[float]:
        """Bits of `continuation` after `context`: [mixture, member 1, member 2, ...], from one pass per byte.

        Args:
            context: the bytes before (may end inside a token).
            continuation: the bytes to score.

        Example:
            The members' bits are their own `score_bytes`; the mixture of the two seeds lies between them here.

            >>> import tokensmith
            >>> from tokensmith.decode.bytelevel import score_bytes
            >>> from tokensmith.tokenlm import TableLM
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> members = [ByteLM(TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=6, seed=s), tok) for s in (0, 1)]
            >>> [round(bits, 4) for bits in ByteEnsemble(members).score(b"the", b" c")]
            [8.6166, 8.08, 9.3651]
            >>> [round(score_bytes(m, None, b"the", b" c"), 4) for m in members]
            [8.08, 9.3651]
        """
        bits = np.zeros(len(self.members) + 1)
        for k in range(len(continuation)):
            rows = np.stack([m.next_byte(context + continuation[:k]).as_vector() for m in self.members])  # (M, 257)
            mix = self.weights @ rows
            probs = np.append(mix[continuation[k]], rows[:, continuation[k]])
            bits += np.where(probs > 0, -np.log2(np.maximum(probs, 1e-300)), math.inf)
        return bits.tolist()
