"""A causal LM as the draft distribution q: a small model that shares the target's tokenizer, or the target itself
with layers skipped (`draft_self.py`).

Leviathan et al., 2023, "Fast Inference from Transformers via Speculative Decoding", section 2: the drafter is a
smaller model of the same vocabulary; here its softmax (at the sampling temperature) is the q that RSD and SpecInfer
draw children from and verify against (`rsd.py`). The drafter keeps its own KV cache of the committed text; the
draft tokens of each level are scored as one tree (tree attention, `trees.py`) on top of it and then cut off again,
so a level costs one forward pass over the partial tree.

Not handled: a drafter with another tokenizer (greedy chains aligned through bytes: `draft_crossvocab.py`); a
drafter whose embedding rows differ from the target's is padded with zeros or cut to the target's width.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tokensmith.decode.speculative import tree_forward
from tokensmith.decode.trees import DraftTree, gather_cache

__all__ = ["ModelQ"]


class ModelQ:
    """q(. | context) from a causal LM with a KV cache of the committed text.

    Args:
        model: a transformers causal LM (eval mode) whose ids are the target's.
        vocab_size: width of q (the target's logits).
        temperature: q = softmax(logits / temperature).

    Example:
        >>> drafter = ModelQ(tiny_causal_lm(), vocab_size=320)
        >>> drafter.begin(np.array([1, 2, 3]))
        >>> q = drafter.q(np.array([1, 2, 3]), np.array([[4], [5]]))
        >>> q.shape, bool(np.allclose(q.sum(axis=1), 1.0))
        ((2, 320), True)
    """

    def __init__(self, model: Any, *, vocab_size: int, temperature: float = 1.0) -> None:
        self.model, self.vocab_size, self.temperature = model, vocab_size, temperature
        self.forward_passes = 0
        self.begin(np.zeros(0, dtype=np.int64))

    def begin(self, ids: np.ndarray) -> None:
        """Empty the drafter's cache for a new prompt.

        Args:
            ids: the prompt's ids (fed on the next `q` call).

        Example:
            >>> ModelQ(tiny_causal_lm(), vocab_size=320).begin(np.array([1]))
        """
        from transformers import DynamicCache

        self._cache = DynamicCache(config=self.model.config)
        self._cached: list[int] = []

    def _sync(self, prefix: list[int]) -> None:
        """Make the cache hold exactly `prefix` (the committed text without its last token)."""
        keep = 0
        while keep < min(len(prefix), len(self._cached)) and prefix[keep] == self._cached[keep]:
            keep += 1
        if keep < len(self._cached):
            gather_cache(self._cache, prefix_len=keep, keep=[])  # cut to the first `keep` positions
            self._cached = self._cached[:keep]
        if keep < len(prefix):
            chain = DraftTree.chain(prefix[keep], prefix[keep + 1 :])
            tree_forward(self.model, self._cache, chain, prefix_len=keep)
            self.forward_passes += 1
            self._cached = list(prefix)

    def q(self, ids: np.ndarray, paths: np.ndarray) -> np.ndarray:
        """Draft distributions float64 [m, V] after ids + each path (one forward pass over the paths' trie).

        Args:
            ids: the committed context; its last token is the root of the paths.
            paths: int64 [m, d], draft tokens after the context.

        Example:
            >>> drafter = ModelQ(tiny_causal_lm(), vocab_size=320)
            >>> drafter.q(np.array([7, 8]), np.zeros((1, 0), dtype=np.int64)).shape
            (1, 320)
        """
        import torch

        context = [int(t) for t in ids]
        self._sync(context[:-1])
        tokens, parents, ends = _trie(context[-1], paths)
        tree = DraftTree.from_lists(tokens, parents)
        logits = tree_forward(self.model, self._cache, tree, prefix_len=len(context) - 1)
        self.forward_passes += 1
        gather_cache(self._cache, prefix_len=len(context) - 1, keep=[])  # the draft nodes leave the cache again
        rows = logits[ends].double() / self.temperature  # [m, V_draft]
        q = torch.softmax(rows, dim=-1).numpy()
        if q.shape[1] != self.vocab_size:  # padded embeddings differ: cut or pad (the pad gets probability 0)
            q = np.pad(q[:, : self.vocab_size], ((0, 0), (0, max(0, self.vocab_size - q.shape[1]))))
            q /= q.sum(axis=1, keepdims=True)
        return q

    def observe(self, tree: Any, logits: Any, accepted: np.ndarray) -> None:
        """No update here: `q` re-syncs the drafter's cache with the committed text on its next call.

        Args:
            tree: the tree the target verified (unused).
            logits: the target's logits there (unused).
            accepted: its accepted node indices (unused).

        Example:
            >>> print(ModelQ(tiny_causal_lm(), vocab_size=320).observe(None, None, np.array([0, 1])))
            None
        """


def _trie(root: int, paths: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """The paths as one tree under `root`: (tokens, parents, node index where each path ends)."""
    tokens, parents, ends = [root], [-1], []
    index: dict[tuple[int, ...], int] = {(): 0}
    for path in paths:
        key: tuple[int, ...] = ()
        for tok in path:
            child = (*key, int(tok))
            if child not in index:
                index[child] = len(tokens)
                tokens.append(int(tok))
                parents.append(index[key])
            key = child
        ends.append(index[key])
    return tokens, parents, ends
