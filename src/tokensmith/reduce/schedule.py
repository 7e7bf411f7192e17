"""FLOPs-matched schedules: per-layer ratios that remove a target share R of the unreduced FLOPs.

Methods are compared at equal compute, not at equal ratio: `--ratio R` is the share of the unreduced model's FLOPs
to remove. A method's placement (`methods.py`) gives a one-parameter family of schedules (the per-layer share x of
the candidates removed: in every layer, once after the first attention, or on the input), and `solve` finds the x
whose FLOPs over the given sequence lengths are closest to 1 − R (bisection: FLOPs kept fall as x grows).

The token counts are predicted, not estimated: every operator's `removed(candidates, ratio)` is the exact count
rule it applies, so `predict` gives, from the lengths alone, the counts the reduced model will record (tested), and
the FLOPs kept measured over a data set match the target as closely as the rounding of short sequences allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokensmith.errors import ModelError
from tokensmith.reduce.flops import TokenRecord, layer_flops, shape_of
from tokensmith.reduce.operators import at_layer

TOLERANCE = 0.05  # |flops_kept - (1 - R)| allowed (the pinned bound)


@dataclass(frozen=True)
class Schedule:
    """Where and how much each layer reduces: `input` on the embeddings, `layers[l]` after layer l's attention."""

    input: float
    layers: tuple[float, ...]

    @staticmethod
    def none(layers: int) -> Schedule:
        """No reduction.

        Args:
            layers: number of layers.

        Example:
            >>> Schedule.none(2)
            Schedule(input=0.0, layers=(0.0, 0.0))
        """
        return Schedule(input=0.0, layers=(0.0,) * layers)

    @staticmethod
    def family(placement: str, x: float, layers: int) -> Schedule:
        """The schedule with parameter x for a placement ('every', 'once', 'input').

        Args:
            placement: see `methods.py`.
            x: the share of candidates removed where the placement acts.
            layers: number of layers.

        Example:
            >>> Schedule.family("once", 0.5, 3)
            Schedule(input=0.0, layers=(0.5, 0.0, 0.0))
        """
        if placement == "input":
            return Schedule(input=x, layers=(0.0,) * layers)
        if placement == "once":
            return Schedule(input=0.0, layers=(x,) + (0.0,) * (layers - 1))
        return Schedule(input=0.0, layers=(x,) * layers)


def predict(operator: Any, schedule: Schedule, lengths: Any, protected: Any) -> TokenRecord:
    """The per-layer token counts a reduced encoder will record for sequences of these lengths.

    Args:
        operator: the method's operator (its `removed` rule).
        schedule: the schedule.
        lengths: (N,) long real tokens per sequence.
        protected: (N,) long protected tokens per sequence.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.tome import ToMe
        >>> rec = predict(ToMe(), Schedule.family("every", 0.5, 2), torch.tensor([10]), torch.tensor([2]))
        >>> rec.attention, rec.mlp
        ([[10], [6]], [[6], [4]])
    """
    record = TokenRecord(layers=len(schedule.layers))
    for layer, (attention, mlp) in enumerate(_counts(operator, schedule, lengths, protected)):
        record.attention[layer], record.mlp[layer] = attention.tolist(), mlp.tolist()
    return record


def _counts(operator: Any, schedule: Schedule, lengths: Any, protected: Any) -> list[tuple[Any, Any]]:
    """Per layer, (N,) tokens entering attention and (N,) entering the MLP."""
    n = lengths.clone()
    if schedule.input > 0:
        n = n - operator.removed(n - protected, schedule.input)
    out = []
    for layer, ratio in enumerate(schedule.layers):
        attention = n
        if ratio > 0:
            n = n - at_layer(operator, layer).removed(n - protected, ratio)
        out.append((attention, n))
    return out


def predicted_flops(operator: Any, schedule: Schedule, lengths: Any, protected: Any, dims: dict[str, int]) -> float:
    """Total FLOPs of the sequences under a schedule (the `flops.layer_flops` formula on tensors, for speed).

    Args:
        operator: the method's operator.
        schedule: the schedule.
        lengths: (N,) long real tokens per sequence.
        protected: (N,) long protected tokens per sequence.
        dims: `hidden` and `intermediate` (and a decoder's `kv_hidden`, `mlp_matrices`: `flops.shape_of`).

    Example:
        >>> import torch
        >>> from tokensmith.reduce.tome import ToMe
        >>> predicted_flops(ToMe(), Schedule.none(1), torch.tensor([10]), torch.tensor([2]),
        ...                 {"hidden": 384, "intermediate": 1536}) == layer_flops(10, 10, hidden=384, intermediate=1536)
        True
    """
    import torch

    total = torch.zeros((), dtype=torch.float64)
    for attention, mlp in _counts(operator, schedule, lengths, protected):  # layer_flops is plain arithmetic
        total += layer_flops(attention.to(torch.float64), mlp.to(torch.float64), **shape_of(dims)).sum()
    return float(total)


def solve(method: Any, *, ratio: float, lengths: Any, protected: Any, dims: dict[str, int]) -> tuple[Schedule, float]:
    """The schedule of a method that removes `ratio` of the FLOPs over these lengths, and its predicted FLOPs kept.

    Args:
        method: a `methods.Method`.
        ratio: R, the share of FLOPs to remove, in [0, 1).
        lengths: (N,) long real tokens per sequence.
        protected: (N,) long protected tokens per sequence.
        dims: the encoder's `layers`, `hidden`, `intermediate`.

    Raises:
        ModelError: the method cannot remove that much on these lengths (the message gives the most it can).

    Example:
        >>> import torch
        >>> from tokensmith.reduce.methods import build
        >>> dims = {"layers": 6, "hidden": 384, "intermediate": 1536}
        >>> schedule, kept = solve(build("truncate"), ratio=0.4, lengths=torch.tensor([130] * 4),
        ...                        protected=torch.tensor([2] * 4), dims=dims)
        >>> round(schedule.input, 2), round(kept, 3)
        (0.39, 0.603)
    """
    layers = dims["layers"]
    if ratio == 0:
        return Schedule.none(layers), 1.0
    base = predicted_flops(method.operator, Schedule.none(layers), lengths, protected, dims)
    family = getattr(method.operator, "family", None)  # a learned schedule's own family (`prune_merge.py`)
    at = (lambda x: family(x, layers)) if family else (lambda x: Schedule.family(method.placement, x, layers))  # noqa: E731
    kept_at = lambda x: predicted_flops(method.operator, at(x), lengths, protected, dims) / base  # noqa: E731
    low, high, target = 0.0, 1.0, 1.0 - ratio
    if kept_at(high) > target + TOLERANCE:
        raise ModelError(
            f"method '{method.name}' can remove at most {1 - kept_at(high):.0%} of the FLOPs on these inputs "
            f"(asked {ratio:.0%}): its sequences are too short or it is capped per layer. Use a smaller --ratio."
        )
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if kept_at(mid) > target else (low, mid)
    best = min((low, high), key=lambda x: abs(kept_at(x) - target))
    return at(best), kept_at(best)
