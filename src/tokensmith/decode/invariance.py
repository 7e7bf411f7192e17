"""Batch invariance: a node's logits must not depend on what else is in the forward pass.

Greedy speculative decoding (Leviathan et al., 2023, section 2, with the tree attention of SpecInfer, Miao et al.,
2024, section 4.2) gives the greedy output only if a token scored inside a draft tree gets the logits it gets
alone. Kernels that pick another reduction order for a bigger pass break this; float rounding is allowed as long
as the argmax stays. The rule (pinned in issue 14): the same argmax at every position (ties go to the lowest id)
and logits within `INVARIANCE_RTOL` relative, measured as max |alone - in tree| / max |alone| per row. A backend
that fails it is not used to draft greedily (`speculative_generate` refuses). `probe_tree` is the 16-node tree
every backend is checked on (the backend tests; `LlamaCppScorer` at construction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tokensmith.decode.trees import DraftTree

INVARIANCE_RTOL = 1e-3


@dataclass(frozen=True)
class Invariance:
    """The batch-invariance probe: a token scored alone vs inside a 16-node tree (same context)."""

    same_argmax: bool
    max_rel_diff: float  # max |alone - in tree| / max |alone|

    @property
    def ok(self) -> bool:
        """Same argmax and logits within `INVARIANCE_RTOL`."""
        return self.same_argmax and self.max_rel_diff <= INVARIANCE_RTOL


def compare_logits(alone: np.ndarray, in_tree: np.ndarray) -> Invariance:
    """Compare logits of the same nodes scored two ways (rows: nodes).

    Args:
        alone: float [m, V] logits, each row scored alone.
        in_tree: float [m, V] the same nodes' logits from a bigger pass.

    Example:
        >>> a = np.array([[1.0, 3.0, 2.0]])
        >>> compare_logits(a, a + 1e-4)
        Invariance(same_argmax=True, max_rel_diff=3.3...e-05)
    """
    alone, in_tree = np.atleast_2d(alone), np.atleast_2d(in_tree)
    same = bool((alone.argmax(-1) == in_tree.argmax(-1)).all())  # argmax: ties go to the lowest id
    scale = np.abs(alone).max(axis=-1)
    rel = float((np.abs(alone - in_tree).max(axis=-1) / np.maximum(scale, 1e-30)).max())
    return Invariance(same_argmax=same, max_rel_diff=rel)


def probe_tree(root: int) -> DraftTree:
    """The 16-node tree (root included) the invariance probe scores: 3 branches from the root, 6 leaves, depths 1 to 6.

    Args:
        root: the root token.

    Example:
        >>> t = probe_tree(5)
        >>> t.size, int(t.depth.max()), len([c for c in t.children() if not c])  # nodes, depth, leaves
        (16, 6, 6)
    """
    tokens = [root, 11, 12, 13, 14, 15, 16, 21, 22, 23, 24, 31, 32, 33, 34, 35]
    parents = [-1, 0, 1, 2, 3, 4, 5, 0, 7, 8, 8, 0, 11, 11, 13, 13]
    return DraftTree.from_lists(tokens, parents)


def alone_and_in_tree(scorer: Any, prompt: np.ndarray, tree: DraftTree) -> tuple[np.ndarray, np.ndarray]:
    """Every node's logits scored alone and inside `tree` (root: `prompt[-1]`), through the `Scorer` methods.

    Alone: the nodes in depth-first order, each a one-token pass after its ancestors' own one-token passes
    (`rollback` cuts the cache back to the node's parent). In the tree: one pass after `prompt[:-1]`.

    Args:
        scorer: a `Scorer` with `rollback` (TorchScorer, LlamaCppScorer).
        prompt: int64 [T] ids; the last one is the tree's root.
        tree: the tree to score (its root token is replaced by `prompt[-1]`).

    Returns:
        (alone, in_tree), float [tree.size, V] each.

    Example:
        >>> from tokensmith.decode.backend_torch import TorchScorer
        >>> alone, in_tree = alone_and_in_tree(TorchScorer(tiny_causal_lm()), np.array([3, 4, 5]), probe_tree(5))
        >>> compare_logits(alone, in_tree).ok
        True
    """
    tree = DraftTree(np.concatenate([[int(prompt[-1])], tree.tokens[1:]]), tree.parents)
    base = len(prompt) - 1
    scorer.prefill(np.asarray(prompt[:-1], dtype=np.int64))
    in_tree = np.asarray(scorer.score(tree, prefix_len=base), dtype=np.float32)
    scorer.rollback(base)
    alone, depth, children, todo = np.empty_like(in_tree), tree.depth, tree.children(), [0]
    while todo:
        node = todo.pop()
        scorer.rollback(base + int(depth[node]))
        one = DraftTree.chain(int(tree.tokens[node]), [])
        alone[node] = np.asarray(scorer.score(one, prefix_len=base + int(depth[node])), dtype=np.float32)[0]
        scorer.keep(prefix_len=base + int(depth[node]), path=np.array([0]))
        todo.extend(reversed(children[node]))
    return alone, in_tree
