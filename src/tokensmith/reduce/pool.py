"""Matryoshka pooling: nested average pooling of the tokens to a chosen count (1-D for text, 2-D for a grid).

Cai, Yang, Ren, Bhatt, Garcia, Tian, Lee, "Matryoshka Multimodal Models" (M3), 2024, section 3: the visual tokens
of a (rows × cols) grid are average-pooled to coarser nested grids (24×24 → 12×12 → 6×6 → 3×3 → 1), so one model
serves any token budget. Here the pooling is applied inside the encoder (`schedule.py` places it after the
attention of the first block), to a count chosen by the FLOPs target:
- `Pool1D`: the candidates of a sequence (c of them) are cut into k = c − removed contiguous bins of nearly equal
  length (bin of the j-th candidate: ⌊j·k/c⌋), each averaged into one token;
- `Pool2D`: an unreduced grid is pooled to a (k_r × k_c) grid, k_r = round(rows·√keep), k_c = round(cols·√keep),
  cell (i, j) going to bin (⌊i·k_r/rows⌋, ⌊j·k_c/cols⌋).
Averages are size-weighted (a merged token counts as many tokens as it holds), padding and protected tokens take no
part. The bins are nested whenever the counts divide each other, as in M3 (e.g. 16×16 → 8×8 → 4×4).
Not handled: M3's training of the model at every granularity (we pool a model trained without it).
"""

from __future__ import annotations

import math
from typing import Any

from tokensmith.errors import ModelError
from tokensmith.reduce.operators import Scores, removal_count
from tokensmith.reduce.state import DROP, TokenState, candidates, combine


def pool_bins(state: TokenState, bins: Any) -> TokenState:
    """Average every bin of candidates into its first token (size-weighted); tokens with bin -1 stay as they are.

    Args:
        state: the current state.
        bins: (B, T) long, the bin of each candidate, -1 elsewhere.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.tensor([[[1.0], [2.0], [6.0], [9.0]]]), torch.ones(1, 4))
        >>> out = pool_bins(s, torch.tensor([[-1, 0, 0, 1]]))
        >>> out.hidden.flatten().tolist(), out.size.tolist()
        ([1.0, 4.0, 9.0], [[1.0, 2.0, 1.0]])
    """
    import torch

    batch, length = bins.shape
    index = torch.arange(length, device=bins.device).expand(batch, length)
    binned = bins >= 0
    first = torch.full((batch, length + 1), length, dtype=torch.long, device=bins.device)
    slot = torch.where(binned, bins, length)  # bin -1 goes to a spare slot
    first = first.scatter_reduce(1, slot, index, reduce="amin")  # (B, T + 1): first token of each bin
    target = torch.where(binned, torch.gather(first, 1, slot), index)
    target = torch.where(state.mask, target, DROP)
    keep = state.mask & (~binned | (target == index))
    return combine(state, target=target, keep=keep)


class Pool1D:
    """Average-pool each sequence's candidates into `candidates − removed` contiguous bins.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.arange(5.0).view(1, 5, 1), torch.ones(1, 5), protected=torch.tensor([[1, 0, 0, 0, 0]]).bool())
        >>> Pool1D()(s, Scores(), ratio=0.5).hidden.flatten().tolist()  # 4 candidates → 2 bins: (1, 2), (3, 4)
        [0.0, 1.5, 3.5]
    """

    name = "pool"
    needs: frozenset[str] = frozenset()

    def removed(self, candidates: Any, ratio: float) -> Any:
        """round(ratio × candidates), leaving at least one bin when there are candidates.

        Args:
            candidates: (B,) long candidate counts.
            ratio: share of the candidates pooled away.

        Example:
            >>> import torch
            >>> Pool1D().removed(torch.tensor([10, 2]), 0.99).tolist()
            [9, 1]
        """
        return removal_count(candidates, ratio).minimum((candidates - 1).clamp(min=0))

    def __call__(self, state: TokenState, scores: Scores, *, ratio: float) -> TokenState:
        """Pool every sequence to its bin count.

        Args:
            state: the current state.
            scores: unused.
            ratio: share of the candidates pooled away.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> s = start(torch.zeros(1, 3, 1), torch.ones(1, 3))
            >>> Pool1D()(s, Scores(), ratio=0.0) is s
            True
        """
        import torch

        cand = candidates(state)
        count = cand.sum(dim=1)  # (B,)
        r = self.removed(count, ratio)
        if int(r.max().item() if r.numel() else 0) == 0:
            return state
        rank = torch.cumsum(cand.to(torch.long), dim=1) - 1  # (B, T)
        bins = torch.div(rank * (count - r).unsqueeze(1), count.clamp(min=1).unsqueeze(1), rounding_mode="floor")
        return pool_bins(state, torch.where(cand, bins, DROP))


