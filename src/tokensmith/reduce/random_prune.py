"""Random pruning: the baseline every attention-guided or merging operator must beat at the same token count.

It removes `round(ratio × candidates)` uniformly random candidates per sequence (never [CLS]/[SEP], never
padding), with the same count rule as `AttentionPrune` (`operators.removal_count`), from a seeded generator so a
run is reproducible. Rao et al., "DynamicViT", NeurIPS 2021, table 4, and Bolya et al. 2023 (ToMe), table 1,
report it as the reference point of token reduction.
"""

from __future__ import annotations

from typing import Any

from tokensmith.reduce.operators import RankedDrop, Scores
from tokensmith.reduce.state import TokenState


class RandomPrune(RankedDrop):
    """Drop a random share of the candidates (seeded).

    Args:
        seed: seed of the generator (each call draws new numbers from it).

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.zeros(2, 6, 1), torch.ones(2, 6))
        >>> RandomPrune(seed=0)(s, Scores(), ratio=0.5).lengths.tolist()
        [3, 3]
    """

    name = "random"
    needs: frozenset[str] = frozenset()

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed
        self._generator: Any = None

    def rank(self, state: TokenState, scores: Scores) -> Any:
        """Uniform random numbers (B, T) from the seeded generator.

        Args:
            state: the current state.
            scores: unused.

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> RandomPrune(seed=1).rank(start(torch.zeros(1, 3, 1), torch.ones(1, 3)), Scores()).shape
            torch.Size([1, 3])
        """
        import torch

        if self._generator is None:
            self._generator = torch.Generator().manual_seed(self.seed)
        return torch.rand(state.mask.shape, generator=self._generator).to(state.hidden.device)
