"""The reduced sequence state: what a batch of token sequences looks like between the blocks of an encoder.

Every operator (ToMe, pruning, pooling, truncation, ...) takes a `TokenState` and returns a shorter one, so later
blocks really run on fewer tokens. A state holds, for a batch of B sequences of (padded) length T:
- `hidden` (B, T, D): the hidden states;
- `size` (B, T): how many original tokens each token stands for (0 at padding), used for proportional attention
  (Bolya et al. 2023, "Token Merging: Your ViT But Faster", section 3, "Tracking token size") and size-weighted
  pooling;
- `mask` (B, T): True at real tokens, False at padding; padding never takes part in matching or pooling;
- `protected` (B, T): tokens no operator may remove or merge ([CLS] and [SEP] for BERT, [CLS] for ViTs);
- `position` (B, T): the original index of each token's representative (its own index for an untouched token, the
  destination's for a merged one), which grid-aware operators use to find a token's row and column;
- `origin` (B, T0): the source map, read the other way round: for each original token, the index of the current
  token that holds it, or -1 (padding or dropped).

`combine` is the one place where tokens are removed: every operator reduces to "send token j to target[j] (itself,
another token, or nowhere), keep the tokens marked keep", followed by compaction into shorter tensors. It does not
know about heads, attention or models.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

DROP = -1  # target of a token that is removed without being merged anywhere


@dataclass(frozen=True)
class TokenState:
    """A batch of token sequences between two blocks (all tensors on one device; see the module docstring)."""

    hidden: Any  # (B, T, D) float
    size: Any  # (B, T) float, 0 at padding
    mask: Any  # (B, T) bool, True at real tokens
    protected: Any  # (B, T) bool
    position: Any  # (B, T) long, original index of each token's representative
    origin: Any  # (B, T0) long, current index holding each original token, or -1

    @property
    def lengths(self) -> Any:
        """Real tokens per sequence, (B,) long.

        Example:
            >>> import torch
            >>> start(torch.zeros(2, 3, 4), torch.tensor([[1, 1, 1], [1, 1, 0]])).lengths.tolist()
            [3, 2]
        """
        return self.mask.sum(dim=1)

    def sources(self, batch: int, index: int) -> list[int]:
        """The original token indices that current token `index` of sequence `batch` holds.

        Args:
            batch: the sequence.
            index: the current token.

        Example:
            >>> import torch
            >>> state = start(torch.zeros(1, 3, 2), torch.ones(1, 3))
            >>> merged = combine(state, target=torch.tensor([[0, 2, 2]]), keep=torch.tensor([[True, False, True]]))
            >>> merged.sources(0, 1), merged.size.tolist()
            ([1, 2], [[1.0, 2.0]])
        """
        return (self.origin[batch] == index).nonzero().flatten().tolist()


def start(hidden: Any, attention_mask: Any, *, protected: Any = None) -> TokenState:
    """The unreduced state of a batch: every real token has size 1 and holds itself.

    Args:
        hidden: (B, T, D) hidden states after the embeddings.
        attention_mask: (B, T) 1 at real tokens, 0 at padding.
        protected: (B, T) bool, tokens that must survive (default: none).

    Example:
        >>> import torch
        >>> s = start(torch.zeros(1, 3, 2), torch.tensor([[1, 1, 0]]))
        >>> s.size.tolist(), s.origin.tolist()
        ([[1.0, 1.0, 0.0]], [[0, 1, -1]])
    """
    import torch

    mask = attention_mask.to(torch.bool)
    batch, length = mask.shape
    index = torch.arange(length, device=hidden.device).expand(batch, length)
    if protected is None:
        protected = torch.zeros_like(mask)
    return TokenState(
        hidden=hidden, size=mask.to(hidden.dtype), mask=mask, protected=protected & mask,
        position=index.clone(), origin=torch.where(mask, index, torch.full_like(index, DROP)),
    )  # fmt: skip


def combine(state: TokenState, *, target: Any, keep: Any, weight: Any = None) -> TokenState:
    """Send every token to `target` (size-weighted average there), keep the tokens in `keep`, compact.

    Args:
        state: the current state.
        target: (B, T) long, where each token's content goes: its own index (unchanged), another token's index
            (merged into it), or `DROP` (removed). Padding is ignored whatever its target.
        keep: (B, T) bool, the tokens left afterwards (must include every token some other token is sent to).
        weight: (B, T) averaging weight of each token (default: its size, the ToMe rule). Sizes always add up.

    Example:
        >>> import torch
        >>> state = start(torch.tensor([[[1.0], [3.0], [8.0]]]), torch.ones(1, 3))
        >>> out = combine(state, target=torch.tensor([[0, 0, 2]]), keep=torch.tensor([[True, False, True]]))
        >>> out.hidden.flatten().tolist(), out.size.tolist(), out.origin.tolist()
        ([2.0, 8.0], [[2.0, 1.0]], [[0, 0, 1]])
    """
    import torch

    mask = state.mask
    target = torch.where(mask & (target >= 0), target, torch.full_like(target, DROP))  # padding goes nowhere
    keep = keep & mask
    weight = state.size if weight is None else weight
    sent = target >= 0
    index = target.clamp(min=0)  # (B, T); dropped tokens add zero weight at index 0
    w = torch.where(sent, weight, torch.zeros_like(weight))
    total = torch.zeros_like(state.hidden).scatter_add_(
        1, index.unsqueeze(-1).expand_as(state.hidden), state.hidden * w.unsqueeze(-1))  # (B, T, D)
    norm = torch.zeros_like(w).scatter_add_(1, index, w)  # (B, T)
    size = torch.zeros_like(state.size).scatter_add_(1, index, torch.where(sent, state.size, 0.0))
    untouched = norm == 0  # kept tokens nobody (not even themselves, weight 0) was averaged into
    hidden = torch.where(untouched.unsqueeze(-1), state.hidden, total / norm.clamp(min=1e-30).unsqueeze(-1))
    return _compact(state, keep=keep, hidden=hidden, size=size, target=target)


def _compact(state: TokenState, *, keep: Any, hidden: Any, size: Any, target: Any) -> TokenState:
    """Move kept tokens to the front (order preserved), cut the tensors to the longest kept sequence."""
    import torch

    order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)  # kept first, in their original order
    length = int(keep.sum(dim=1).max().item()) if keep.numel() else 0
    order = order[:, :length]  # (B, T')
    new_index = torch.cumsum(keep.to(torch.long), dim=1) - 1  # (B, T): new position of each kept token
    where = torch.where(target >= 0, target, 0)
    moved = torch.gather(new_index, 1, where)  # new position of each token's target
    moved = torch.where((target >= 0) & torch.gather(keep, 1, where), moved, DROP)
    held = torch.where(state.origin >= 0, torch.gather(moved, 1, state.origin.clamp(min=0)), DROP)  # (B, T0)
    mask = torch.gather(keep, 1, order)
    return replace(
        state,
        hidden=torch.gather(hidden, 1, order.unsqueeze(-1).expand(-1, -1, hidden.shape[-1])),
        size=torch.where(mask, torch.gather(size, 1, order), 0.0), mask=mask,
        protected=torch.gather(state.protected, 1, order) & mask,
        position=torch.gather(state.position, 1, order), origin=held,
    )  # fmt: skip


def keep_only(state: TokenState, keep: Any) -> TokenState:
    """Drop every token outside `keep` (no merging), compact.

    Args:
        state: the current state.
        keep: (B, T) bool.

    Example:
        >>> import torch
        >>> s = keep_only(start(torch.arange(3.0).view(1, 3, 1), torch.ones(1, 3)), torch.tensor([[True, False, True]]))
        >>> s.hidden.flatten().tolist(), s.origin.tolist()
        ([0.0, 2.0], [[0, -1, 1]])
    """
    import torch

    index = torch.arange(state.mask.shape[1], device=state.mask.device).expand_as(state.mask)
    return combine(state, target=torch.where(keep, index, DROP), keep=keep)


def candidates(state: TokenState) -> Any:
    """(B, T) bool: the tokens an operator may remove (real and not protected).

    Args:
        state: the current state.

    Example:
        >>> import torch
        >>> s = start(torch.zeros(1, 3, 1), torch.tensor([[1, 1, 0]]), protected=torch.tensor([[True, False, False]]))
        >>> candidates(s).tolist()
        [[False, True, False]]
    """
    return state.mask & ~state.protected
