"""What every reduction operator is: a rule for how many tokens go, and a function from state to shorter state.

An operator is called between the attention and the MLP of a block (ToMe, section 3: "we apply ToMe between the
attention and MLP branches of each block"; EViT, section 3.2, places its token reorganisation at the same point),
or once on the embeddings (`truncate`). It states which attention by-products it needs, so the runner computes them
only then (`needs`):
- `"keys"`: the layer's keys averaged over heads (B, T, d_head) — free, they are computed anyway;
- `"cls"`: the [CLS] query's attention over the tokens (B, T), averaged over heads — one extra (1 × T) row;
- `"received"`: attention each token receives from all real queries (B, T) — needs the full (T × T) matrix, so that
  layer runs eager attention instead of SDPA;
- `"attention"`: that full matrix itself, averaged over heads (B, T, T) (AIM's PageRank graph), eager as well.

An operator whose rule changes with depth (AIM: merging in the first layers, pruning later) has `at(layer)`, which
returns the operator of that layer; the runner and the schedule ask `at_layer` for it.

The number of tokens removed is a pure function of the candidates' count and the ratio (`removed`), so the FLOPs
schedule (`schedule.py`) can predict the per-layer token counts of a whole data set from its lengths alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tokensmith.reduce.state import TokenState

NEEDS = ("keys", "cls", "received", "attention")


@dataclass(frozen=True)
class Scores:
    """Attention by-products of one layer, for the operators that need them (None when not computed)."""

    keys: Any = None  # (B, T, d_head): keys averaged over heads
    cls: Any = None  # (B, T): [CLS] attention probabilities, averaged over heads
    received: Any = None  # (B, T): attention received, summed over real queries, averaged over heads
    attention: Any = None  # (B, T, T): attention probabilities (query row, key column), averaged over heads


class Operator(Protocol):
    """A token-reduction operator (see the module docstring)."""

    name: str
    needs: frozenset[str]

    def removed(self, candidates: Any, ratio: float) -> Any:
        """Net tokens removed per sequence, (B,) long, given candidate counts (B,) long."""
        ...

    def __call__(self, state: TokenState, scores: Scores, *, ratio: float) -> TokenState:
        """The reduced state."""
        ...


def at_layer(operator: Any, layer: int) -> Any:
    """The operator that acts after layer `layer`'s attention: `operator.at(layer)` where it has one, else itself.

    Args:
        operator: a method's operator.
        layer: the layer index.

    Example:
        >>> from tokensmith.reduce.tome import ToMe
        >>> tome = ToMe()
        >>> at_layer(tome, 3) is tome
        True
    """
    at = getattr(operator, "at", None)
    return at(layer) if at is not None else operator


def removal_count(candidates: Any, ratio: float) -> Any:
    """round(ratio × candidates), half up, as a (B,) long tensor: the shared count rule of every operator.

    Args:
        candidates: (B,) long, tokens that may be removed per sequence.
        ratio: the share of them to remove, in [0, 1].

    Example:
        >>> import torch
        >>> removal_count(torch.tensor([10, 3, 0]), 0.25).tolist()
        [3, 1, 0]
    """
    import torch

    return torch.floor(candidates.to(torch.float64) * ratio + 0.5).to(torch.long).clamp(min=0)


def top_keep(state: TokenState, score: Any, removed: Any) -> Any:
    """(B, T) bool: protected tokens plus the highest-scored candidates, `removed` (B,) fewer per sequence.

    Args:
        state: the current state.
        score: (B, T) float, higher is more important.
        removed: (B,) long, candidates to remove per sequence.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.zeros(1, 4, 1), torch.ones(1, 4), protected=torch.tensor([[True, False, False, False]]))
        >>> top_keep(s, torch.tensor([[0.0, 0.5, 0.1, 0.9]]), torch.tensor([1])).tolist()
        [[True, True, False, True]]
    """
    import torch

    cand = state.mask & ~state.protected
    ranked = torch.where(cand, score.to(torch.float64), float("-inf"))
    order = torch.argsort(ranked, dim=1, descending=True, stable=True)  # best candidates first
    rank = torch.empty_like(order).scatter_(1, order, torch.arange(order.shape[1], device=order.device).expand_as(order))
    keep_n = cand.sum(dim=1) - removed  # (B,)
    return (state.mask & state.protected) | (cand & (rank < keep_n.unsqueeze(1)))


class RankedDrop:
    """Base of the operators that drop the lowest-ranked `round(ratio × candidates)` candidates, merging nothing.

    A subclass sets `name` and `needs` and defines `rank(state, scores)` → (B, T) float, higher kept first.
    """

    name = "ranked"
    needs: frozenset[str] = frozenset()

    def rank(self, state: TokenState, scores: Scores) -> Any:
        """(B, T) importance of each token; the subclass's rule.

        Args:
            state: the current state.
            scores: the layer's attention by-products.

        Example:
            >>> RankedDrop().rank(None, Scores())
            Traceback (most recent call last):
            ...
            NotImplementedError: RankedDrop.rank
        """
        raise NotImplementedError(f"{type(self).__name__}.rank")

    def removed(self, candidates: Any, ratio: float) -> Any:
        """round(ratio × candidates).

        Args:
            candidates: (B,) long candidate counts.
            ratio: share of the candidates to drop.

        Example:
            >>> import torch
            >>> RankedDrop().removed(torch.tensor([10]), 0.25).tolist()
            [3]
        """
        return removal_count(candidates, ratio)

    def __call__(self, state: TokenState, scores: Scores, *, ratio: float) -> TokenState:
        """Drop the `removed` lowest-ranked candidates of each sequence (the same state when none go).

        Args:
            state: the current state.
            scores: the layer's attention by-products.
            ratio: share of the candidates to drop.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> s = start(torch.zeros(1, 4, 1), torch.ones(1, 4))
            >>> RankedDrop()(s, Scores(), ratio=0.0) is s
            True
        """
        from tokensmith.reduce.state import candidates, keep_only

        r = self.removed(candidates(state).sum(dim=1), ratio)
        if int(r.max().item() if r.numel() else 0) == 0:
            return state
        return keep_only(state, top_keep(state, self.rank(state, scores), r))
