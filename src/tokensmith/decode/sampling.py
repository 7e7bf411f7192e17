"""Exact sampling through deterministic draft trees (prompt lookup, Token Recycling), batched over trials.

A deterministic drafter's tree says nothing about probabilities, so the exact rule is plain ancestral sampling
that uses the tree as a cache of already-scored continuations: at the root, draw x from the warped target p(.|root);
if x is a child of the node, move to that child (its row of p is already computed in the same forward pass) and draw
again; otherwise emit x and stop. Every emitted token is drawn from the target's own warped distribution given
everything before it, so the output has exactly the distribution of token-by-token sampling (the tree only decides
how many draws one forward pass pays for). This is the rule of lossless tree sampling in e.g. Medusa's "typical
acceptance" baseline and of SpecInfer (Miao et al., 2024, section 4.3) when the draft distribution is a point mass.

Everything here works on a batch of N independent trials (arrays with a leading N axis) so that exactness tests
can run 10^5 trials in numpy; generation uses N = 1. Trees in a batch may differ per trial but share their node
count n; a node's row of `p` is the warped target distribution of the token that follows it.

Not handled: batched generation (N > 1 contexts through a model); trees whose siblings repeat a token are fine
here (the first matching child is taken) but are built only by SpecInfer's sampler (`rsd.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["TreeSample", "sample_categorical", "sample_tree"]


@dataclass(frozen=True)
class TreeSample:
    """The outcome of verifying one tree per trial.

    Attributes:
        path: int64 [N, depth + 1], the accepted node indices (root first), padded with -1.
        accepted: int64 [N], accepted draft nodes (the root not counted).
        token: int64 [N], the token drawn after the last accepted node (the bonus or the correction).

    Example:
        >>> s = TreeSample(np.array([[0, 2, -1]]), np.array([1]), np.array([7]))
        >>> s.emitted(np.array([[5, 6, 9]]), 0)
        [9, 7]
    """

    path: np.ndarray
    accepted: np.ndarray
    token: np.ndarray

    def emitted(self, tokens: np.ndarray, trial: int) -> list[int]:
        """The tokens trial `trial` adds to the text: its accepted draft tokens, then `token`.

        Args:
            tokens: int64 [N, n] (or [n]) the trees' tokens.
            trial: which trial.

        Example:
            >>> TreeSample(np.array([[0, -1]]), np.array([0]), np.array([3])).emitted(np.array([4, 8]), 0)
            [3]
        """
        row = tokens[trial] if tokens.ndim == 2 else tokens
        nodes = self.path[trial, 1 : 1 + int(self.accepted[trial])]
        return [*row[nodes].tolist(), int(self.token[trial])]


def sample_categorical(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row of `p` by the inverse CDF.

    Args:
        p: float [N, V], rows summing to 1.
        rng: the random source.

    Example:
        >>> sample_categorical(np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), np.random.default_rng(0)).tolist()
        [1, 0]
    """
    cdf = np.cumsum(p, axis=-1)  # [N, V]
    u = rng.random(len(p)) * cdf[:, -1]  # scaled by the row's total: rounding cannot push u past the last bin
    x = (cdf <= u[:, None]).sum(axis=-1)
    return np.minimum(x, p.shape[-1] - 1).astype(np.int64)


def _batch(tokens: np.ndarray, parents: np.ndarray, n_trials: int) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast one shared tree [n] to [N, n]."""
    tokens = np.broadcast_to(np.asarray(tokens, dtype=np.int64), (n_trials, np.shape(tokens)[-1]))
    parents = np.broadcast_to(np.asarray(parents, dtype=np.int64), tokens.shape)
    return tokens, parents


def sample_tree(tokens: np.ndarray, parents: np.ndarray, p: np.ndarray, rng: np.random.Generator) -> TreeSample:
    """Exact sampling through deterministic trees: descend while the target's draw is a child.

    Args:
        tokens: int64 [N, n] or [n] (one tree for all trials), tokens[..., 0] the root.
        parents: int64, same shape, parents[..., 0] == -1.
        p: float [N, n, V], the warped target distribution after each node.
        rng: the random source.

    Example:
        >>> p = np.array([[[0.0, 1.0], [1.0, 0.0]]])  # the root surely says 1, node 1 surely says 0
        >>> s = sample_tree(np.array([0, 1]), np.array([-1, 0]), p, np.random.default_rng(0))
        >>> s.path.tolist(), s.accepted.tolist(), s.token.tolist()
        ([[0, 1]], [1], [0])
    """
    n_trials, n = p.shape[0], p.shape[1]
    tokens, parents = _batch(tokens, parents, n_trials)
    rows = np.arange(n_trials)
    path = np.full((n_trials, n), -1, dtype=np.int64)
    path[:, 0] = 0
    cur = np.zeros(n_trials, dtype=np.int64)
    accepted = np.zeros(n_trials, dtype=np.int64)
    token = np.zeros(n_trials, dtype=np.int64)
    live = np.ones(n_trials, dtype=bool)
    while live.any():
        idx = rows[live]
        x = sample_categorical(p[idx, cur[idx]], rng)  # [m]
        match = (parents[idx] == cur[idx, None]) & (tokens[idx] == x[:, None])  # [m, n]
        hit = match.any(axis=1)
        stop = idx[~hit]
        token[stop] = x[~hit]
        go = idx[hit]
        cur[go] = match[hit].argmax(axis=1)
        accepted[go] += 1
        path[go, accepted[go]] = cur[go]
        live[stop] = False
    depth = int(accepted.max(initial=0)) + 1
    return TreeSample(path[:, :depth], accepted, token)
