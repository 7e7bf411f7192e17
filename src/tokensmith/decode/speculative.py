"""Greedy speculative decoding over draft trees: propose, verify in one forward pass, keep the accepted path.

The loop follows the guess-and-verify scheme of speculative decoding (Leviathan et al., 2023, "Fast Inference from
Transformers via Speculative Decoding", section 2) with greedy acceptance and tree attention (see `trees.py`): the
longest root-to-node path whose every token equals the model's argmax at its parent is accepted, plus one bonus
token (the argmax at the last accepted node). The output is therefore token-identical to greedy decoding, up to
floating-point differences between scoring a token alone and inside a tree (fp32 keeps them below argmax ties).

A `Drafter` proposes trees and observes the model's logits on every node; `NullDrafter` proposes nothing (plain
greedy through the same loop). With a `Warp` the loop samples instead, exactly: through deterministic trees by
descending while the target's draw is a child (`sampling.py`), through a drafter's random trees with an explicit
draft distribution (its `last_draft`) by recursive rejection (`rsd.py`). Not handled: batch size > 1,
encoder-decoder models.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from tokensmith.decode.backend_torch import TorchScorer, check_request, forward_logits as _forward, tree_forward
from tokensmith.decode.rsd import verify_recursive
from tokensmith.decode.sampling import sample_categorical, sample_tree
from tokensmith.decode.trees import DraftTree
from tokensmith.decode.warp import Warp
from tokensmith.errors import GenerationError

# Draft nodes per step by default. On the 2-core CPU this was measured on, the cost of a forward pass grows with the
# tokens in it faster than SmolLM2-135M's acceptance from Token Recycling trees, so only small trees pay; in the
# full-size run (all 21 prompts, 128 new tokens, a quiet machine) lookup+recycling with 3 nodes was the fastest
# method of all and the 2-node tree was slower than greedy (the comparison table in
# docs/benchmarks/decode-speculative.md, rendered from benchmarks/results/). On a GPU, where t(n)/t(1) stays flat much
# longer, use 32-80.
DEFAULT_BUDGET = 3

__all__ = [
    "DEFAULT_BUDGET",
    "Drafter",
    "NullDrafter",
    "Scorer",
    "SpeculativeStats",
    "check_request",
    "speculative_generate",
    "tree_forward",
    "verify_greedy",
]


@runtime_checkable
class Drafter(Protocol):
    """What a draft source implements.

    `begin(ids)` is called once per prompt before the prefill; `observe` first sees the prefill (a chain over the
    prompt, every node accepted), then every verified tree with the model's logits [tree.size, vocab] (a torch
    tensor) and the accepted node indices (root first).
    """

    def begin(self, ids: np.ndarray) -> None:
        """Start a prompt.

        Args:
            ids: the prompt's ids.

        Example:
            >>> NullDrafter().begin(np.array([1, 2]))
        """

    def propose(self, ids: np.ndarray, budget: int) -> DraftTree:
        """The draft tree to verify next, rooted at `ids[-1]`, with at most `budget` draft nodes.

        Args:
            ids: the context so far.
            budget: draft nodes at most.

        Example:
            >>> NullDrafter().propose(np.array([1, 2]), budget=4).tokens.tolist()
            [2]
        """
        ...

    def observe(self, tree: DraftTree, logits: Any, accepted: np.ndarray) -> None:
        """Learn from a verified tree.

        Args:
            tree: the tree the model just scored.
            logits: torch tensor [tree.size, vocab], the model's logits at its nodes.
            accepted: the accepted node indices, root first.

        Example:
            >>> NullDrafter().observe(DraftTree.chain(2, []), None, np.array([0]))
        """


class NullDrafter:
    """Proposes no draft: each step is one ordinary greedy step."""

    def begin(self, ids: np.ndarray) -> None:
        """Nothing to reset.

        Args:
            ids: the prompt's ids (unused).

        Example:
            >>> NullDrafter().begin(np.array([1]))
        """

    def propose(self, ids: np.ndarray, budget: int) -> DraftTree:
        """The root alone.

        Args:
            ids: the context so far; its last token is the root.
            budget: ignored (no draft).

        Example:
            >>> NullDrafter().propose(np.array([4, 9]), budget=8).num_draft
            0
        """
        return DraftTree.chain(int(ids[-1]), [])

    def observe(self, tree: DraftTree, logits: Any, accepted: np.ndarray) -> None:
        """Nothing to learn.

        Args:
            tree: the verified tree (unused).
            logits: the model's logits (unused).
            accepted: the accepted node indices (unused).

        Example:
            >>> NullDrafter().observe(DraftTree.chain(4, []), None, np.array([0]))
        """


class Scorer(Protocol):
    """A verifier backend: the model behind the loop (`TorchScorer` for a transformers model, the reference;
    `backend_llamacpp.LlamaCppScorer`). Logits are float32 torch tensors [n, vocab]; `batch_invariant` says
    whether a node's logits are independent of the rest of the pass (required for greedy-identical output).
    """

    name: str
    batch_invariant: bool

    def check(self, prompt: np.ndarray, *, max_new_tokens: int, budget: int) -> int: ...

    def eos_ids(self) -> set[int]: ...

    def prefill(self, prompt: np.ndarray) -> Any: ...

    def score(self, tree: DraftTree, *, prefix_len: int) -> Any: ...

    def keep(self, *, prefix_len: int, path: np.ndarray) -> None: ...


@dataclass(frozen=True)
class SpeculativeStats:
    """Counters of one generation. `mean_accepted` = new tokens per decoding step (accepted drafts + bonus),
    the paper's MAT; the first token comes from the prefill and is not counted in it."""

    new_tokens: int
    steps: int
    forward_passes: int
    mean_accepted: float
    wall_s: float
    tokens_per_s: float

    def to_dict(self) -> dict[str, float | int]:
        """Plain dict for JSON.

        Example:
            >>> SpeculativeStats(new_tokens=4, steps=2, forward_passes=3, mean_accepted=2.0, wall_s=0.5,
            ...                  tokens_per_s=8.0).to_dict()["mean_accepted"]
            2.0
        """
        return asdict(self)


