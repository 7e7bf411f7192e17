"""Prompt-lookup drafting: copy what followed the last n-gram the last time it appeared in the context.

Prompt lookup decoding (Saxena, 2023, github.com/apoorvumang/prompt-lookup-decoding; `prompt_lookup_num_tokens` in
transformers): the final n tokens of the context are searched for earlier in the context (n from `max_ngram` down to
`min_ngram`); the tokens that followed the match form a draft chain. We take the MOST RECENT match (transformers takes
the first), which follows the local repetition of rewrites and code better.

`LookupRecycling` merges that chain with a Token Recycling tree (`recycling.py`) into one trie: the chain first,
the recycling tree fills the rest of the budget, so steps without a match still draft. Not handled: lookup in an
external datastore (REST-style retrieval).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tokensmith.decode.recycling import TokenRecycling
from tokensmith.decode.trees import DraftTree, merge_trees
from tokensmith.errors import GenerationError


def find_continuation(ids: np.ndarray, *, max_ngram: int, min_ngram: int, num_tokens: int) -> np.ndarray:
    """Tokens that followed the most recent earlier occurrence of the longest matching final n-gram.

    Args:
        ids: int64 [T], the context.
        max_ngram, min_ngram: n-gram lengths to try, longest first.
        num_tokens: continuation length at most.

    Returns:
        int64 [<= num_tokens]; empty when no n-gram recurs.

    Example:
        >>> find_continuation(np.array([1, 2, 3, 4, 1, 2]), max_ngram=2, min_ngram=1, num_tokens=3).tolist()
        [3, 4, 1]
    """
    total = len(ids)
    for n in range(min(max_ngram, total - 1), min_ngram - 1, -1):
        # windows[s] = ids[s:s+n] for starts s < T - n (the final n-gram itself excluded): [T - n, n]
        windows = np.lib.stride_tricks.sliding_window_view(ids[:-1], n)
        hits = np.flatnonzero((windows == ids[total - n :]).all(axis=1))
        if len(hits):
            start = int(hits[-1]) + n
            return ids[start : start + num_tokens].copy()
    return np.zeros(0, dtype=np.int64)


def find_continuation_reference(ids: list[int], *, max_ngram: int, min_ngram: int, num_tokens: int) -> list[int]:
    """Slow pure-Python twin of `find_continuation`, for tests.

    Args:
        ids: the context so far (its last n-gram is looked up earlier in it).
        max_ngram: longest n-gram to match.
        min_ngram: shortest n-gram to match.
        num_tokens: how many tokens after the match to return at most.

    Example:
        >>> find_continuation_reference([1, 2, 3, 9, 1, 2], max_ngram=3, min_ngram=1, num_tokens=2)
        [3, 9]
    """
    for n in range(min(max_ngram, len(ids) - 1), min_ngram - 1, -1):
        tail = ids[len(ids) - n :]
        for start in range(len(ids) - n - 1, -1, -1):
            if ids[start : start + n] == tail:
                return ids[start + n : start + n + num_tokens]
    return []


class PromptLookup:
    """Prompt-lookup drafter (a `Drafter`): a chain copied from the context.

    Args:
        max_ngram: longest n-gram to match (3 by default).
        min_ngram: shortest n-gram to match (1).
        num_tokens: chain length at most (10, as transformers' default `prompt_lookup_num_tokens`).

    Example:
        >>> PromptLookup().propose(np.array([5, 6, 7, 5]), budget=8).tokens.tolist()
        [5, 6, 7, 5]
    """

    def __init__(self, *, max_ngram: int = 3, min_ngram: int = 1, num_tokens: int = 10) -> None:
        if not 1 <= min_ngram <= max_ngram or num_tokens < 1:
            raise GenerationError(
                f"prompt lookup needs 1 <= min_ngram <= max_ngram and num_tokens >= 1 "
                f"(got {min_ngram}, {max_ngram}, {num_tokens}); the defaults are 1, 3, 10."
            )
        self.max_ngram, self.min_ngram, self.num_tokens = max_ngram, min_ngram, num_tokens

    def begin(self, ids: np.ndarray) -> None:
        """Stateless: nothing to reset.

        Args:
            ids: the prompt's ids.

        Example:
            >>> PromptLookup().begin(np.array([1, 2]))
        """

    def propose(self, ids: np.ndarray, budget: int) -> DraftTree:
        """The chain that followed the last match (the root alone when nothing matches).

        Args:
            ids: the context so far; its last token is the root.
            budget: draft nodes at most (also capped by `num_tokens`).

        Example:
            >>> PromptLookup().propose(np.array([7, 8, 9, 7]), budget=1).tokens.tolist()
            [7, 8]
        """
        length = min(budget, self.num_tokens)
        found = find_continuation(ids, max_ngram=self.max_ngram, min_ngram=self.min_ngram, num_tokens=length)
        return DraftTree.chain(int(ids[-1]), found.tolist())

    def observe(self, tree: DraftTree, logits: Any, accepted: np.ndarray) -> None:
        """Stateless: the context itself is the store.

        Args:
            tree: the verified tree.
            logits: the model's logits at its nodes (unused).
            accepted: the accepted node indices (unused).

        Example:
            >>> PromptLookup().observe(DraftTree.chain(1, []), None, np.array([0]))
        """


class LookupRecycling:
    """Prompt lookup first, Token Recycling for the rest of the budget (a `Drafter`).

    Args:
        lookup: the prompt-lookup drafter.
        recycling: the Token Recycling drafter (it still observes every step).

    Example:
        >>> d = LookupRecycling(PromptLookup(), TokenRecycling(vocab_size=16, k=2, tree=2))
        >>> d.recycling.matrix[5] = [6, 7]
        >>> t = d.propose(np.array([5, 1, 5]), budget=3)  # the lookup chain 5 -> 1 -> 5, then recycling's 5 -> 6
        >>> t.tokens.tolist(), t.parents.tolist()
        ([5, 1, 5, 6], [-1, 0, 1, 0])
    """

    def __init__(self, lookup: PromptLookup, recycling: TokenRecycling) -> None:
        self.lookup, self.recycling = lookup, recycling

    def begin(self, ids: np.ndarray) -> None:
        """Start both drafters.

        Args:
            ids: the prompt's ids.

        Example:
            >>> LookupRecycling(PromptLookup(), TokenRecycling(vocab_size=4, k=2, tree=2)).begin(np.array([1]))
        """
        self.lookup.begin(ids)
        self.recycling.begin(ids)

    def propose(self, ids: np.ndarray, budget: int) -> DraftTree:
        """The lookup chain merged with the recycling tree, `budget` draft nodes at most.

        Args:
            ids: the context so far; its last token is the root.
            budget: draft nodes at most.

        Example:
            >>> d = LookupRecycling(PromptLookup(), TokenRecycling(vocab_size=4, k=2, tree=2))
            >>> d.propose(np.array([3]), budget=2).num_draft  # no match and an empty matrix: the root alone
            0
        """
        chain = self.lookup.propose(ids, budget)
        return merge_trees(chain, self.recycling.propose(ids, budget), budget=budget)

    def observe(self, tree: DraftTree, logits: Any, accepted: np.ndarray) -> None:
        """Recycle the top-k of every node.

        Args:
            tree: the verified tree.
            logits: torch tensor [tree.size, vocab] of the model's logits at its nodes.
            accepted: the accepted node indices (root first).

        Example:
            >>> import torch
            >>> d = LookupRecycling(PromptLookup(), TokenRecycling(vocab_size=4, k=2, tree=2))
            >>> d.observe(DraftTree.chain(3, []), torch.tensor([[0.0, 3.0, 2.0, 1.0]]), np.array([0]))
            >>> d.recycling.matrix[3].tolist()
            [1, 2]
        """
        self.recycling.observe(tree, logits, accepted)
