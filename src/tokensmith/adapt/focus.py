"""FOCUS (Dobler & de Melo, "FOCUS: Effective Embedding Initialization for Monolingual Specialization of
Multilingual Models", EMNLP 2023, §3).

- Overlapping tokens (equal exact bytes) copy their source rows (§3.1).
- Static vectors are trained on target-language text pre-tokenized by the target tokenizer (§3.2; word2vec here,
  see `static_vectors.py`). Each new token's row is a combination of the overlapping tokens' source rows, the
  weights being sparsemax of its cosine similarities to the overlapping tokens in that static space (§3.3, eq. 2).
- A new token that the auxiliary text never produces has no static vector and gets a random row, as in §3.3.

Sparsemax (Martins & Astudillo, ICML 2016, eq. 2-4) is the Euclidean projection onto the simplex: the weights sum
to 1 and most are exactly 0, so each new token mixes a few close neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tokensmith.adapt.plan import Plan, TransferInputs, plan_from_rows
from tokensmith.adapt.static_vectors import TokenVectors, train_token_vectors

_BATCH = 2048  # new tokens scored against all overlapping tokens at once: (batch, n_overlap) floats


def sparsemax(z: np.ndarray) -> np.ndarray:
    """Sparsemax of each row of `z` (Martins & Astudillo 2016): the closest point of the simplex.

    Args:
        z: (n, k) or (k,) scores.

    Example:
        >>> sparsemax(np.array([2.0, 1.0, -1.0])).tolist()  # tau = 1: [1, 0, 0]
        [1.0, 0.0, 0.0]
        >>> sparsemax(np.array([1.5, 1.0, 0.1])).tolist()  # support {0, 1}, tau = (2.5 - 1) / 2
        [0.75, 0.25, 0.0]
    """
    flat = z.ndim == 1
    z2 = np.atleast_2d(np.asarray(z, dtype=np.float64))
    zs = -np.sort(-z2, axis=1)  # descending
    k = np.arange(1, z2.shape[1] + 1)
    cums = np.cumsum(zs, axis=1)
    support = 1 + k * zs > cums  # True for the first k(z) sorted entries
    kz = support.sum(axis=1)
    tau = (cums[np.arange(len(z2)), kz - 1] - 1) / kz
    p = np.maximum(z2 - tau[:, None], 0.0)
    return p[0] if flat else p


def aux_sequences(inputs: TransferInputs, lines: Sequence[str]) -> list[list[int]]:
    """The auxiliary text tokenized by the target tokenizer, one id list per line.

    Args:
        inputs: the transfer inputs (the target tokenizer encodes).
        lines: the auxiliary corpus' lines.

    Example:
        >>> import tokensmith
        >>> from tokensmith.adapt.matching import Matching
        >>> gpt2 = tokensmith.load("gpt2")
        >>> aux_sequences(TransferInputs(gpt2, gpt2, Matching({}, (), ())), ["Hello world", " "])
        [[15496, 995]]
    """
    return [ids for ids in inputs.target.encode_batch([ln for ln in lines if ln.strip()])]


def focus_plan(
    inputs: TransferInputs, *, aux_lines: Sequence[str], dim: int = 100, epochs: int = 3,
    vectors: TokenVectors | None = None,
) -> Plan:
    """The FOCUS plan: overlap copied, new tokens as sparsemax-weighted sums of overlapping tokens' rows.

    Args:
        inputs: the tokenizers and their matching.
        aux_lines: target-language text (the auxiliary corpus) for the static vectors.
        dim: static vector size.
        epochs: word2vec passes.
        vectors: static token vectors to use instead of training them (tests, or vectors trained once).

    Example:
        >>> import tokensmith
        >>> from tokensmith.adapt.matching import Matching
        >>> gpt2 = tokensmith.load("gpt2")
        >>> tv = TokenVectors(ids=np.array([1, 2, 3]), vectors=np.array([[1, 0], [0.8, 0.6], [0, 1.0]], np.float32))
        >>> inputs = TransferInputs(gpt2, gpt2, Matching(copied={1: 1, 3: 3}, new=(2,), unmapped=()))
        >>> ids, weights = focus_plan(inputs, aux_lines=[], vectors=tv).row(2)
        >>> ids, [round(w, 6) for w in weights]  # similarities 0.8 and 0.6 -> sparsemax 0.6 and 0.4
        ([1, 3], [0.6, 0.4])
    """
    if vectors is None:
        vectors = train_token_vectors(aux_sequences(inputs, aux_lines), dim=dim, epochs=epochs, seed=inputs.seed)
    row_of = {int(t): k for k, t in enumerate(vectors.ids)}
    overlap = np.array([t for t in inputs.matching.copied if t in row_of and t not in inputs.target.special_ids])
    rows = inputs.matched_rows()
    new = [t for t in inputs.matching.new if t in row_of]
    if len(overlap) == 0 or not new:
        return plan_from_rows(inputs.target.vocab_size, rows, copied=inputs.matching.copied)
    anchor_vecs = vectors.vectors[[row_of[int(t)] for t in overlap]]  # (n_overlap, dim)
    anchor_src = np.array([inputs.matching.copied[int(t)] for t in overlap])
    for a in range(0, len(new), _BATCH):
        batch = new[a : a + _BATCH]
        sims = vectors.vectors[[row_of[t] for t in batch]] @ anchor_vecs.T  # (batch, n_overlap) cosines
        weights = sparsemax(sims)
        for t, w in zip(batch, weights):
            nz = np.flatnonzero(w)
            rows[t] = (anchor_src[nz].tolist(), w[nz].tolist())
    return plan_from_rows(inputs.target.vocab_size, rows, copied=inputs.matching.copied)
