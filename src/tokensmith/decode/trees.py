"""Draft trees for speculative decoding: the tree, its attention mask and position ids, and the KV-cache gather.

Tree attention follows SpecInfer (Miao et al., 2024, "SpecInfer: Accelerating Generative LLM Serving with Tree-based
Speculative Inference", section 4.2) as used by Token Recycling (Luo et al., 2024, section 3.3): all draft nodes go
through the model in one forward pass; each node attends to the committed prefix and to its own ancestors only, and
its position id is the prefix length plus its depth, so every root-to-node path is scored exactly as if it had been
decoded alone.

A `DraftTree` holds the root (the last committed token, not yet in the KV cache) at index 0 and draft nodes after it
in topological order (every parent index is smaller than its child's). A chain is the tree whose parents are
[-1, 0, 1, 2, ...]. Drafters (prompt lookup, Token Recycling, later DySpec and RSD) only build trees; verification and
the cache live in `speculative.py`.

Not handled: batch size > 1, sliding-window or linear-attention caches, quantized or static caches (they raise
`ModelError`: their layers cannot be gathered along the sequence axis).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tokensmith.errors import ModelError


@dataclass(frozen=True)
class DraftTree:
    """A token tree rooted at the last committed token.

    Attributes:
        tokens: int64 [n + 1]; tokens[0] is the root (the last committed token).
        parents: int64 [n + 1]; parents[0] == -1 and 0 <= parents[i] < i for i >= 1.

    Example:
        >>> t = DraftTree.from_lists([5, 7, 8, 9], [-1, 0, 0, 1])
        >>> t.depth.tolist(), t.num_draft
        ([0, 1, 1, 2], 3)
    """

    tokens: np.ndarray
    parents: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.tokens)
        assert n >= 1 and len(self.parents) == n, "a tree needs a root and one parent per node"
        assert self.parents[0] == -1, "node 0 is the root"
        assert np.all(self.parents[1:] < np.arange(1, n)), "parents must come before their children"
        assert np.all(self.parents[1:] >= 0), "only the root has no parent"

    @classmethod
    def from_lists(cls, tokens: Sequence[int], parents: Sequence[int]) -> DraftTree:
        """Build a tree from plain lists (root first).

        Args:
            tokens: token ids, the root first.
            parents: each node's parent index (-1 for the root; parents come before their children).

        Example:
            >>> DraftTree.from_lists([5, 7], [-1, 0]).num_draft
            1
        """
        return cls(np.asarray(tokens, dtype=np.int64), np.asarray(parents, dtype=np.int64))

    @classmethod
    def chain(cls, root: int, drafts: Sequence[int]) -> DraftTree:
        """A chain: root -> drafts[0] -> drafts[1] -> ...

        Args:
            root: the last committed token.
            drafts: the drafted tokens, in order.

        Example:
            >>> DraftTree.chain(3, [4, 5]).parents.tolist()
            [-1, 0, 1]
        """
        tokens = np.asarray([root, *drafts], dtype=np.int64)
        return cls(tokens, np.arange(-1, len(tokens) - 1, dtype=np.int64))

    @property
    def size(self) -> int:
        """Nodes including the root."""
        return len(self.tokens)

    @property
    def num_draft(self) -> int:
        """Draft nodes (the root excluded)."""
        return len(self.tokens) - 1

    @property
    def depth(self) -> np.ndarray:
        """int64 [n + 1]: 0 for the root, parent's depth + 1 otherwise."""
        depth = np.zeros(self.size, dtype=np.int64)
        for i in range(1, self.size):  # parents[i] < i, so one forward sweep suffices
            depth[i] = depth[self.parents[i]] + 1
        return depth

    def children(self) -> list[list[int]]:
        """children()[i] = indices of the nodes whose parent is i, in index order.

        Example:
            >>> DraftTree.from_lists([5, 7, 8, 9], [-1, 0, 0, 1]).children()
            [[1, 2], [3], [], []]
        """
        out: list[list[int]] = [[] for _ in range(self.size)]
        for i in range(1, self.size):
            out[int(self.parents[i])].append(i)
        return out

    def ancestors(self) -> np.ndarray:
        """bool [n + 1, n + 1]: A[i, j] is True when j is i or an ancestor of i.

        Example:
            >>> DraftTree.from_lists([5, 7, 8], [-1, 0, 1]).ancestors().astype(int).tolist()
            [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
        """
        anc = np.eye(self.size, dtype=bool)
        for i in range(1, self.size):
            anc[i] |= anc[self.parents[i]]
        return anc

    def path_to(self, node: int) -> list[int]:
        """Node indices from the root to `node`, both included.

        Args:
            node: a node index of this tree.

        Example:
            >>> DraftTree.from_lists([5, 7, 8, 9], [-1, 0, 0, 2]).path_to(3)
            [0, 2, 3]
        """
        path = [node]
        while path[-1] != 0:
            path.append(int(self.parents[path[-1]]))
        return path[::-1]


