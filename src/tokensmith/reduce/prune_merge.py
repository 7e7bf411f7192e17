"""DiffRate's per-layer operator at inference: prune a share of the tokens, then merge a share of the rest.

Chen, Shao, Zhang, Jiang, Qiao, Luo, "DiffRate: Differentiable Compression Rate for Efficient Vision Transformers",
ICCV 2023, section 3.2 ("token sorting"): in each block the tokens are sorted by importance, the [CLS] attention
they get averaged over heads; the least important ones are pruned (dropped), then among the survivors the least
important ones are merged into their most similar (cosine of the keys averaged over heads) more important
survivor, by a size-weighted average. A layer's compression is two shares, (prune, merge): the share of its
candidates dropped, then the share of the remaining candidates merged. The shares are learned (`diffrate.py`) or
picked greedily (`greedy_rate.py`); this file is only the discrete operator the runner applies with real removal.

`LayerRates` is a float (the layer's total removed share, so the runner's `ratio > 0` test and the schedule code
work unchanged) that carries the two shares. `PruneMerge.family(x)` turns a learned schedule into a one-parameter
family for `schedule.solve`: every kept share q is raised to the power x / (1 − x), so x = 0.5 is the learned
schedule, 0 reduces nothing and 1 removes all it can, and the solver refits the schedule to the data's lengths.

Not handled: DiffRate's pruning-then-merging of the class-agnostic "register" tokens, and any training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokensmith.errors import ModelError
from tokensmith.reduce.operators import Scores, removal_count, top_keep
from tokensmith.reduce.schedule import Schedule
from tokensmith.reduce.state import DROP, TokenState, candidates, combine


class LayerRates(float):
    """One layer's (prune, merge) shares; its float value is the total removed share 1 − (1 − p)(1 − m).

    Args:
        prune: share of the candidates dropped.
        merge: share of the remaining candidates merged away.

    Example:
        >>> r = LayerRates(0.5, 0.2)
        >>> round(float(r), 3), r.prune, r.merge
        (0.6, 0.5, 0.2)
    """

    prune: float
    merge: float

    def __new__(cls, prune: float, merge: float) -> LayerRates:
        if not (0.0 <= prune <= 1.0 and 0.0 <= merge <= 1.0):
            raise ModelError(f"prune and merge shares must be in [0, 1], not ({prune}, {merge}).")
        value = super().__new__(cls, 1.0 - (1.0 - prune) * (1.0 - merge))
        value.prune, value.merge = float(prune), float(merge)
        return value

    def __repr__(self) -> str:
        return f"LayerRates(prune={self.prune:.4g}, merge={self.merge:.4g})"


def merge_count(candidates: Any, share: float) -> Any:
    """round(share × candidates), leaving at least one candidate to merge into.

    Args:
        candidates: (B,) long candidate counts after pruning.
        share: share of them to merge away.

    Example:
        >>> import torch
        >>> merge_count(torch.tensor([10, 2, 1, 0]), 0.9).tolist()
        [9, 1, 0, 0]
    """
    return removal_count(candidates, share).minimum((candidates - 1).clamp(min=0))


def importance_rank(score: Any, cand: Any) -> Any:
    """(B, T) long: each candidate's rank by score, 0 the most important (stable); non-candidates rank last.

    Args:
        score: (B, T) importance.
        cand: (B, T) bool candidates.

    Example:
        >>> import torch
        >>> importance_rank(torch.tensor([[0.1, 0.5, 0.3, 0.9]]), torch.tensor([[False, True, True, True]])).tolist()
        [[3, 1, 2, 0]]
    """
    import torch

    ranked = torch.where(cand, score.to(torch.float64), float("-inf"))
    order = torch.argsort(ranked, dim=1, descending=True, stable=True)
    steps = torch.arange(order.shape[1], device=order.device).expand_as(order)
    return torch.empty_like(order).scatter_(1, order, steps)


def nearest(keys: Any, into: Any) -> Any:
    """(B, T) long: for every token, the most similar token of `into` by key cosine (itself excluded).

    Args:
        keys: (B, T, d) keys averaged over heads.
        into: (B, T) bool, the allowed destinations.

    Example:
        >>> import torch
        >>> keys = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]]])
        >>> nearest(keys, torch.tensor([[True, True, False]])).tolist()
        [[1, 0, 0]]
    """
    import torch

    k = torch.nn.functional.normalize(keys.detach().to(torch.float32), dim=-1)
    sim = k @ k.transpose(1, 2)  # (B, T, T)
    eye = torch.eye(sim.shape[1], dtype=torch.bool, device=sim.device)
    sim = sim.masked_fill(~into.unsqueeze(1) | eye, float("-inf"))
    return sim.argmax(dim=-1)


class PruneMerge:
    """Prune by [CLS] attention, then merge the least important survivors into their nearest kept ones.

    Args:
        rates: the learned per-layer (prune, merge) shares (None until a search gives them).
        name: the method name it serves ('diffrate' or 'greedy').

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.tensor([[[0.0], [1.0], [2.0], [3.0], [4.0]]]), torch.ones(1, 5))
        >>> cls = torch.tensor([[0.5, 0.1, 0.4, 0.3, 0.2]])      # ranks: 2, 3, 4, 1
        >>> keys = torch.tensor([[[1.0, 0], [0, 1], [1, 0.1], [0.1, 1], [1, 0.1]]])
        >>> out = PruneMerge()(s, Scores(cls=cls, keys=keys), ratio=LayerRates(0.25, 0.34))  # drop 1, merge 4→2
        >>> out.hidden.flatten().tolist(), out.size.tolist()
        ([0.0, 3.0, 3.0], [[1.0, 2.0, 1.0]])
    """

    needs = frozenset({"cls", "keys"})

    def __init__(self, rates: Sequence[tuple[float, float]] | None = None, *, name: str = "diffrate") -> None:
        self.rates = None if rates is None else [LayerRates(p, m) for p, m in rates]
        self.name = name

    def removed(self, candidates: Any, ratio: float) -> Any:
        """Pruned plus merged tokens per sequence.

        Args:
            candidates: (B,) long candidate counts.
            ratio: a `LayerRates` (a plain float prunes that share and merges nothing).

        Example:
            >>> import torch
            >>> PruneMerge().removed(torch.tensor([10, 3]), LayerRates(0.2, 0.5)).tolist()  # 2 + 4, 1 + 1
            [6, 2]
        """
        prune, merge = _shares(ratio)
        pruned = removal_count(candidates, prune)
        return pruned + merge_count(candidates - pruned, merge)

    def family(self, x: float, layers: int) -> Schedule:
        """The learned schedule with every kept share raised to x / (1 − x) (x = 0.5: as learned).

        Args:
            x: in [0, 1].
            layers: number of layers (must match the learned schedule).

        Raises:
            ModelError: no learned rates yet, or learned for another depth.

        Example:
            >>> PruneMerge([(0.5, 0.0), (0.0, 0.0)]).family(0.5, 2).layers
            (LayerRates(prune=0.5, merge=0), LayerRates(prune=0, merge=0))
        """
        if self.rates is None:
            raise ModelError(f"method '{self.name}' learns its per-layer rates by a search first: use `tokensmith "
                             "reduce eval`, or pass the rates of tokensmith.reduce.diffrate.search to apply(rates=).")  # fmt: skip
        if len(self.rates) != layers:
            raise ModelError(f"the learned rates cover {len(self.rates)} layers but the model has {layers}; search "
                             "again for this model.")  # fmt: skip
        power = 1e6 if x >= 1.0 else x / (1.0 - x)
        scaled = [LayerRates(1.0 - (1.0 - r.prune) ** power, 1.0 - (1.0 - r.merge) ** power) for r in self.rates]
        return Schedule(input=0.0, layers=tuple(scaled))

    def __call__(self, state: TokenState, scores: Scores, *, ratio: float) -> TokenState:
        """Drop the least important candidates, merge the next least important into their nearest kept ones.

        Args:
            state: the current state.
            scores: needs `cls` (B, T) and `keys` (B, T, d).
            ratio: the layer's `LayerRates`.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> s = start(torch.ones(1, 3, 2), torch.ones(1, 3))
            >>> PruneMerge()(s, Scores(), ratio=LayerRates(0.0, 0.0)) is s
            True
        """
        import torch

        prune, merge = _shares(ratio)
        cand = candidates(state)
        pruned = removal_count(cand.sum(dim=1), prune)  # (B,)
        survive = top_keep(state, scores.cls, pruned) if int(pruned.max()) > 0 else state.mask  # (B, T)
        left = cand & survive
        merged = merge_count(left.sum(dim=1), merge)
        if int(pruned.max()) == 0 and int(merged.max()) == 0:
            return state
        rank = importance_rank(scores.cls, left)
        source = left & (rank >= (left.sum(dim=1) - merged).unsqueeze(1))  # the least important survivors
        index = torch.arange(cand.shape[1], device=cand.device).expand_as(cand)
        target = torch.where(survive, index, DROP)
        if int(merged.max()) > 0:
            target = torch.where(source, nearest(scores.keys, left & ~source), target)
        return combine(state, target=target, keep=state.mask & survive & ~source)


def _shares(ratio: float) -> tuple[float, float]:
    if isinstance(ratio, LayerRates):
        return ratio.prune, ratio.merge
    return float(ratio), 0.0
