"""The greedy discrete baseline of DiffRate: raise one layer's prune or merge share at a time, the cheapest first.

DiffRate (Chen et al. 2023, section 1 and the ablations of section 4.3) argues that hand-set or searched discrete
compression rates are worse than learned ones. This is the discrete search it is compared with here: start from no
reduction; at every step try raising each layer's prune share and each layer's merge share by one step of the
candidate grid (`diffrate.SHARES`), run the model with real (hard) masks on the search data, and take the move
with the least increase of the distance to the unreduced output per FLOP removed; stop once the FLOPs kept reach
1 − R, then refit to the data's lengths (`diffrate.refit`). It needs no gradient, and 2·L forward passes over the
search data per step, so callers give it a smaller search set than DiffRate's.
Not handled: look-ahead or backtracking (a move is never undone).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokensmith.reduce.blocks import adapter_for
from tokensmith.reduce.diffrate import SHARES, SearchResult, check_search, distance, refit, soft_run


def evaluate_rates(adapter: Any, batches: Sequence[dict[str, Any]], targets: Sequence[tuple[Any, Any]],
                   index: Sequence[tuple[int, int]], shares: Sequence[float] = SHARES) -> tuple[float, float]:  # fmt: skip
    """(mean distance to the unreduced output, FLOPs kept) of the hard schedule `index` (share indices per layer).

    Args:
        adapter: the block adapter.
        batches: the model's inputs.
        targets: the unreduced (embedding, FLOPs) per batch.
        index: per layer (prune share index, merge share index) into `shares`.
        shares: the candidate shares.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.blocks import toy_adapter
        >>> ad = toy_adapter("bert")
        >>> ids = [{"input_ids": torch.ones(1, 9, dtype=torch.long), "attention_mask": torch.ones(1, 9)}]
        >>> with torch.no_grad():
        ...     targets = [soft_run(ad, ids[0], None)]
        >>> evaluate_rates(ad, ids, targets, [(0, 0)])
        (0.0, 1.0)
    """
    import torch

    def one_hot(i: int) -> Any:
        return torch.nn.functional.one_hot(torch.tensor(i), len(shares)).to(torch.float32)

    probs = [(one_hot(p), one_hot(m)) for p, m in index]
    dist = flops = base = 0.0
    with torch.no_grad():
        for batch, (emb, full) in zip(batches, targets, strict=True):
            out, spent = soft_run(adapter, batch, probs, shares)
            dist += float(distance(out, emb)) * len(emb)
            flops, base = flops + float(spent), base + float(full)
    return max(0.0, dist / sum(len(t[0]) for t in targets)), flops / base


def greedy(model: Any, batches: Sequence[dict[str, Any]], *, ratio: float,
           shares: Sequence[float] = SHARES) -> SearchResult:  # fmt: skip
    """Per-layer (prune, merge) shares picked greedily by distance per FLOP, refitted to remove `ratio`.

    Args:
        model: a supported encoder in eval mode.
        batches: the search data, as the model's inputs.
        ratio: R, in (0, 1).
        shares: the candidate shares.

    Raises:
        ModelError: a ratio outside (0, 1), or no search data.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.blocks import toy_adapter
        >>> inputs = [{"input_ids": torch.ones(1, 30, dtype=torch.long), "attention_mask": torch.ones(1, 30)}]
        >>> found = greedy(toy_adapter("bert").model, inputs, ratio=0.25)
        >>> sum(found.learned[0]) > 0, round(found.flops_kept, 1)
        (True, 0.8)
    """
    import torch

    check_search(ratio, batches, "the greedy search")
    adapter = adapter_for(model)
    with torch.no_grad():
        targets = [soft_run(adapter, b, None, shares) for b in batches]
    index = [[0, 0] for _ in range(adapter.dims()["layers"])]
    dist, kept, steps = 0.0, 1.0, []
    while kept > 1.0 - ratio:
        best: tuple[float, int, int, float, float] | None = None
        for layer in range(len(index)):
            for op in (0, 1):
                if index[layer][op] + 1 >= len(shares):
                    continue
                trial = [list(pair) for pair in index]
                trial[layer][op] += 1
                d, k = evaluate_rates(adapter, batches, targets, [tuple(t) for t in trial], shares)  # type: ignore[misc]
                if k < kept and (best is None or (d - dist) / (kept - k) < best[0]):
                    best = ((d - dist) / (kept - k), layer, op, d, k)
        if best is None:  # every share at its maximum
            break
        _, layer, op, dist, kept = best
        index[layer][op] += 1
        steps.append(round(dist, 6))
    learned = [(shares[p], shares[m]) for p, m in index]
    rates, fitted = refit(model, learned, batches, ratio=ratio)
    return SearchResult(rates=rates, flops_kept=fitted, learned=learned, losses=steps)
