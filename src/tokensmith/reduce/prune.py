"""Attention-guided pruning: EViT-style top-k by attention, optional fusion, and FoPru's row strategy for grids.

- Liang, Ge, Tong, Song, Wang, Xie, "Not All Patches are What You Need: Expediting Vision Transformers via Token
  Reorganizations" (EViT), ICLR 2022, section 3.2: keep the tokens the [CLS] token attends to most (attention
  averaged over heads), and fuse the inattentive ones into one token, their average weighted by that attention.
  `by="received"` ranks by the attention a token receives from all real queries instead (the column sums), for
  models without a [CLS] token or where [CLS] attention is uninformative.
- Jiang, Huang, Liu, Zeng, Li, Cheng, Xu, "FoPru: Focal Pruning for Efficient Large Vision-Language Models", 2024,
  section 3 (token significance from the encoder's attention; the "row" strategy keeps continuous image regions).
  `FoPruRows` ranks the rows of an image grid by their tokens' mean significance and keeps whole rows, in their
  original order; it needs the full grid (apply it before any other reduction).

Not handled: EViT's keep-rate warm-up during training, and FoPru's rank strategy (it is `AttentionPrune`).
"""

from __future__ import annotations

from typing import Any, Literal

from tokensmith.errors import ModelError
from tokensmith.reduce.operators import Scores, removal_count, top_keep
from tokensmith.reduce.state import DROP, TokenState, candidates, combine, keep_only


class AttentionPrune:
    """Keep the candidates with the highest [CLS] attention (or attention received); optionally fuse the rest.

    Args:
        by: 'cls' ([CLS] attention, EViT) or 'received' (attention received).
        fuse: fuse the pruned tokens of each sequence into one token (EViT's "inattentive token fusion").

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.tensor([[[0.0], [1.0], [2.0], [3.0]]]), torch.ones(1, 4))
        >>> cls = torch.tensor([[0.4, 0.1, 0.3, 0.2]])
        >>> AttentionPrune()(s, Scores(cls=cls), ratio=0.5).hidden.flatten().tolist()  # keeps 0 and 2
        [0.0, 2.0]
        >>> fused = AttentionPrune(fuse=True)(s, Scores(cls=cls), ratio=0.5)  # 1 and 3 fused: (0.1·1 + 0.2·3) / 0.3
        >>> [round(v, 4) for v in fused.hidden.flatten().tolist()], fused.size.tolist()
        ([0.0, 2.3333, 2.0], [[1.0, 2.0, 1.0]])
    """

    def __init__(self, *, by: Literal["cls", "received"] = "cls", fuse: bool = False) -> None:
        if by not in ("cls", "received"):
            raise ModelError(f"prune ranks tokens by 'cls' or 'received' attention, not {by!r}.")
        self.by, self.fuse = by, fuse
        self.name = "prune"
        self.needs = frozenset({by})

    def removed(self, candidates: Any, ratio: float) -> Any:
        """round(ratio × candidates); with fusion one fused token comes back when two or more go.

        Args:
            candidates: (B,) long candidate counts.
            ratio: share of the candidates to prune.

        Example:
            >>> import torch
            >>> AttentionPrune(fuse=True).removed(torch.tensor([10, 4]), 0.25).tolist()  # 3 - 1 fused, 1 - 0
            [2, 1]
        """
        r = removal_count(candidates, ratio)
        return r - (r >= 2).to(r.dtype) if self.fuse else r

    def __call__(self, state: TokenState, scores: Scores, *, ratio: float) -> TokenState:
        """Prune (and fuse) `round(ratio × candidates)` tokens per sequence.

        Args:
            state: the current state.
            scores: needs `cls` or `received` (B, T).
            ratio: share of the candidates to prune.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> s = start(torch.ones(1, 3, 2), torch.ones(1, 3))
            >>> AttentionPrune()(s, Scores(cls=torch.ones(1, 3)), ratio=0.0) is s
            True
        """
        import torch

        r = removal_count(candidates(state).sum(dim=1), ratio)
        if int(r.max().item() if r.numel() else 0) == 0:
            return state
        score = scores.cls if self.by == "cls" else scores.received  # (B, T)
        keep = top_keep(state, score, r)
        if not self.fuse:
            return keep_only(state, keep)
        return _fuse(state, keep=keep, weight=score, fuse_rows=r >= 2)


