"""Truncation: the simplest baseline, keep the first tokens of each sequence and cut the rest before layer 0.

It is what a tokenizer's `max_length` does, applied per sequence at a share of its length so it meets the same
FLOPs target as the other methods: `round(ratio × candidates)` of the last candidates go; protected tokens ([CLS],
and [SEP] at the end) stay, so the model still sees a well-formed input (only [SEP]'s position embedding is the
original one, not the one right after the cut). It is applied once, on the embeddings (`schedule.py`).
"""

from __future__ import annotations

from typing import Any

from tokensmith.reduce.operators import RankedDrop, Scores
from tokensmith.reduce.state import TokenState


class Truncate(RankedDrop):
    """Keep the first candidates (and the protected tokens) of each sequence.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.arange(5.0).view(1, 5, 1), torch.ones(1, 5), protected=torch.tensor([[1, 0, 0, 0, 1]]).bool())
        >>> Truncate()(s, Scores(), ratio=0.34).hidden.flatten().tolist()  # 3 candidates, 1 goes: the last one
        [0.0, 1.0, 2.0, 4.0]
    """

    name = "truncate"
    needs: frozenset[str] = frozenset()

    def rank(self, state: TokenState, scores: Scores) -> Any:
        """Earlier tokens rank higher: T − index.

        Args:
            state: the current state.
            scores: unused.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> Truncate().rank(start(torch.zeros(1, 3, 1), torch.ones(1, 3)), Scores()).tolist()
            [[3.0, 2.0, 1.0]]
        """
        import torch

        length = state.mask.shape[1]
        earlier = length - torch.arange(length, device=state.mask.device, dtype=torch.float64)
        return earlier.expand(state.mask.shape)
