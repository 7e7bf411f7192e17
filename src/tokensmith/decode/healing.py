"""Baselines for prompts that end inside a token: naive token prompting and token healing.

Both score a continuation with token probabilities; neither is a distribution over bytes. They are here to be
compared with the exact byte-level score of `bytelevel.score_bytes`.
- Naive: the prompt is tokenized on its own and the continuation on its own; bits = -log2 P(cont tokens | prompt
  tokens). When the prompt ends mid-token the model sees a token boundary that the training data never had.
- Token healing (as in guidance / Microsoft's "prompt boundary" fix): drop the prompt's last token (bytes r),
  tokenize r + continuation, and renormalize the first token over the tokens compatible with r (those that start
  with r, or that r starts with). The rest is scored as usual.
Not handled: SentencePiece-style dummy-prefix tokenizers (the continuation would get a dummy space).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from tokensmith.errors import ModelError

if TYPE_CHECKING:
    from tokensmith.decode.covers import Canonicalizer
    from tokensmith.tokenlm import TokenLM

LN2 = math.log(2.0)


def _check(canon: Canonicalizer) -> None:
    if canon.dummy:
        raise ModelError(
            f"token-level baselines need a tokenizer without a dummy prefix; {canon.tok.name} adds one. Use the "
            "exact byte-level score (score_bytes) instead."
        )


def _chain(lm: TokenLM, prompt: tuple[int, ...], target: tuple[int, ...]) -> np.ndarray:
    """(len(target), V) next-token log-probs along `prompt + target`."""
    return lm.logprobs([prompt + target[:j] for j in range(len(target))])


def naive_bits(lm: TokenLM, canon: Canonicalizer, context: bytes, continuation: bytes) -> float:
    """-log2 P(encode(continuation) | encode(context)), the continuation tokenized on its own.

    Args:
        lm: a `TokenLM`.
        canon: the tokenizer's `Canonicalizer`.
        context: prompt bytes (may end mid-token).
        continuation: the bytes to score.

    Example:
        'the c' + 'at' is tokenized 'the', ' ', 'c' then 'at', a split the tokenizer never makes ('the', ' cat'):
        9.56 bits, where the exact byte-level score (`score_bytes`) is 0.00001 bits.

        >>> import tokensmith
        >>> from tokensmith.decode.covers import Canonicalizer
        >>> from tokensmith.tokenlm import TableLM
        >>> canon = Canonicalizer(tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0))
        >>> toy_lm = TableLM(vocab_size=canon.vocab_size, eos_id=0, max_len=6, seed=0)
        >>> round(naive_bits(toy_lm, canon, b"the c", b"at"), 2)
        9.56
    """
    _check(canon)
    prompt, target = canon.encode_bytes(context), canon.encode_bytes(continuation)
    rows = _chain(lm, prompt, target)
    return -float(sum(rows[j, t] for j, t in enumerate(target))) / LN2


def healing_bits(lm: TokenLM, canon: Canonicalizer, context: bytes, continuation: bytes) -> float:
    """Token-healing score of `continuation` after `context`, in bits (see the module docstring).

    Args:
        lm: a `TokenLM`.
        canon: the tokenizer's `Canonicalizer`.
        context: prompt bytes.
        continuation: the bytes to score.

    Example:
        Healing drops the prompt's last token 'c', scores 'cat' after 'the', ' ' with the first token renormalized
        over the tokens that start with 'c' ('c', 'cat'): better than naive prompting (9.56 bits), still far from
        the exact byte-level score (0.00001 bits).

        >>> import tokensmith
        >>> from tokensmith.decode.covers import Canonicalizer
        >>> from tokensmith.tokenlm import TableLM
        >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
        >>> lm, canon = TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=6, seed=0), Canonicalizer(tok)
        >>> [round(score(lm, canon, b"the c", b"at"), 2) for score in (healing_bits, naive_bits)]
        [0.8, 9.56]
    """
    _check(canon)
    ids = canon.encode_bytes(context)
    if not ids:
        return naive_bits(lm, canon, context, continuation)
    prompt, removed = ids[:-1], canon.table[ids[-1]]
    target = canon.encode_bytes(removed + continuation)
    rows = _chain(lm, prompt, target)
    compatible = np.zeros(canon.vocab_size, dtype=bool)
    compatible[canon.token_range(removed)] = True
    for k in range(1, len(removed)):  # tokens that are a proper prefix of the removed bytes
        same = canon.token_range(removed[:k])
        compatible[same[canon.lengths[same] == k]] = True
    first = rows[0]
    log_z = np.logaddexp.reduce(first[compatible]) if compatible.any() else 0.0
    total = first[target[0]] - log_z + sum(rows[j, t] for j, t in enumerate(target) if j > 0)
    return -float(total) / LN2
