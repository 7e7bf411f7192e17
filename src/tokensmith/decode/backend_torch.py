"""The reference verifier of speculative decoding: a transformers causal LM in torch with a DynamicCache.

`TorchScorer` is what `speculative_generate` runs a torch model through (prefill, score a draft tree with tree
attention, keep the accepted path); it is the reference backend and the one CI always runs (the tree mask and
position ids follow SpecInfer, Miao et al., 2024, section 4.2, see `trees.py`). fp32 on CPU is batch invariant
to float rounding: a node's logits do not depend on what else is in the pass (checked by the backend tests).
The llama.cpp backend (`backend_llamacpp.py`) implements the same methods.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from tokensmith.decode.trees import DraftTree, check_cache_gatherable, gather_cache, new_cache, tree_attention_mask
from tokensmith.errors import GenerationError, ModelError


def check_ids(prompt: np.ndarray, *, max_new_tokens: int, budget: int, rows: int) -> None:
    """The checks every backend makes: a positive length, a budget >= 0, a non-empty prompt of ids below `rows`.

    Args:
        prompt: int64 [T] prompt ids.
        max_new_tokens: must be > 0.
        budget: draft nodes per step, >= 0.
        rows: the model's embedding rows (ids must be below).

    Example:
        >>> check_ids(np.array([1, 9]), max_new_tokens=4, budget=2, rows=8)
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: prompt id 9 is outside the model's 8 embeddings: ...
    """
    if max_new_tokens <= 0:
        raise GenerationError(f"max_new_tokens must be at least 1 (got {max_new_tokens}). Pass --max-new-tokens 64.")
    if budget < 0:
        raise GenerationError(f"the draft budget must be >= 0 (got {budget}); use --tree 16 or 0 for none.")
    if len(prompt) == 0:
        raise GenerationError("the prompt is empty: give at least one token of text.")
    if int(prompt.max()) >= rows or int(prompt.min()) < 0:
        raise ModelError(
            f"prompt id {int(prompt.max())} is outside the model's {rows} embeddings: the tokenizer does not belong "
            "to this model. Use the model's own tokenizer."
        )


def check_request(model: Any, prompt: np.ndarray, *, max_new_tokens: int, budget: int) -> int:
    """Refuse requests that cannot run; return the context window (max positions) of the model.

    Args:
        model: the causal LM.
        prompt: int64 [T] prompt ids.
        max_new_tokens: must be > 0.
        budget: draft nodes per step, >= 0.

    Example:
        >>> model = tiny_causal_lm()  # a 2-layer random Llama (root conftest.py)
        >>> check_request(model, np.array([1, 2]), max_new_tokens=8, budget=2)
        512
        >>> check_request(model, np.array([1, 2]), max_new_tokens=0, budget=8)
        Traceback (most recent call last):
        ...
        tokensmith.errors.GenerationError: max_new_tokens must be at least 1 (got 0). Pass --max-new-tokens 64.
    """
    check_ids(prompt, max_new_tokens=max_new_tokens, budget=budget, rows=model.get_input_embeddings().weight.shape[0])
    attention = getattr(model.config, "_attn_implementation", "eager")
    if attention not in ("eager", "sdpa"):
        raise ModelError(
            f"attention implementation '{attention}' ignores custom 4D tree masks; load the model with "
            "attn_implementation='sdpa' (or 'eager') to use speculative decoding."
        )
    context = int(getattr(model.config, "max_position_embeddings", 0) or 1 << 30)
    if len(prompt) + max_new_tokens > context:
        raise GenerationError(
            f"prompt ({len(prompt)} tokens) + max_new_tokens ({max_new_tokens}) exceeds the model's context window "
            f"of {context} positions. Shorten the prompt or lower --max-new-tokens to {max(0, context - len(prompt))}."
        )
    return context


def forward_logits(model: Any, cache: Any, tokens: Any, positions: Any, mask: Any) -> Any:
    """One forward pass of `tokens` after the cache; logits [n, vocab] as float32. The cache grows by n.

    Args:
        model: a transformers causal LM.
        cache: its DynamicCache.
        tokens: int64 tensor [n].
        positions: int64 tensor [n], their position ids.
        mask: the additive 4D mask (`tree_attention_mask`), or None for the model's causal mask.

    Example:
        >>> import torch
        >>> from transformers import DynamicCache
        >>> forward_logits(tiny_causal_lm(), DynamicCache(), torch.tensor([1, 2]), torch.arange(2), None).shape
        torch.Size([2, 320])
    """
    import torch

    with torch.inference_mode():
        kwargs = {_cache_kwarg(type(model)): cache}
        out = model(input_ids=tokens[None], position_ids=positions[None], attention_mask=mask, use_cache=True, **kwargs)
    return out.logits[0]


def tree_forward(model: Any, cache: Any, tree: DraftTree, *, prefix_len: int) -> Any:
    """Score a draft tree after `prefix_len` cached tokens (tree attention); logits [tree.size, vocab].

    The cache grows by tree.size positions; `gather_cache` (or `crop`) cuts it back.

    Args:
        model: a transformers causal LM.
        cache: its DynamicCache holding the prefix.
        tree: the tree, its root the first token not in the cache.
        prefix_len: tokens in the cache.

    Example:
        >>> from transformers import DynamicCache
        >>> model, cache = tiny_causal_lm(), DynamicCache()
        >>> tree_forward(model, cache, DraftTree.from_lists([1, 2, 3], [-1, 0, 0]), prefix_len=0).shape
        torch.Size([3, 320])
    """
    import torch

    positions = torch.from_numpy(prefix_len + tree.depth)
    mask = tree_attention_mask(tree, prefix_len=prefix_len, dtype=model.dtype)
    return forward_logits(model, cache, torch.from_numpy(tree.tokens), positions, mask)


@functools.lru_cache(maxsize=None)
def _cache_kwarg(model_class: type) -> str:
    """transformers 5 calls the cache argument `cache`; earlier versions `past_key_values`."""
    import inspect

    return "cache" if "cache" in inspect.signature(model_class.forward).parameters else "past_key_values"


class TorchScorer:
    """A transformers causal LM as the verifier of the speculative loop (the reference backend).

    Args:
        model: a transformers causal LM (eval mode) with a DynamicCache.

    Example:
        >>> scorer = TorchScorer(tiny_causal_lm())
        >>> scorer.prefill(np.array([1, 2, 3])).shape  # logits at every prompt token
        torch.Size([3, 320])
        >>> tree = DraftTree.from_lists([4, 5, 6], [-1, 0, 0])
        >>> scorer.score(tree, prefix_len=3).shape
        torch.Size([3, 320])
        >>> scorer.keep(prefix_len=3, path=np.array([0, 2]))  # the cache now holds 1 2 3 4 6
    """

    name = "torch"
    batch_invariant = True  # fp32: a node's logits do not depend on the rest of the pass (backend tests)

    def __init__(self, model: Any) -> None:
        self.model = model
        self.cache: Any = None
        self.length: int | None = None  # the most positions a generation holds (set by `check`)

    def check(self, prompt: np.ndarray, *, max_new_tokens: int, budget: int) -> int:
        """`check_request` for this model; the context window.

        Args:
            prompt: int64 [T] prompt ids.
            max_new_tokens: must be > 0.
            budget: draft nodes per step, >= 0.

        Example:
            >>> TorchScorer(tiny_causal_lm()).check(np.array([1]), max_new_tokens=4, budget=2)
            512
        """
        context = check_request(self.model, prompt, max_new_tokens=max_new_tokens, budget=budget)
        self.length = len(prompt) + max_new_tokens + budget + 1
        return context

    def eos_ids(self) -> set[int]:
        """The generation config's end ids.

        Example:
            >>> TorchScorer(tiny_causal_lm()).eos_ids()
            set()
        """
        eos = getattr(self.model.generation_config, "eos_token_id", None)
        if eos is None:
            return set()
        return {int(eos)} if isinstance(eos, int) else {int(e) for e in eos}

    def prefill(self, prompt: np.ndarray) -> Any:
        """Start a new cache with the prompt; logits [T, vocab] (float32 tensor).

        Args:
            prompt: int64 [T] prompt ids.

        Example:
            >>> TorchScorer(tiny_causal_lm()).prefill(np.array([7])).shape
            torch.Size([1, 320])
        """
        import torch

        # a sliding-window model gets full-attention layers while the whole generation fits its window (trees.new_cache)
        self.cache = new_cache(self.model, length=self.length or len(prompt) + 1)
        # the prefill is a chain: the model's own causal mask (mask=None) is the tree mask here
        ids = torch.from_numpy(np.asarray(prompt, dtype=np.int64))
        logits = forward_logits(self.model, self.cache, ids, torch.arange(len(ids)), None)
        check_cache_gatherable(self.cache)
        return logits

    def score(self, tree: DraftTree, *, prefix_len: int) -> Any:
        """Logits [tree.size, vocab] at the tree's nodes, after `prefix_len` cached tokens.

        Args:
            tree: the draft tree, its root the first token not in the cache.
            prefix_len: tokens in the cache.

        Example:
            >>> scorer = TorchScorer(tiny_causal_lm())
            >>> _ = scorer.prefill(np.array([1]))
            >>> scorer.score(DraftTree.chain(2, [3]), prefix_len=1).shape
            torch.Size([2, 320])
        """
        return tree_forward(self.model, self.cache, tree, prefix_len=prefix_len)

    def keep(self, *, prefix_len: int, path: np.ndarray) -> None:
        """Cut the cache to the prefix plus the accepted path (node indices, root first).

        Args:
            prefix_len: cached tokens before the tree.
            path: the accepted node indices, increasing.

        Example:
            >>> scorer = TorchScorer(tiny_causal_lm())
            >>> _ = scorer.prefill(np.array([1]))
            >>> _ = scorer.score(DraftTree.chain(2, [3, 4]), prefix_len=1)
            >>> scorer.keep(prefix_len=1, path=np.array([0, 1]))
            >>> scorer.cache.get_seq_length()
            3
        """
        gather_cache(self.cache, prefix_len=prefix_len, keep=path)

    def rollback(self, prefix_len: int) -> None:
        """Drop the cached positions from `prefix_len` on.

        Args:
            prefix_len: cached positions to keep.

        Example:
            >>> scorer = TorchScorer(tiny_causal_lm())
            >>> _ = scorer.prefill(np.array([1, 2, 3]))
            >>> scorer.rollback(1)
            >>> scorer.cache.get_seq_length()
            1
        """
        extra = self.cache.get_seq_length() - prefix_len
        if extra > 0:
            self.cache.crop(-extra)