def verify_greedy(tree: DraftTree, predictions: np.ndarray) -> tuple[np.ndarray, int]:
    """Longest accepted path and the bonus token.

    A child is accepted when its token equals the model's argmax at its parent; siblings hold distinct tokens, so
    at most one child of a node can match.

    Args:
        tree: the verified tree (root first).
        predictions: int [tree.size], argmax of the logits at each node.

    Returns:
        (accepted node indices starting with the root, bonus token).

    Example:
        >>> t = DraftTree.from_lists([9, 4, 5, 6], [-1, 0, 0, 2])
        >>> path, bonus = verify_greedy(t, np.array([5, 0, 6, 1]))
        >>> path.tolist(), bonus
        ([0, 2, 3], 1)
    """
    children = tree.children()
    node, path = 0, [0]
    while True:
        want = predictions[node]
        nxt = next((c for c in children[node] if tree.tokens[c] == want), None)
        if nxt is None:
            return np.asarray(path, dtype=np.int64), int(want)
        node = nxt
        path.append(node)


class _Run:
    """The state of one generation: ids so far, the scorer (model and KV cache) and the counters."""

    def __init__(
        self, scorer: Scorer, prompt: np.ndarray, *, max_new_tokens: int, eos: set[int], warp: Warp | None, seed: int
    ) -> None:
        self.scorer, self.eos, self.max_new = scorer, eos, max_new_tokens
        self.warp, self.rng = warp, np.random.default_rng(seed)
        self.ids = [int(t) for t in prompt]
        self.prompt_len = len(prompt)
        self.done = False
        self.steps = 0

    def commit(self, tokens: list[int]) -> None:
        """Append tokens one by one, stopping at EOS or at max_new_tokens like HF greedy."""
        for tok in tokens:
            self.ids.append(tok)
            if tok in self.eos or len(self.ids) - self.prompt_len >= self.max_new:
                self.done = True
                return

    def prefill(self, drafter: Drafter) -> None:
        prompt = np.asarray(self.ids, dtype=np.int64)
        tree = DraftTree.chain(int(prompt[0]), prompt[1:].tolist())
        logits = self.scorer.prefill(prompt)
        drafter.observe(tree, logits, np.arange(len(prompt)))
        if self.warp is None:
            self.commit([int(logits[-1].argmax())])
        else:
            self.commit([int(sample_categorical(self.warp.probs(logits[-1:].numpy()), self.rng)[0])])

    def step(self, drafter: Drafter, budget: int) -> None:
        prefix_len = len(self.ids) - 1  # the last token (the root) is not in the cache yet
        tree = drafter.propose(np.asarray(self.ids, dtype=np.int64), budget)
        logits = self.scorer.score(tree, prefix_len=prefix_len)
        path, bonus = self.verify(drafter, tree, logits)
        self.scorer.keep(prefix_len=prefix_len, path=path)
        drafter.observe(tree, logits, path)
        self.steps += 1
        self.commit([*tree.tokens[path[1:]].tolist(), bonus])

    def verify(self, drafter: Drafter, tree: DraftTree, logits: Any) -> tuple[np.ndarray, int]:
        """Greedy verification, or exact sampling: recursive rejection when the drafter drew this tree from its q."""
        if self.warp is None:
            return verify_greedy(tree, logits.argmax(-1).numpy())
        p = self.warp.probs(logits.numpy())[None]  # [1, n, V]
        draft = getattr(drafter, "last_draft", None)
        if draft is not None and draft.tokens.shape[1] == tree.size:
            sample = verify_recursive(draft, p, self.rng)
        else:
            sample = sample_tree(tree.tokens, tree.parents, p, self.rng)
        return sample.path[0, : int(sample.accepted[0]) + 1], int(sample.token[0])


