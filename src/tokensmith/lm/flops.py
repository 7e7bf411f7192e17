"""Training and inference FLOPs of the LM lab's models: the rule behind `--budget`.

The rule (pinned by the issue): training FLOPs = 6 x N x D, where D is the number of positions a network
processes and N its parameters that take part in a matrix product at each position, the output layer included
("Scaling Laws for Neural Language Models", Kaplan et al., 2020, section 2.1: 2N per position forward, 4N
backward). What counts and what does not:
- counted: every Linear and LayerNorm in the blocks, the final LayerNorm, the output head (V x C, also when its
  weights are tied to the input embedding: the product is computed either way);
- not counted: input embedding and position lookups (no arithmetic), the attention score products
  (2 x n_layer x T x C per position forward, Kaplan's "context" term: small at these context lengths; the docs'
  tables say so), optimizer arithmetic;
- hierarchical models: each sub-network (byte encoder, word backbone, byte decoder) is counted on its own
  positions: the encoder on the bytes (plus CLS slots) of each word, the backbone on one position per word, the
  decoder on each word's bytes plus its end-of-word slot. Padding is not counted (a packed implementation
  skips it); wall time is reported beside FLOPs for that reason.

Inference FLOPs per byte = 2 x N x D / bytes, on the evaluated text.
"""

from __future__ import annotations

import math

from tokensmith.errors import TrainingError


def training_flops(params: int, positions: int) -> int:
    """6 x params x positions.

    Args:
        params: parameters in per-position matrix products (a model's `flop_params()`).
        positions: positions processed (tokens, bytes or words).

    Example:
        >>> training_flops(1000, 64)
        384000
    """
    return 6 * params * positions


def inference_flops(params: int, positions: int) -> int:
    """2 x params x positions (the forward pass only).

    Args:
        params: parameters in per-position matrix products.
        positions: positions processed.

    Example:
        >>> inference_flops(1000, 64)
        128000
    """
    return 2 * params * positions


def steps_for_budget(budget: float, *, step_flops: float, what: str) -> int:
    """How many whole steps of `step_flops` fit in `budget`; a TrainingError when not even one does.

    Args:
        budget: the `--budget` in FLOPs.
        step_flops: the FLOPs of one step (exact, or the mean over sampled batches).
        what: how one step is made up, for the message (e.g. '6 x 1.2M params x 16 x 256 bytes').

    Example:
        >>> steps_for_budget(1e9, step_flops=3e8, what="a toy step")
        3
        >>> steps_for_budget(1e6, step_flops=3e8, what="a toy step")
        Traceback (most recent call last):
        ...
        tokensmith.errors.TrainingError: --budget 1e+06 FLOPs is too small for one training step...
    """
    if not math.isfinite(budget) or budget <= 0:
        raise TrainingError(f"--budget {budget} is not a positive number of FLOPs; pass e.g. --budget 1e12.")
    steps = int(budget // step_flops)
    if steps < 1:
        raise TrainingError(f"--budget {budget:.3g} FLOPs is too small for one training step, which costs "
                            f"{step_flops:.3g} FLOPs ({what}); pass --budget {step_flops:.3g} or more, or make "
                            "the model or --batch-size smaller.")  # fmt: skip
    return steps
