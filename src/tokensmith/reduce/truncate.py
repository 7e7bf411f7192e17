"""Truncation: the simplest baseline, keep the first tokens of each sequence and cut the rest before layer 0.

It is what a tokenizer's `max_length` does, applied per sequence at a share of its length so it meets the same
FLOPs target as the other methods: `round(ratio × candidates)` of the last candidates go; protected tokens ([CLS],
and [SEP] at the end) stay, so the model still sees a well-formed input (only [SEP]'s position embedding is the
original one, not the one right after the cut). It is applied once, on the embeddings (`schedule.py`).
`Truncate(keep="last")` keeps the last candidates instead: a decoder's truncation (`decoder.py`), where the tokens
next to the query matter most (a sliding window over the context).
"""

from __future__ import annotations

from typing import Any, Literal

from tokensmith.errors import ModelError
from tokensmith.reduce.operators import RankedDrop, Scores
from tokensmith.reduce.state import TokenState


class Truncate(RankedDrop):
    """Keep the first candidates (or the last ones) and the protected tokens of each sequence.

    Args:
        keep: 'first' (an encoder's truncation) or 'last' (a decoder's: the most recent context).

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.arange(5.0).view(1, 5, 1), torch.ones(1, 5), protected=torch.tensor([[1, 0, 0, 0, 1]]).bool())
        >>> Truncate()(s, Scores(), ratio=0.34).hidden.flatten().tolist()  # 3 candidates, 1 goes: the last one
        [0.0, 1.0, 2.0, 4.0]
        >>> Truncate(keep="last")(s, Scores(), ratio=0.34).hidden.flatten().tolist()  # the earliest one goes
        [0.0, 2.0, 3.0, 4.0]
    """

    name = "truncate"
    needs: frozenset[str] = frozenset()

    def __init__(self, *, keep: Literal["first", "last"] = "first") -> None:
        if keep not in ("first", "last"):
            raise ModelError(f"truncate keeps the 'first' or the 'last' candidates, not {keep!r}.")
        self.keep = keep

    def rank(self, state: TokenState, scores: Scores) -> Any:
        """Earlier tokens rank higher (T − index), or later ones with keep='last' (index).

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
        index = torch.arange(length, device=state.mask.device, dtype=torch.float64)
        return (index if self.keep == "last" else length - index).expand(state.mask.shape)
