"""Baselines that every heuristic must beat or match.

- `random_plan`: every ordinary target token gets a random row, drawn from a normal with the source embedding's
  per-dimension mean and standard deviation (the "random initialization" baseline of FVT §4, FOCUS §4 and
  WECHSEL §4). Special tokens keep their role mapping, as in every method.
- `identity_plan`: the target has exactly the source's tokens, possibly under other ids (a permutation): every
  row is copied, so the adapted model must score any text exactly as the original does. It is the check that
  matching, output and evaluation lose nothing.
"""

from __future__ import annotations

from tokensmith.adapt.plan import Plan, TransferInputs, plan_from_rows
from tokensmith.errors import ModelError


def random_plan(inputs: TransferInputs) -> Plan:
    """Special tokens mapped by role; all other rows random.

    Args:
        inputs: the tokenizers and their matching.

    Example:
        >>> import tokensmith
        >>> from tokensmith.adapt.matching import match_tokens
        >>> gpt2 = tokensmith.load("gpt2")  # its one special token keeps its row; the 50256 others are drawn
        >>> random_plan(TransferInputs(gpt2, gpt2, match_tokens(gpt2, gpt2, {"bos": 50256}))).counts()
        {'copied': 1, 'combined': 0, 'random': 50256}
    """
    specials = inputs.target.special_ids
    rows = {t: r for t, r in inputs.matched_rows().items() if t in specials}
    return plan_from_rows(inputs.target.vocab_size, rows, copied=rows)


def identity_plan(inputs: TransferInputs) -> Plan:
    """Every target token copied from the source token with the same bytes (or the same role).

    Args:
        inputs: the tokenizers and their matching.

    Raises:
        ModelError: some target token has no source counterpart (then the target is not the source's vocabulary
            re-ordered; use fvt, focus, wechsel or omp).

    Example:
        >>> import tokensmith
        >>> from tokensmith.adapt.matching import match_tokens
        >>> gpt2 = tokensmith.load("gpt2")
        >>> identity_plan(TransferInputs(gpt2, gpt2, match_tokens(gpt2, gpt2, {"bos": 50256}))).counts()["copied"]
        50257
    """
    left = (*inputs.matching.new, *inputs.matching.unmapped)
    if left:
        shown = ", ".join(repr(inputs.target.token_bytes(t)) for t in left[:5])
        raise ModelError(
            f"--method identity needs the target to hold exactly the source's tokens, but {len(left)} target tokens "
            f"have no source counterpart (e.g. {shown}). Use --method fvt, focus, wechsel or omp for a new vocabulary."
        )
    return plan_from_rows(inputs.target.vocab_size, inputs.matched_rows(), copied=inputs.matching.copied)
