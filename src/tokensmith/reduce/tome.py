"""ToMe: token merging by bipartite soft matching.

Bolya, Fu, Dai, Zhang, Feichtenhofer, Hoffman, "Token Merging: Your ViT But Faster", ICLR 2023, section 3:
- "Bipartite Soft Matching": split the tokens into alternating sets A and B, draw from each A token an edge to its
  most similar B token (cosine similarity of the keys averaged over heads, "Token Similarity"), keep the r most
  similar edges, merge the tokens they join by a size-weighted average;
- "Tracking Token Size" / proportional attention: a merged token's size s is added as log s to the attention logits
  (done by the runner, `attention.py`), and the pooled output is size-weighted (`patch.py`).

Differences from the paper, on purpose:
- text lengths vary, so each layer removes a share (`ratio`) of the current candidates instead of a fixed r;
- protected tokens ([CLS], [SEP]) and padding are outside both sets (the paper protects [CLS] by an -inf score);
  A and B alternate over the candidates only, so a padded batch matches exactly like its sequences one by one.
Not handled: ToMe's "prop. attn" variant for MAE-style training, and merging across sequences.
"""

from __future__ import annotations

from typing import Any

from tokensmith.reduce.operators import Scores, removal_count
from tokensmith.reduce.state import TokenState, candidates, combine


class ToMe:
    """Bipartite soft matching on keys (see the module docstring).

    Example:
        >>> import torch
        >>> from tokensmith.reduce.operators import Scores
        >>> from tokensmith.reduce.state import start
        >>> state = start(torch.tensor([[[1.0], [2.0], [4.0], [6.0]]]), torch.ones(1, 4))
        >>> keys = torch.tensor([[[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0]]])
        >>> out = ToMe()(state, Scores(keys=keys), ratio=0.5)  # A = {0, 2}, B = {1, 3}: 0→1 and 2→3 merge
        >>> out.hidden.flatten().tolist(), out.size.tolist()
        ([1.5, 5.0], [[2.0, 2.0]])
    """

    name = "tome"
    needs = frozenset({"keys"})

    def removed(self, candidates: Any, ratio: float) -> Any:
        """round(ratio × candidates), at most the size of set A (and 0 when set B is empty).

        Args:
            candidates: (B,) long candidate counts.
            ratio: share of candidates to merge away.

        Example:
            >>> import torch
            >>> ToMe().removed(torch.tensor([10, 1, 5]), 0.9).tolist()  # A holds ceil(n/2)
            [5, 0, 3]
        """
        a_size = (candidates + 1) // 2
        r = removal_count(candidates, ratio)
        return r.minimum(a_size).where(candidates >= 2, 0)

    def __call__(self, state: TokenState, scores: Scores, *, ratio: float) -> TokenState:
        """Merge the `removed` most similar A→B pairs of each sequence.

        Args:
            state: the current state.
            scores: needs `keys` (B, T, d_head).
            ratio: share of the candidates to merge away.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> s = start(torch.ones(1, 3, 2), torch.ones(1, 3))
            >>> ToMe()(s, Scores(keys=torch.ones(1, 3, 2)), ratio=0.0) is s  # nothing to merge: the same state
            True
        """
        import torch

        cand = candidates(state)  # (B, T)
        r = self.removed(cand.sum(dim=1), ratio)  # (B,)
        if int(r.max().item() if r.numel() else 0) == 0:
            return state
        rank = torch.cumsum(cand.to(torch.long), dim=1) - 1
        in_a, in_b = cand & (rank % 2 == 0), cand & (rank % 2 == 1)
        keys = torch.nn.functional.normalize(scores.keys.to(torch.float32), dim=-1)  # (B, T, d)
        sim = keys @ keys.transpose(1, 2)  # (B, T, T) cosine similarity
        sim = sim.masked_fill(~(in_a.unsqueeze(2) & in_b.unsqueeze(1)), float("-inf"))
        best, dst = sim.max(dim=-1)  # (B, T): each A token's most similar B token
        order = torch.argsort(best, dim=1, descending=True, stable=True)
        edge_rank = torch.empty_like(order).scatter_(
            1, order, torch.arange(order.shape[1], device=order.device).expand_as(order))  # fmt: skip
        merged = in_a & (edge_rank < r.unsqueeze(1))  # (B, T): the r best edges of each sequence
        index = torch.arange(cand.shape[1], device=cand.device).expand_as(cand)
        return combine(state, target=torch.where(merged, dst, index), keep=state.mask & ~merged)