def _fuse(state: TokenState, *, keep: Any, weight: Any, fuse_rows: Any) -> TokenState:
    """Send the pruned tokens of each sequence (where `fuse_rows`) to the first of them, averaged by `weight`."""
    import torch

    pruned = state.mask & ~keep & fuse_rows.unsqueeze(1)  # (B, T)
    length = state.mask.shape[1]
    index = torch.arange(length, device=keep.device).expand_as(keep)
    first = torch.where(pruned, index, length).min(dim=1).values.clamp(max=length - 1)  # (B,)
    target = torch.where(keep, index, DROP)
    target = torch.where(pruned, first.unsqueeze(1), target)
    keep = keep | (pruned & (index == first.unsqueeze(1)))
    return combine(state, target=target, keep=keep, weight=weight.to(state.size.dtype) * state.size)


class FoPruRows:
    """FoPru's row strategy on an image grid: keep the grid rows with the highest mean significance, whole.

    Args:
        grid: (rows, cols) of the patch grid; the candidates must be exactly that grid, row-major, in order.
        by: 'cls' or 'received' attention as the token significance.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.arange(5.0).view(1, 5, 1), torch.ones(1, 5), protected=torch.tensor([[1, 0, 0, 0, 0]]).bool())
        >>> cls = torch.tensor([[0.0, 0.1, 0.1, 0.5, 0.3]])  # [CLS] + a 2×2 grid: row 1 (tokens 3, 4) wins
        >>> FoPruRows(grid=(2, 2))(s, Scores(cls=cls), ratio=0.5).hidden.flatten().tolist()
        [0.0, 3.0, 4.0]
    """

    def __init__(self, *, grid: tuple[int, int], by: Literal["cls", "received"] = "cls") -> None:
        self.grid, self.by = grid, by
        self.name = "fopru"
        self.needs = frozenset({by})

    def removed(self, candidates: Any, ratio: float) -> Any:
        """Whole rows: cols × round(ratio × rows).

        Args:
            candidates: (B,) long candidate counts (each must equal rows × cols).
            ratio: share of the rows to remove.

        Example:
            >>> import torch
            >>> FoPruRows(grid=(16, 16)).removed(torch.tensor([256]), 0.4).tolist()
            [96]
        """
        rows, cols = self.grid
        return removal_count(candidates.new_full(candidates.shape, rows), ratio) * cols

    def __call__(self, state: TokenState, scores: Scores, *, ratio: float) -> TokenState:
        """Keep the top rows of each image.

        Args:
            state: an unreduced grid state ([protected prefix] + rows × cols candidates).
            scores: needs `cls` or `received`.
            ratio: share of the rows to remove.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> FoPruRows(grid=(2, 2))(start(torch.ones(1, 3, 1), torch.ones(1, 3)), Scores(), ratio=0.5)
            Traceback (most recent call last):
            ...
            tokensmith.errors.ModelError: fopru needs the full 2×2 grid of patches (4 tokens) but a sequence has 3 candidate tokens: apply it to an unreduced image encoder (dinov2), before any other operator.
        """
        import torch

        rows, cols = self.grid
        cand = candidates(state)
        counts = cand.sum(dim=1)
        if bool((counts != rows * cols).any()):
            raise ModelError(
                f"fopru needs the full {rows}×{cols} grid of patches ({rows * cols} tokens) but a sequence has "
                f"{int(counts[counts != rows * cols][0])} candidate tokens: apply it to an unreduced image encoder "
                "(dinov2), before any other operator."
            )
        drop_rows = int(removal_count(torch.tensor([rows]), ratio)[0])
        if drop_rows == 0:
            return state
        score = scores.cls if self.by == "cls" else scores.received
        grid_score = score[cand].view(-1, rows, cols).mean(dim=2)  # (B, rows)
        kept_rows = torch.topk(grid_score, rows - drop_rows, dim=1).indices  # (B, rows - drop)
        row_keep = torch.zeros_like(grid_score, dtype=torch.bool).scatter_(1, kept_rows, True)
        keep = state.mask & state.protected
        keep[cand] = row_keep.repeat_interleave(cols, dim=1).flatten()
        return keep_only(state, keep)
