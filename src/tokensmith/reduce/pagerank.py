"""PageRank of tokens on a layer's attention matrix, by power iteration in torch: AIM's importance score.

Zhong, Liu, Chen, Hu, Jia, "AIM: Adaptive Inference of Multi-Modal LLMs via Token Merging and Pruning", 2024,
section 3.3 (token pruning): the attention matrix of a layer is a weighted directed graph on the tokens and
PageRank ranks them; the lowest-ranked go. Page, Brin, Motwani, Winograd, "The PageRank Citation Ranking", 1999,
gives the iteration used here.

With A the (T × T) attention averaged over heads (row j: how query j spreads its attention over the keys, each row
summing to 1 over the real keys), a token is important when important tokens attend to it:

    s = (1 − d) · v + d · Aᵀ s,     v = 1/n at each of the n real tokens, 0 at padding,

with damping d in [0, 1) (0.85, the usual value; at d = 1 a periodic chain would oscillate forever). Every real
row of A is a probability vector, so A is the transition matrix of a Markov chain and s stays a probability
vector; power iteration from v converges geometrically at rate d (200 steps reach 1e-14 at d = 0.85).
Padding takes no part: its rows and columns are zeroed before the iteration and its score is 0.
Not handled: AIM's restriction of the graph to the text-to-image attention of an LLM (an encoder has no text
queries; every real token votes here).
"""

from __future__ import annotations

from typing import Any

DAMPING = 0.85


def pagerank(attention: Any, mask: Any, *, damping: float = DAMPING, iterations: int = 200,
             tolerance: float = 1e-10) -> Any:  # fmt: skip
    """(B, T) float64 PageRank scores of each sequence's real tokens (they sum to 1; 0 at padding).

    Args:
        attention: (B, T, T) attention probabilities, query rows, key columns.
        mask: (B, T) bool, the real tokens.
        damping: d, the share of the score that follows the attention edges.
        iterations: most power-iteration steps.
        tolerance: stop when no score moves by more than this.

    Example:
        >>> import torch
        >>> a = torch.tensor([[[0.0, 0.5, 0.5], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]])  # 1 and 2 attend only to 0
        >>> [round(x, 4) for x in pagerank(a, torch.ones(1, 3, dtype=torch.bool))[0].tolist()]  # s0 = 0.135/0.2775
        [0.4865, 0.2568, 0.2568]
    """
    import torch

    real = mask.to(torch.float64)  # (B, T)
    graph = attention.to(torch.float64) * real.unsqueeze(2) * real.unsqueeze(1)  # padding rows and columns out
    graph = graph / graph.sum(dim=2, keepdim=True).clamp(min=1e-30)  # rows renormalised over the real keys
    teleport = real / real.sum(dim=1, keepdim=True).clamp(min=1.0)  # (B, T)
    score = teleport
    for _ in range(iterations):
        step = (1.0 - damping) * teleport + damping * torch.einsum("bjt,bj->bt", graph, score)
        done = bool((step - score).abs().max() <= tolerance) if step.numel() else True
        score = step
        if done:
            break
    return score