def tree_position_ids(tree: DraftTree, *, prefix_len: int) -> np.ndarray:
    """Position ids [n + 1] of the tree's nodes: prefix length + depth.

    Args:
        tree: the draft tree (root first).
        prefix_len: tokens already in the KV cache (the root is not among them).

    Example:
        >>> tree_position_ids(DraftTree.from_lists([1, 2, 3], [-1, 0, 0]), prefix_len=10).tolist()
        [10, 11, 11]
    """
    return prefix_len + tree.depth


def tree_attention_mask(tree: DraftTree, *, prefix_len: int, dtype: Any = None) -> Any:
    """The additive 4D mask [1, 1, n + 1, prefix_len + n + 1]: 0 where a node may look, dtype-min elsewhere.

    Each node sees every prefix position, itself and its ancestors. An additive float mask works with both the
    eager and the SDPA attention of transformers (a 4D mask is passed through unchanged).

    Args:
        tree: the draft tree (root first).
        prefix_len: tokens already in the KV cache.
        dtype: torch dtype of the mask (the model's); float32 by default.

    Example:
        >>> m = tree_attention_mask(DraftTree.from_lists([1, 2, 3], [-1, 0, 0]), prefix_len=1)
        >>> (m[0, 0] == 0).int().tolist()
        [[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 0, 1]]
    """
    import torch

    dtype = dtype or torch.float32
    visible = np.concatenate([np.ones((tree.size, prefix_len), dtype=bool), tree.ancestors()], axis=1)
    mask = torch.zeros(visible.shape, dtype=dtype)
    mask.masked_fill_(torch.from_numpy(~visible), torch.finfo(dtype).min)
    return mask[None, None]


def new_cache(model: Any, *, length: int) -> Any:
    """A DynamicCache for `model` that `gather_cache` can cut, for a generation of at most `length` positions.

    A model with sliding-window layers (Gemma-3: 512 positions; Mistral) gets plain full-attention layers when every
    position stays inside the window: there sliding-window attention is full attention, so nothing changes but the
    cache type. A longer generation gets the model's own cache (which `check_cache_gatherable` refuses).

    Args:
        model: a transformers causal LM.
        length: prompt + new tokens + draft nodes per step, the most positions the cache will hold.

    Example:
        >>> type(new_cache(tiny_causal_lm(), length=64)).__name__
        'DynamicCache'
    """
    from transformers import DynamicCache

    window = getattr(model.config, "sliding_window", None)
    if window and length <= int(window):
        return DynamicCache()  # layers created on first use: all DynamicLayer
    return DynamicCache(config=model.config)


def check_cache_gatherable(cache: Any) -> None:
    """Raise ModelError unless every cache layer holds plain [batch, heads, seq, dim] key/value tensors.

    Args:
        cache: the model's past key values (a transformers cache object).

    Example:
        >>> from transformers import DynamicCache
        >>> check_cache_gatherable(DynamicCache())  # a standard cache: nothing raised
        >>> check_cache_gatherable(object())
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: the model's KV cache (object) has no per-layer key/value tensors, ...
    """
    layers = getattr(cache, "layers", None)
    if layers is None:
        raise ModelError(
            f"the model's KV cache ({type(cache).__name__}) has no per-layer key/value tensors, so speculative "
            "decoding cannot keep only the accepted path. Use a model with a standard DynamicCache "
            "(Llama, Mistral, Qwen2, SmolLM, GPT-NeoX...) or run without --speculate."
        )
    from transformers.cache_utils import DynamicLayer

    for layer in layers:
        # Exactly DynamicLayer: its subclasses (sliding window, quantized, indexed) keep extra state per position.
        if type(layer) is not DynamicLayer:
            raise ModelError(
                f"the model's KV cache has a {type(layer).__name__} layer (sliding-window, static, linear-attention "
                "or quantized), which cannot be cut to the accepted draft path. Use a model with full attention "
                "and a DynamicCache, keep a sliding-window model's prompt + --max-new-tokens + draft budget inside "
                "its window, or run without --speculate."
            )