def speculative_generate(
    model: Any,
    input_ids: Any,
    drafter: Drafter,
    max_new_tokens: int,
    *,
    budget: int = DEFAULT_BUDGET,
    eos_token_id: int | list[int] | None = None,
    warp: Warp | None = None,
    seed: int = 0,
) -> tuple[list[int], SpeculativeStats]:
    """Greedy generation with draft trees; the tokens equal `model.generate(do_sample=False)`. With `warp`, exact
    sampling from the warped model instead (the same distribution as token-by-token sampling, seeded by `seed`).

    Args:
        model: a transformers causal LM with a DynamicCache (eval mode), or a `Scorer` (e.g. the llama.cpp one).
        input_ids: the prompt, a 1D sequence of ids (list, numpy or torch).
        drafter: the draft source (`NullDrafter()` for plain greedy).
        max_new_tokens: how many tokens to add at most (> 0).
        budget: draft nodes per step (the root excluded).
        eos_token_id: stop ids; the model's generation config by default.
        warp: sample from this temperature/top-k/top-p warp of the model; None = greedy.
        seed: the sampler's seed (the same seed, drafter and model give the same output).

    Returns:
        (prompt + new ids, stats).

    Example:
        >>> import torch
        >>> from tokensmith.decode.lookup import PromptLookup
        >>> model = tiny_causal_lm()  # a 2-layer random Llama (root conftest.py)
        >>> ids, stats = speculative_generate(model, [1, 2, 3, 1, 2], PromptLookup(), 8)
        >>> greedy = model.generate(torch.tensor([[1, 2, 3, 1, 2]]), max_new_tokens=8, do_sample=False)
        >>> ids == greedy[0].tolist(), stats.new_tokens
        (True, 8)
        >>> sampled, _ = speculative_generate(model, [1, 2, 3, 1, 2], PromptLookup(), 8, warp=Warp(top_k=1), seed=3)
        >>> sampled == ids  # top-k 1 sampling is greedy
        True
    """
    prompt = np.asarray(input_ids.tolist() if hasattr(input_ids, "tolist") else input_ids, dtype=np.int64).reshape(-1)
    scorer: Scorer = model if hasattr(model, "score") and hasattr(model, "keep") else TorchScorer(model)
    context = scorer.check(prompt, max_new_tokens=max_new_tokens, budget=budget)
    if budget > 0 and not scorer.batch_invariant:
        raise GenerationError(
            f"the {scorer.name} backend is not batch invariant (a token's logits change with the rest of the pass), "
            "so drafts would not give the greedy output. Use --backend torch, or --speculate none."
        )
    eos = scorer.eos_ids() if eos_token_id is None else {int(e) for e in np.atleast_1d(eos_token_id)}
    start = time.perf_counter()
    run = _Run(scorer, prompt, max_new_tokens=max_new_tokens, eos=eos, warp=warp, seed=seed)
    drafter.begin(prompt)
    run.prefill(drafter)
    while not run.done:
        room = context - len(run.ids) - 1  # position ids of drafts must stay inside the context window
        run.step(drafter, max(0, min(budget, room)))
    wall = time.perf_counter() - start
    new = len(run.ids) - len(prompt)
    stats = SpeculativeStats(
        new_tokens=new,
        steps=run.steps,
        forward_passes=run.steps + 1,
        mean_accepted=(new - 1) / run.steps if run.steps else 0.0,
        wall_s=wall,
        tokens_per_s=new / wall if wall > 0 else 0.0,
    )
    return run.ids, stats
