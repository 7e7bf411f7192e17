"""Budget allocation across regions: split a sequence's token budget over its regions, then keep the best in each.

- Liu et al., "GlobalCom²: Global Compression for High-Resolution Multimodal LLMs" (2025), section 3: a
  high-resolution image is cut into crops; each crop's share of the retained tokens follows its share of the global
  ([CLS]) attention, and within a crop the tokens with the highest attention are kept.
- Zhang et al., "Token-level Correlation-guided Compression for Efficient Multimodal Document Understanding" (2024),
  section 3: a region whose tokens correlate strongly with each other is redundant and gets fewer tokens.

The operator (`Budget`) acts once, after the attention of the first layer (placement `once`, like `pool`): a
sequence with c candidates keeps K = c − round(ratio × c), and
1. the candidates are cut into regions: for an image grid, crops of the patch grid (`crops`, default 2 × 2
   quadrants, from each token's original position); for text, k = ⌈c / `segment`⌉ contiguous segments of nearly
   equal length (candidate j goes to ⌊j·k / c⌋; default 8 tokens each, about a short clause of STS-B: fixed-size
   chunks need no sentence splitter and work for any tokenizer);
2. each region r gets a weight: `attention` — the [CLS] attention mass of its candidates (`by="received"`: the
   attention they receive from all real queries); `redundancy` —
   n_r · (1 − ρ_r), ρ_r the mean cosine similarity between the keys (averaged over heads) of distinct tokens of r,
   clamped to [0, 1] (a single-token region has ρ = 0);
3. K is split in proportion to the weights, no region getting more than its size (`split_budget`: water-filling
   for the caps, largest remainders for the rounding), so the quotas always sum to K;
4. each region keeps its quota of candidates with the highest [CLS] attention (or attention received). Protected
   tokens always stay; padding is in no region.
`by="received"` is for encoders whose [CLS] is not trained as a summary: all-MiniLM-L6-v2 is mean-pooled, and its
first layer's [CLS] attention is a poor ranking of the tokens (compare `reduce eval --method budget --by cls`
with `--by received`).
Not handled: GlobalCom²'s thumbnail (the global view) as a separate input; the crops here are of one image.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from tokensmith.errors import ModelError
from tokensmith.reduce.operators import Scores, removal_count
from tokensmith.reduce.state import TokenState, candidates, keep_only

ALLOCATE = ("attention", "redundancy")
SEGMENT = 8  # candidates per text segment
CROPS = (2, 2)  # image crops: quadrants


def split_budget(budget: int, weights: list[float], capacity: list[int]) -> list[int]:
    """Integer quotas, one per region, that sum to `budget`, follow `weights` and never exceed `capacity`.

    Water-filling: the regions whose proportional share exceeds their capacity get their capacity, and the rest of
    the budget is shared again among the others; the shares are rounded down and the leftover units go to the
    largest remainders (ties: the earlier region). All-zero weights share in proportion to capacity.

    Args:
        budget: tokens to keep, at most sum(capacity).
        weights: non-negative weight per region.
        capacity: tokens available per region.

    Example:
        >>> split_budget(6, [0.5, 0.3, 0.2], [4, 4, 4])  # exact shares 3, 1.8, 1.2
        [3, 2, 1]
        >>> split_budget(6, [0.9, 0.1, 0.0], [2, 5, 5])  # region 0 is full at 2; the other 4 follow 0.1 : 0.0
        [2, 4, 0]
    """
    if budget > sum(capacity) or budget < 0:
        raise ModelError(f"budget {budget} is outside [0, {sum(capacity)}], the tokens the regions hold.")
    share = [0.0] * len(weights)
    open_ = [i for i, c in enumerate(capacity) if c > 0]
    left = float(budget)
    while open_ and left > 1e-9:
        total = sum(weights[i] for i in open_)
        part = {i: left * (weights[i] / total if total > 0 else capacity[i] / sum(capacity[j] for j in open_))
                for i in open_}  # fmt: skip
        full = [i for i in open_ if share[i] + part[i] >= capacity[i]]
        if not full:
            for i in open_:
                share[i] += part[i]
            break
        for i in full:
            left -= capacity[i] - share[i]
            share[i] = float(capacity[i])
        open_ = [i for i in open_ if i not in full]
    quota = [min(capacity[i], math.floor(share[i] + 1e-9)) for i in range(len(share))]
    order = sorted(range(len(share)), key=lambda i: (-(share[i] - quota[i]), i))
    for i in order:
        if sum(quota) >= budget:
            break
        if quota[i] < capacity[i]:
            quota[i] += 1
    return quota


class Budget:
    """Split each sequence's kept-token budget across regions, keep the top [CLS]-attended tokens of each.

    Args:
        allocate: 'attention' (GlobalCom²) or 'redundancy' (correlation-guided).
        by: the attention that weighs regions and ranks tokens: 'cls' or 'received'.
        grid: (rows, cols) of an image encoder's patch grid (None: text, contiguous segments).
        crops: (rows, cols) of crops the grid is cut into.
        segment: candidates per text segment.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.arange(5.0).view(1, 5, 1), torch.ones(1, 5), protected=torch.tensor([[1, 0, 0, 0, 0]]).bool())
        >>> cls = torch.tensor([[0.2, 0.35, 0.35, 0.05, 0.05]])  # segments (1, 2) and (3, 4): masses 0.7 and 0.1
        >>> Budget(segment=2)(s, Scores(cls=cls), ratio=0.5).hidden.flatten().tolist()  # K = 2, quotas [2, 0]
        [0.0, 1.0, 2.0]
    """

    name = "budget"

    def __init__(self, *, allocate: Literal["attention", "redundancy"] = "attention",
                 by: Literal["cls", "received"] = "cls", grid: tuple[int, int] | None = None,
                 crops: tuple[int, int] = CROPS, segment: int = SEGMENT) -> None:  # fmt: skip
        if allocate not in ALLOCATE:
            raise ModelError(f"budget allocates by one of: {', '.join(ALLOCATE)}; not {allocate!r}.")
        if by not in ("cls", "received"):
            raise ModelError(f"budget ranks tokens by 'cls' or 'received' attention, not {by!r}.")
        if segment < 1 or min(crops) < 1:
            raise ModelError(f"budget needs segment ≥ 1 and crops ≥ 1×1, not segment={segment}, crops={crops}.")
        if grid is not None and (crops[0] > grid[0] or crops[1] > grid[1]):
            raise ModelError(f"budget cannot cut a {grid[0]}×{grid[1]} grid into {crops[0]}×{crops[1]} crops; "
                             "use at most one crop per row and column.")  # fmt: skip
        self.allocate, self.by, self.grid, self.crops, self.segment = allocate, by, grid, crops, segment
        self.needs = frozenset({by, "keys"} if allocate == "redundancy" else {by})

    def removed(self, candidates: Any, ratio: float) -> Any:
        """round(ratio × candidates).

        Args:
            candidates: (B,) long candidate counts.
            ratio: share of the candidates to remove.

        Example:
            >>> import torch
            >>> Budget().removed(torch.tensor([10, 3]), 0.5).tolist()
            [5, 2]
        """
        return removal_count(candidates, ratio)

    def score(self, scores: Scores) -> Any:
        """(B, T) the attention this operator uses: `scores.cls` or `scores.received` (`by`).

        Args:
            scores: the layer's attention by-products.

        Example:
            >>> import torch
            >>> Budget(by="received").score(Scores(received=torch.ones(1, 2))).tolist()
            [[1.0, 1.0]]
        """
        return scores.cls if self.by == "cls" else scores.received

    def regions(self, state: TokenState) -> Any:
        """(B, T) long region of every candidate, -1 elsewhere.

        Args:
            state: the current state.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> Budget(segment=2).regions(start(torch.zeros(1, 6, 1), torch.tensor([[1, 1, 1, 1, 1, 0]]))).tolist()
            [[0, 0, 1, 1, 2, -1]]
        """
        import torch

        cand = candidates(state)
        if self.grid is None:
            rank = torch.cumsum(cand.to(torch.long), dim=1) - 1  # (B, T): index among the candidates
            count = cand.sum(dim=1, keepdim=True)
            k = (count + self.segment - 1) // self.segment
            region = rank * k // count.clamp(min=1)
        else:
            (rows, cols), (cr, cc) = self.grid, self.crops
            prefix = (state.mask & state.protected).sum(dim=1, keepdim=True)  # [CLS] (+ registers) first
            patch = state.position - prefix
            region = (patch // cols) * cr // rows * cc + (patch % cols) * cc // cols
        return torch.where(cand, region, -1)

    def weights(self, state: TokenState, scores: Scores, region: Any, count: int) -> Any:
        """(B, count) float64 weight of each region (the module docstring, step 2).

        Args:
            state: the current state.
            scores: `cls` or `received` (and `keys` for redundancy).
            region: (B, T) from `regions`.
            count: number of regions.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> s = start(torch.zeros(1, 4, 1), torch.ones(1, 4))
            >>> keys = torch.tensor([[[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])  # region 0 identical keys
            >>> Budget(allocate="redundancy").weights(s, Scores(keys=keys), torch.tensor([[0, 0, 1, 1]]), 2).tolist()
            [[0.0, 2.0]]
        """
        import torch

        inside = region >= 0
        slot = region.clamp(min=0)
        batch = region.shape[0]
        if self.allocate == "attention":
            mass = torch.where(inside, self.score(scores).to(torch.float64), 0.0)
            return torch.zeros(batch, count, dtype=torch.float64, device=region.device).scatter_add_(
                1, slot, mass)  # fmt: skip
        keys = torch.nn.functional.normalize(scores.keys.to(torch.float64), dim=-1)  # (B, T, d)
        same = (region.unsqueeze(2) == region.unsqueeze(1)) & inside.unsqueeze(2) & inside.unsqueeze(1)
        same &= ~torch.eye(region.shape[1], dtype=torch.bool, device=region.device)  # distinct pairs only
        sim = torch.where(same, keys @ keys.transpose(1, 2), 0.0).sum(dim=2)  # (B, T): summed over r's others
        zeros = torch.zeros(batch, count, dtype=torch.float64, device=region.device)
        sizes = zeros.scatter_add(1, slot, inside.to(torch.float64))  # (B, count): n_r
        total = zeros.scatter_add(1, slot, torch.where(inside, sim, 0.0))  # (B, count): summed pair similarities
        pairs = (sizes * (sizes - 1)).clamp(min=1)
        rho = (total / pairs).clamp(0.0, 1.0)
        return sizes * (1.0 - rho)

    def __call__(self, state: TokenState, scores: Scores, *, ratio: float) -> TokenState:
        """Keep each region's quota of its best candidates (by [CLS] attention); `state` itself when none go.

        Args:
            state: the current state.
            scores: `cls` or `received` (and `keys` for redundancy).
            ratio: share of the candidates to remove.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> s = start(torch.zeros(1, 3, 1), torch.ones(1, 3))
            >>> Budget()(s, Scores(cls=torch.ones(1, 3)), ratio=0.0) is s
            True
        """
        import torch

        cand = candidates(state)
        removed = self.removed(cand.sum(dim=1), ratio)
        if int(removed.max().item() if removed.numel() else 0) == 0:
            return state
        region = self.regions(state)
        count = int(region.max().item()) + 1
        weight = self.weights(state, scores, region, count)
        size = torch.zeros(region.shape[0], count, dtype=torch.long, device=region.device).scatter_add_(
            1, region.clamp(min=0), (region >= 0).to(torch.long))  # fmt: skip
        quotas = [split_budget(int(c - r), w, n) for c, r, w, n in
                  zip(cand.sum(dim=1).tolist(), removed.tolist(), weight.tolist(), size.tolist())]  # fmt: skip
        quota = torch.tensor(quotas, dtype=torch.long, device=region.device)  # (B, count)
        return keep_only(state, (state.mask & state.protected) | _top_per_region(region, self.score(scores), quota))


def _top_per_region(region: Any, score: Any, quota: Any) -> Any:
    """(B, T) bool: in each region, its `quota` highest-scored tokens (tokens of region -1 never)."""
    import torch

    count = quota.shape[1]
    slot = torch.where(region >= 0, region, count)  # outsiders sort last, quota 0
    ranked = torch.where(region >= 0, score.to(torch.float64), float("-inf"))
    by_score = torch.argsort(ranked, dim=1, descending=True, stable=True)
    by_region = torch.argsort(torch.gather(slot, 1, by_score), dim=1, stable=True)
    order = torch.gather(by_score, 1, by_region)  # grouped by region, best first within each
    sorted_slot = torch.gather(slot, 1, order)
    sizes = torch.zeros(slot.shape[0], count + 1, dtype=torch.long, device=slot.device)
    sizes = sizes.scatter_add_(1, slot, torch.ones_like(slot))  # (B, count + 1): tokens per region
    first = torch.cumsum(sizes, dim=1) - sizes  # (B, count + 1): where each region starts in `order`
    rank = torch.arange(slot.shape[1], device=slot.device) - torch.gather(first, 1, sorted_slot)
    limit = torch.cat([quota, torch.zeros_like(quota[:, :1])], dim=1)
    chosen = rank < torch.gather(limit, 1, sorted_slot)
    return torch.zeros_like(chosen).scatter_(1, order, chosen)
