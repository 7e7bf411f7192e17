"""Recursive Speculative Decoding (RSD) and SpecInfer's multi-step sampling: random draft trees from an explicit
draft distribution q, verified so that the output is distributed exactly as sampling from the target p.

Jeon et al., 2024, "Recursive Speculative Decoding: Accelerating LLM Inference via Sampling Without Replacement"
(arXiv 2402.14160):
- section 3.2, recursive rejection sampling: the siblings x_1..x_K under a node are drawn WITHOUT replacement from
  q; x_i is accepted with probability min(1, p_i(x_i) / q_i(x_i)); on rejection the target becomes the residual
  p_{i+1} = norm(max(p_i - q_i, 0)) and the draft q_{i+1} = q_i with x_i removed, renormalized; when every sibling
  is rejected the token is drawn from p_{K+1}. An accepted sibling's own children are verified the same way
  against the target's row at that sibling; at a leaf the bonus token is drawn from p there.
- section 3.3, RSD-C: every node at depth d gets b_d children by Gumbel-top-k (constant branching per level).
- section 3.3, RSD-S: the tree is the history of a stochastic beam search (Kool et al., 2019, "Stochastic Beams
  and Where to Find Them", section 3) of width K over sequences: per level, the K best perturbed sequence
  log-probabilities, the children's Gumbels conditioned on their parent's (the "truncated Gumbel" of eq. 4). The
  kept children of one parent are the first m of a without-replacement sample from q(.|parent), m depending only on
  the arrival times, not on which tokens arrived, so the rejection rule above stays exact.
SpecInfer (Miao et al., 2024, section 4.3, multi-step speculative sampling): children drawn i.i.d. WITH replacement
from q; the residual is the same but q never changes. It is exact only for with-replacement drafts.

Batched over N trials like `sampling.py`: trees are [N, n] arrays, `q_fn(paths [N, m, d]) -> [N, m, V]` is the
drafter's distribution after root + path for m frontier nodes (d tokens after the root). `valid` [N, n] marks
nodes that exist (a q with fewer than K nonzero entries yields fewer children). Not handled: dynamic widths (DySpec).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from tokensmith.decode.sampling import TreeSample, sample_categorical
from tokensmith.decode.trees import DraftTree

__all__ = ["MODES", "DraftSample", "QFn", "QSource", "RSDDrafter", "build_tree", "tree_size", "verify_recursive"]

QFn = Callable[[np.ndarray], np.ndarray]  # paths int64 [N, m, d] -> q float [N, m, V]
MODES = ("c", "s", "specinfer")


@dataclass(frozen=True)
class DraftSample:
    """N random draft trees with the draft distributions they were drawn from.

    Attributes:
        tokens: int64 [N, n]; column 0 is the root (its value is the caller's, 0 here).
        parents: int64 [N, n]; -1 for the root.
        q: float64 [N, n, V]; q[t, j] is the draft distribution of node j's children (zeros at leaves).
        valid: bool [N, n]; False for nodes that could not be drawn (q had too few nonzero tokens).
        without_replacement: True for RSD trees, False for SpecInfer's i.i.d. ones.
    """

    tokens: np.ndarray
    parents: np.ndarray
    q: np.ndarray
    valid: np.ndarray
    without_replacement: bool


def tree_size(mode: str, *, width: int, depth: int) -> int:
    """Draft nodes (the root excluded) of a tree of this mode, width and depth.

    Args:
        mode: 'c' (RSD-C) or 'specinfer' (b = width children per node), 's' (RSD-S, width nodes per level).
        width: K, branching factor (c, specinfer) or beam width (s).
        depth: D, levels below the root.

    Example:
        >>> tree_size("c", width=2, depth=3), tree_size("s", width=2, depth=3)
        (14, 6)
    """
    if mode == "s":
        return width * depth
    return sum(width**level for level in range(1, depth + 1))


def _gumbel(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return -np.log(-np.log(rng.random(shape)))  # rng.random() is in [0, 1); a 0 gives +inf, probability 2^-53


def _log(q: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(q)


def _grow(tree: dict, parent_of: np.ndarray, tok: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Append one level of nodes: parent_of [N, k] (node indices), tok [N, k]; return the new node indices."""
    start = tree["next"]
    new = np.arange(start, start + tok.shape[1])
    tree["tokens"][:, new], tree["parents"][:, new], tree["valid"][:, new] = tok, parent_of, ok
    tree["next"] = start + tok.shape[1]
    return new


def _constant(q_fn: QFn, n_trials: int, branching: Sequence[int], rng: np.random.Generator, *, iid: bool) -> dict:
    """RSD-C (Gumbel-top-b per node, parent-major order) or SpecInfer (b i.i.d. draws per node)."""
    n = 1 + sum(int(np.prod(branching[: i + 1])) for i in range(len(branching)))
    tree = _empty(n_trials, n)
    frontier, paths = np.zeros(1, dtype=np.int64), np.zeros((n_trials, 1, 0), dtype=np.int64)
    for b in branching:
        q = q_fn(paths)  # [N, m, V]
        tree["q"] = _store_q(tree["q"], frontier, q)
        m, vocab = q.shape[1], q.shape[2]
        if iid:
            top = sample_categorical(q.reshape(-1, vocab).repeat(b, axis=0), rng).reshape(n_trials, m, b)
            ok = np.ones(top.shape, dtype=bool)
        else:
            g = _log(q) + _gumbel(q.shape, rng)  # [N, m, V]: the b largest are a without-replacement sample
            top = np.argsort(-g, axis=-1, kind="stable")[..., :b]  # [N, m, b], in draw order
            ok = np.isfinite(np.take_along_axis(g, top, axis=-1))
        parent_of = np.broadcast_to(frontier.repeat(b), (n_trials, m * b))
        frontier = _grow(tree, parent_of, top.reshape(n_trials, -1), ok.reshape(n_trials, -1))
        paths = np.concatenate([paths.repeat(b, axis=1), top.reshape(n_trials, m * b, 1)], axis=2)
    return tree


def _truncated(parent_g: np.ndarray, g: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Kool et al. 2019, eq. 4 (their appendix B's stable form): Gumbels g [..., V] shifted so their max is the
    parent's perturbed value parent_g [..., 1]; `top` = g.max(-1, keepdims=True)."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        v = parent_g - g + np.log1p(-np.exp(g - top))
        return parent_g - np.maximum(v, 0) - np.log1p(np.exp(-np.abs(v)))


def _beam(q_fn: QFn, n_trials: int, width: int, depth: int, rng: np.random.Generator) -> dict:
    """RSD-S: stochastic beam search of `width` over `depth` levels; nodes of a level sorted by perturbed value."""
    tree = _empty(n_trials, 1 + width * depth)
    frontier = np.zeros((n_trials, 1), dtype=np.int64)  # node indices per trial [N, m]
    paths = np.zeros((n_trials, 1, 0), dtype=np.int64)
    phi, big_g = np.zeros((n_trials, 1)), np.zeros((n_trials, 1))  # log q of the path, its perturbed value
    rows = np.arange(n_trials)[:, None]
    for _ in range(depth):
        q = q_fn(paths)  # [N, m, V]
        if tree["q"] is None:
            tree["q"] = np.zeros((n_trials, 1 + width * depth, q.shape[2]))
        tree["q"][rows, frontier] = q
        child_phi = phi[..., None] + _log(q)  # [N, m, V]
        g = child_phi + _gumbel(q.shape, rng)
        child_g = _truncated(big_g[..., None], g, g.max(axis=-1, keepdims=True))
        flat = np.where(np.isfinite(child_phi), child_g, -np.inf).reshape(n_trials, -1)  # [N, m * V]
        pick = np.argsort(-flat, axis=-1, kind="stable")[:, :width]  # [N, K], best first
        beam, tok = np.divmod(pick, q.shape[2])
        parent_of = np.take_along_axis(frontier, beam, axis=1)
        ok = np.isfinite(np.take_along_axis(flat, pick, axis=1))
        new = _grow(tree, parent_of, tok, ok)
        frontier = np.broadcast_to(new, (n_trials, len(new))).copy()
        phi = np.take_along_axis(child_phi.reshape(n_trials, -1), pick, axis=1)
        big_g = np.take_along_axis(flat, pick, axis=1)
        paths = np.concatenate([np.take_along_axis(paths, beam[..., None], axis=1), tok[..., None]], axis=2)
    return tree


def _empty(n_trials: int, n: int) -> dict:
    return {
        "tokens": np.zeros((n_trials, n), dtype=np.int64),
        "parents": np.full((n_trials, n), -1, dtype=np.int64),
        "valid": np.ones((n_trials, n), dtype=bool),
        "q": None,
        "next": 1,
    }


def _store_q(q_all: np.ndarray | None, frontier: np.ndarray, q: np.ndarray) -> np.ndarray:
    if q_all is None:  # the vocabulary is known once q_fn has answered
        q_all = np.zeros((q.shape[0], 0, q.shape[2]))
    need = int(frontier.max()) + 1
    if q_all.shape[1] < need:
        q_all = np.concatenate([q_all, np.zeros((q.shape[0], need - q_all.shape[1], q.shape[2]))], axis=1)
    q_all[:, frontier] = q
    return q_all


def build_tree(q_fn: QFn, *, n_trials: int, mode: str, width: int, depth: int, rng: np.random.Generator) -> DraftSample:
    """Draw N draft trees: RSD-C ('c'), RSD-S ('s') or SpecInfer's i.i.d. trees ('specinfer').

    Args:
        q_fn: the drafter: paths [N, m, d] (tokens after the root) -> q [N, m, V].
        n_trials: N.
        mode: one of MODES.
        width: K (children per node for c/specinfer, beam width for s).
        depth: D, levels below the root.
        rng: the random source.

    Example:
        >>> q = lambda paths: np.full((*paths.shape[:2], 4), 0.25)
        >>> d = build_tree(q, n_trials=1, mode="c", width=2, depth=2, rng=np.random.default_rng(0))
        >>> d.parents.tolist(), d.q.shape
        ([[-1, 0, 0, 1, 1, 2, 2]], (1, 7, 4))
    """
    if mode == "s":
        tree = _beam(q_fn, n_trials, width, depth, rng)
    else:
        tree = _constant(q_fn, n_trials, [width] * depth, rng, iid=mode == "specinfer")
    n = tree["tokens"].shape[1]
    q = tree["q"]
    if q.shape[1] < n:  # the last level holds leaves only: their q is never used
        q = np.concatenate([q, np.zeros((n_trials, n - q.shape[1], q.shape[2]))], axis=1)
    return DraftSample(tree["tokens"], tree["parents"], q, tree["valid"], without_replacement=mode != "specinfer")


def _residual(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """norm(max(p - q, 0)) per row [m, V]; a row with no mass left (probability 0 of being needed) keeps p."""
    r = np.maximum(p - q, 0.0)
    total = r.sum(axis=-1, keepdims=True)
    return np.where(total > 0, r / np.where(total > 0, total, 1.0), p)


def _remove(q: np.ndarray, x: np.ndarray) -> np.ndarray:
    """q [m, V] with token x [m] removed, renormalized (an all-zero row stays zero)."""
    q = q.copy()
    q[np.arange(len(x)), x] = 0.0
    total = q.sum(axis=-1, keepdims=True)
    return q / np.where(total > 0, total, 1.0)


def _siblings(
    draft: DraftSample, idx: np.ndarray, cur: np.ndarray, p: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Recursive rejection over the children of node cur[i] for trials idx; (chosen child or -1, final target)."""
    pres = p[idx, cur].copy()  # [m, V] the target, then its residuals
    qres = draft.q[idx, cur].copy()  # [m, V] the draft, then (RSD) without the rejected tokens
    chosen = np.full(len(idx), -1, dtype=np.int64)
    for j in range(1, draft.tokens.shape[1]):  # siblings in index order = draw order
        act = np.flatnonzero((chosen < 0) & (draft.parents[idx, j] == cur) & draft.valid[idx, j])
        if len(act) == 0:
            continue
        x = draft.tokens[idx[act], j]
        px, qx = pres[act, x], qres[act, x]
        accept = rng.random(len(act)) * qx < px  # probability min(1, px / qx); qx > 0: x was drawn from q
        chosen[act[accept]] = j
        rej = act[~accept]
        pres[rej] = _residual(pres[rej], qres[rej])
        if draft.without_replacement:
            qres[rej] = _remove(qres[rej], x[~accept])
    return chosen, pres


def verify_recursive(draft: DraftSample, p: np.ndarray, rng: np.random.Generator) -> TreeSample:
    """Recursive rejection sampling (RSD) or SpecInfer's multi-step sampling, by `draft.without_replacement`.

    Args:
        draft: the trees and their draft distributions (`build_tree`).
        p: float [N, n, V], the warped target distribution after each node.
        rng: the random source.

    Example:
        >>> q = lambda paths: np.tile([0.5, 0.5, 0.0], (*paths.shape[:2], 1))
        >>> d = build_tree(q, n_trials=1, mode="c", width=2, depth=1, rng=np.random.default_rng(0))
        >>> p = np.zeros((1, 3, 3)); p[0, :, 2] = 1.0  # the target always says 2, which q never drafts
        >>> s = verify_recursive(d, p, np.random.default_rng(0))
        >>> s.accepted.tolist(), s.token.tolist()
        ([0], [2])
    """
    n_trials, n = draft.tokens.shape
    path = np.full((n_trials, n), -1, dtype=np.int64)
    path[:, 0] = 0
    cur = np.zeros(n_trials, dtype=np.int64)
    accepted = np.zeros(n_trials, dtype=np.int64)
    token = np.zeros(n_trials, dtype=np.int64)
    live = np.arange(n_trials)
    while len(live):
        chosen, pres = _siblings(draft, live, cur[live], p, rng)
        stop = chosen < 0
        token[live[stop]] = sample_categorical(pres[stop], rng)
        go = live[~stop]
        cur[go] = chosen[~stop]
        accepted[go] += 1
        path[go, accepted[go]] = cur[go]
        live = go
    depth = int(accepted.max(initial=0)) + 1
    return TreeSample(path[:, :depth], accepted, token)


class QSource(Protocol):
    """A draft distribution over the target's ids: `q(ids, paths [m, d]) -> [m, V]` after ids + each path."""

    def begin(self, ids: np.ndarray) -> None: ...

    def q(self, ids: np.ndarray, paths: np.ndarray) -> np.ndarray: ...

    def observe(self, tree: Any, logits: Any, accepted: np.ndarray) -> None: ...


class RSDDrafter:
    """A `Drafter` (speculative.py) that draws RSD-C / RSD-S / SpecInfer trees from a draft distribution.

    `last_draft` holds the tree's draft distributions so that sampling verifies it by recursive rejection; greedy
    decoding verifies the same tree by argmax (exact either way).

    Args:
        source: the draft distribution (`NgramQ`, `ModelQ`, the self-draft).
        mode: 'c', 's' or 'specinfer'.
        width: K.
        depth: D.
        seed: seed of the tree draws.

    Example:
        >>> from tokensmith.decode.draft_ngram import NgramQ
        >>> drafter = RSDDrafter(NgramQ(vocab_size=8), mode="s", width=2, depth=2)
        >>> drafter.begin(np.array([1, 2, 1, 2]))
        >>> tree = drafter.propose(np.array([1, 2, 1, 2]), budget=8)
        >>> tree.num_draft, int(tree.tokens[0]), drafter.last_draft.q.shape
        (4, 2, (1, 5, 8))
    """

    def __init__(self, source: QSource, *, mode: str, width: int, depth: int, seed: int = 0) -> None:
        self.source, self.mode, self.width, self.depth = source, mode, width, depth
        self.rng = np.random.default_rng([seed, 7])
        self.last_draft: DraftSample | None = None

    def begin(self, ids: np.ndarray) -> None:
        """Start a prompt (the source resets its state).

        Args:
            ids: the prompt's ids.

        Example:
            >>> from tokensmith.decode.draft_ngram import NgramQ
            >>> RSDDrafter(NgramQ(vocab_size=4), mode="c", width=1, depth=1).begin(np.array([1]))
        """
        self.source.begin(ids)

    def propose(self, ids: np.ndarray, budget: int) -> DraftTree:
        """A random tree rooted at ids[-1]; just the root when `budget` is below the tree's size.

        Args:
            ids: the context so far.
            budget: draft nodes at most (near the end of the context window it shrinks).

        Example:
            >>> from tokensmith.decode.draft_ngram import NgramQ
            >>> RSDDrafter(NgramQ(vocab_size=4), mode="c", width=2, depth=2).propose(np.array([3]), 1).num_draft
            0
        """
        self.last_draft = None
        if tree_size(self.mode, width=self.width, depth=self.depth) > budget:
            return DraftTree.chain(int(ids[-1]), [])
        draft = build_tree(lambda paths: self.source.q(ids, paths[0])[None], n_trials=1, mode=self.mode,
                           width=self.width, depth=self.depth, rng=self.rng)
        valid = draft.valid[0].copy()
        for j in range(1, len(valid)):  # a node under an undrawable one goes with it
            valid[j] &= valid[draft.parents[0, j]]
        keep = np.flatnonzero(valid)
        where = np.full(draft.tokens.shape[1], -1)
        where[keep] = np.arange(len(keep))
        tokens = draft.tokens[0, keep].copy()
        tokens[0] = int(ids[-1])
        parents = np.where(draft.parents[0, keep] >= 0, where[draft.parents[0, keep]], -1)
        self.last_draft = DraftSample(tokens[None], parents[None], draft.q[:, keep], np.ones((1, len(keep)), bool),
                                      draft.without_replacement)
        return DraftTree(tokens, parents)

    def observe(self, tree: DraftTree, logits: Any, accepted: np.ndarray) -> None:
        """Pass the verified tree on to the source.

        Args:
            tree: the verified tree.
            logits: the target's logits at its nodes.
            accepted: the accepted node indices.

        Example:
            >>> from tokensmith.decode.draft_ngram import NgramQ
            >>> RSDDrafter(NgramQ(vocab_size=4), mode="c", width=1, depth=1).observe(None, None, np.array([0]))
        """
        self.source.observe(tree, logits, accepted)
