"""AIM: similarity merging in the first layers, then PageRank-importance pruning in the later ones.

Zhong, Liu, Li, Wang, "AIM: Adaptive Inference of Multi-Modal LLMs via Token Merging and Pruning", 2024
(ICCV 2025), section 3:
- iterative token merging: bipartite matching of adjacent tokens by cosine similarity, the most similar pairs
  averaged, repeated until the token count is reached (here: one ToMe round after each of the first
  `merge_layers` blocks, so the merging is iterated over those layers; `tome.py`);
- progressive token pruning: in the later layers the attention matrix is a weighted graph on the tokens, PageRank
  scores them (`pagerank.py`) and the lowest-ranked go; protected tokens ([CLS], [SEP]) always stay.

The placement is `every` with one parameter x (`schedule.py`): after each of the first `merge_layers` layers a
ToMe round merges the share x of the candidates (at most half, ToMe's cap), after each later layer the share x of
the lowest-PageRank candidates is pruned; `schedule.solve` picks x to meet the FLOPs cut.

Differences from the paper, on purpose: AIM merges before the LLM and prunes inside it, with a piecewise-linear
retention schedule (all tokens up to layer l₁, then linearly fewer); inside one encoder both phases run in its own
layers, with the same share x in every layer so one parameter meets the FLOPs target. AIM builds its graph from
the text tokens' attention to the visual tokens; an encoder has no text queries, so every real token votes.
Not handled: video (AIM merges within frames only), and keeping text tokens apart from visual ones.
"""

from __future__ import annotations

from typing import Any

from tokensmith.errors import ModelError
from tokensmith.reduce.operators import RankedDrop, Scores
from tokensmith.reduce.pagerank import DAMPING, pagerank
from tokensmith.reduce.state import TokenState
from tokensmith.reduce.tome import ToMe

MERGE_LAYERS = 2  # layers 0 and 1 merge, the rest prune (MiniLM: 2 + 4, DINOv2-S: 2 + 10)


class PageRankPrune(RankedDrop):
    """Drop the candidates with the lowest PageRank on the layer's attention graph (`pagerank.py`).

    Args:
        damping: PageRank's damping d.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import start
        >>> s = start(torch.arange(3.0).view(1, 3, 1), torch.ones(1, 3))
        >>> a = torch.tensor([[[0.0, 0.5, 0.5], [1.0, 0.0, 0.0], [0.9, 0.1, 0.0]]])  # 2 receives least
        >>> PageRankPrune()(s, Scores(attention=a), ratio=0.34).hidden.flatten().tolist()
        [0.0, 1.0]
    """

    name = "pagerank"
    needs = frozenset({"attention"})

    def __init__(self, *, damping: float = DAMPING) -> None:
        self.damping = damping

    def rank(self, state: TokenState, scores: Scores) -> Any:
        """(B, T) PageRank of each token on `scores.attention`.

        Args:
            state: the current state (its mask: padding takes no part).
            scores: needs `attention` (B, T, T).

        Example:
            >>> import torch
            >>> from tokensmith.reduce.state import start
            >>> s = start(torch.zeros(1, 2, 1), torch.ones(1, 2))
            >>> PageRankPrune().rank(s, Scores(attention=torch.full((1, 2, 2), 0.5))).tolist()
            [[0.5, 0.5]]
        """
        return pagerank(scores.attention, state.mask, damping=self.damping)


class AIM:
    """ToMe merging after the first `merge_layers` layers, PageRank pruning after the others (module docstring).

    Args:
        merge_layers: how many leading layers merge (the later ones prune).
        damping: PageRank's damping d.

    Example:
        >>> aim = AIM(merge_layers=2)
        >>> aim.at(0).name, aim.at(1).name, aim.at(2).name
        ('tome', 'tome', 'pagerank')
        >>> sorted(aim.needs)
        ['attention', 'keys']
    """

    name = "aim"

    def __init__(self, *, merge_layers: int = MERGE_LAYERS, damping: float = DAMPING) -> None:
        if merge_layers < 0:
            raise ModelError(f"aim: merge_layers is a layer count and must be 0 or more, not {merge_layers}.")
        if not 0.0 <= damping < 1.0:
            raise ModelError(f"aim: PageRank's damping must be in [0, 1), not {damping} (0.85 is usual).")
        self.merge_layers = merge_layers
        self.merge, self.prune = ToMe(), PageRankPrune(damping=damping)
        self.needs = self.merge.needs | self.prune.needs

    def at(self, layer: int) -> Any:
        """The operator after layer `layer`'s attention: ToMe in the first `merge_layers`, PageRank pruning after.

        Args:
            layer: the layer index.

        Example:
            >>> AIM(merge_layers=0).at(0).name
            'pagerank'
        """
        return self.merge if layer < self.merge_layers else self.prune