def gather_cache(cache: Any, *, prefix_len: int, keep: Sequence[int] | np.ndarray) -> None:
    """Keep the first `prefix_len` cached positions plus positions prefix_len + keep[j], in place.

    After a tree forward the cache holds [prefix | root, node 1, ..., node n]; `keep` lists the node indices of the
    accepted path (root first), so the cache becomes [prefix | accepted path], as if those tokens had been decoded
    one by one.

    Args:
        cache: a transformers DynamicCache (its `layers` hold `keys`/`values` of shape [batch, heads, seq, dim]).
        prefix_len: cached positions before the tree.
        keep: indices into the tree block, increasing.

    Example:
        >>> import torch
        >>> from transformers import DynamicCache
        >>> cache = DynamicCache()
        >>> kv = torch.arange(6.0).reshape(1, 1, 6, 1)  # 2 prefix positions + a tree of 4 nodes
        >>> _ = cache.update(kv, kv.clone(), 0)
        >>> gather_cache(cache, prefix_len=2, keep=[0, 2])  # keep the root and node 2
        >>> cache.layers[0].keys.flatten().tolist()
        [0.0, 1.0, 2.0, 4.0]
    """
    import torch

    keep = torch.as_tensor(np.asarray(keep, dtype=np.int64))
    end = prefix_len + len(keep)
    contiguous = bool(torch.equal(keep, torch.arange(len(keep))))
    with torch.inference_mode():  # the cache tensors were made under inference mode
        for layer in cache.layers:
            if getattr(layer, "keys", None) is None or layer.keys.numel() == 0:
                continue
            if not contiguous:  # move the accepted nodes down to sit right after the prefix: [B, H, len(keep), D]
                layer.keys[..., prefix_len:end, :] = layer.keys[..., prefix_len + keep, :]
                layer.values[..., prefix_len:end, :] = layer.values[..., prefix_len + keep, :]
            layer.keys = layer.keys[..., :end, :]
            layer.values = layer.values[..., :end, :]


def merge_trees(first: DraftTree, second: DraftTree, *, budget: int) -> DraftTree:
    """Union of two trees with the same root as a trie: shared token paths appear once.

    All of `first` is kept (up to `budget` draft nodes), then nodes of `second` in order while room is left; a node
    whose parent did not fit is dropped with it. Siblings of the result hold distinct tokens.

    Args:
        first: the tree that has priority (e.g. a prompt-lookup chain).
        second: the tree that fills the remaining budget (e.g. a Token Recycling tree).
        budget: draft nodes at most (the root excluded).

    Example:
        >>> a = DraftTree.chain(1, [2, 3])
        >>> b = DraftTree.from_lists([1, 2, 4, 5], [-1, 0, 1, 0])
        >>> m = merge_trees(a, b, budget=8)
        >>> m.tokens.tolist(), m.parents.tolist()
        ([1, 2, 3, 4, 5], [-1, 0, 1, 1, 0])
    """
    assert first.tokens[0] == second.tokens[0], "merged trees must share their root"
    tokens, parents = [int(first.tokens[0])], [-1]
    child_of: dict[tuple[int, int], int] = {}  # (parent index in result, token) -> index in result
    for tree in (first, second):
        where = np.full(tree.size, -1, dtype=np.int64)  # node of `tree` -> index in the result
        where[0] = 0
        for i in range(1, tree.size):
            up = int(where[tree.parents[i]])
            if up < 0:
                continue
            key = (up, int(tree.tokens[i]))
            if key not in child_of:
                if len(tokens) - 1 >= budget:
                    continue
                child_of[key] = len(tokens)
                tokens.append(key[1])
                parents.append(up)
            where[i] = child_of[key]
    return DraftTree.from_lists(tokens, parents)