class Pool2D:
    """Average-pool an unreduced (rows × cols) grid of candidates to a smaller grid.

    Args:
        grid: (rows, cols) of the patch grid (the candidates, row-major).

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.arange(4.0).view(1, 4, 1), torch.ones(1, 4))
        >>> Pool2D(grid=(2, 2))(s, Scores(), ratio=0.75).hidden.flatten().tolist()  # 2×2 → 1×1
        [1.5]
    """

    name = "pool"
    needs: frozenset[str] = frozenset()

    def __init__(self, *, grid: tuple[int, int]) -> None:
        self.grid = grid

    def target(self, ratio: float) -> tuple[int, int]:
        """The pooled grid for a ratio: each side scaled by √(1 − ratio), at least 1.

        Args:
            ratio: share of the grid's tokens pooled away.

        Example:
            >>> Pool2D(grid=(16, 16)).target(0.75)
            (8, 8)
        """
        side = math.sqrt(1.0 - ratio)
        rows, cols = self.grid
        return max(1, round(rows * side)), max(1, round(cols * side))

    def removed(self, candidates: Any, ratio: float) -> Any:
        """rows × cols − k_r × k_c for every sequence.

        Args:
            candidates: (B,) long candidate counts (each rows × cols).
            ratio: share of the grid's tokens pooled away.

        Example:
            >>> import torch
            >>> Pool2D(grid=(16, 16)).removed(torch.tensor([256]), 0.75).tolist()
            [192]
        """
        k_rows, k_cols = self.target(ratio)
        return candidates.new_full(candidates.shape, self.grid[0] * self.grid[1] - k_rows * k_cols)

    def __call__(self, state: TokenState, scores: Scores, *, ratio: float) -> TokenState:
        """Pool the grid of every image.

        Args:
            state: an unreduced grid state.
            scores: unused.
            ratio: share of the grid's tokens pooled away.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> Pool2D(grid=(2, 2))(start(torch.zeros(1, 3, 1), torch.ones(1, 3)), Scores(), ratio=0.5)
            Traceback (most recent call last):
            ...
            tokensmith.errors.ModelError: 2-D pooling needs the full 2×2 grid (4 candidate tokens) but a sequence has 3: pool an unreduced image encoder, before any other operator.
        """
        import torch

        rows, cols = self.grid
        cand = candidates(state)
        counts = cand.sum(dim=1)
        if bool((counts != rows * cols).any()):
            raise ModelError(
                f"2-D pooling needs the full {rows}×{cols} grid ({rows * cols} candidate tokens) but a sequence has "
                f"{int(counts[counts != rows * cols][0])}: pool an unreduced image encoder, before any other operator."
            )
        k_rows, k_cols = self.target(ratio)
        if (k_rows, k_cols) == (rows, cols):
            return state
        rank = torch.cumsum(cand.to(torch.long), dim=1) - 1
        bins = (rank // cols) * k_rows // rows * k_cols + (rank % cols) * k_cols // cols
        return pool_bins(state, torch.where(cand, bins, DROP))
