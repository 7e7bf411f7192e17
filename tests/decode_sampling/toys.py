"""Toy targets and drafts for the exactness tests: seeded Dirichlet next-token tables (vocab 6-10), and a brute-force
reference distribution of the first L emitted tokens that shares no code with the samplers.

A `DirichletLM` answers like a model: `rows(contexts)` gives p(. | context) for token tuples; the draft `q_fn`
and the target rows the samplers see go through it. Contexts are hashed into the seed, so every context has its
own fixed distribution (like `tokenlm.TableLM`, with Dirichlet rows so that small probabilities occur).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

import numpy as np

from tokensmith.decode.warp import Warp


class DirichletLM:
    """p(. | context) ~ Dirichlet(alpha), fixed per (seed, context); float64 rows, memoized."""

    def __init__(self, *, vocab: int, seed: int, alpha: float = 0.6) -> None:
        self.vocab, self.seed, self.alpha = vocab, seed, alpha
        self._rows: dict[tuple[int, ...], np.ndarray] = {}

    def row(self, context: tuple[int, ...]) -> np.ndarray:
        if context not in self._rows:
            rng = np.random.default_rng([self.seed, len(context), *context])
            self._rows[context] = rng.dirichlet(np.full(self.vocab, self.alpha))
        return self._rows[context]

    def rows(self, base: tuple[int, ...], paths: np.ndarray) -> np.ndarray:
        """[..., V] rows after base + each path; paths int [..., d]."""
        if paths.shape[-1] == 0:
            return np.broadcast_to(self.row(base), (*paths.shape[:-1], self.vocab)).copy()
        flat = paths.reshape(-1, paths.shape[-1])
        uniq, inverse = np.unique(flat, axis=0, return_inverse=True)
        table = np.stack([self.row(base + tuple(int(t) for t in u)) for u in uniq])
        return table[inverse.reshape(-1)].reshape(*paths.shape[:-1], self.vocab)


def exact_joint(target: DirichletLM, prefix: tuple[int, ...], warp: Warp, length: int) -> np.ndarray:
    """Brute force: P(first `length` tokens = s) for every s in V^length, flattened base V (first token major)."""
    out = np.zeros(target.vocab**length)
    for k, seq in enumerate(product(range(target.vocab), repeat=length)):
        prob = 1.0
        for i, tok in enumerate(seq):
            prob *= warp.probs(np.log(target.row(prefix + seq[:i])))[tok]
            if prob == 0.0:
                break
        out[k] = prob
    return out


def node_paths(tokens: np.ndarray, parents: np.ndarray) -> list[np.ndarray]:
    """Per node j, int [N, depth_j] its tokens after the root (every trial's node j has the same depth)."""
    paths = [np.zeros((tokens.shape[0], 0), dtype=np.int64)]
    for j in range(1, tokens.shape[1]):
        up = parents[:, j]
        candidates = np.unique(up)
        depths = {paths[int(u)].shape[1] for u in candidates}
        assert len(depths) == 1, "node j sits at one depth in every trial"
        parent_path = np.zeros((tokens.shape[0], depths.pop()), dtype=np.int64)
        for u in candidates:
            parent_path[up == u] = paths[int(u)][up == u]
        paths.append(np.concatenate([parent_path, tokens[:, j : j + 1]], axis=1))
    return paths


def target_rows(target: DirichletLM, base: tuple[int, ...], tokens: np.ndarray, parents: np.ndarray,
                warp: Warp) -> np.ndarray:
    """[N, n, V] warped target rows after each node of N trees."""
    paths = node_paths(tokens, parents)
    return np.stack([warp.probs(np.log(target.rows(base, pth[:, None, :])[:, 0])) for pth in paths], axis=1)


Step = Callable[[tuple[int, ...], int, np.random.Generator], tuple[np.ndarray, object]]


def run_trials(step: Step, *, prefix: tuple[int, ...], vocab: int, length: int, n_trials: int,
               seed: int) -> np.ndarray:
    """Counts [V^length] of the first `length` emitted tokens over n_trials runs of the decoding loop.

    `step(context, m, rng)` runs one speculative step for m trials that share `context` and returns
    (emitted int [m, length] padded with -1, unused); trials are grouped by what they emitted so far.
    """
    rng = np.random.default_rng(seed)
    out = np.full((n_trials, length), -1, dtype=np.int64)
    done = np.zeros(n_trials, dtype=np.int64)
    while (done < length).any():
        todo = np.flatnonzero(done < length)
        keys = out[todo]
        for key in np.unique(keys, axis=0):
            group = todo[(keys == key).all(axis=1)]
            have = int(done[group[0]])
            emitted, _ = step(prefix + tuple(int(t) for t in key[:have]), len(group), rng)
            room = length - have
            take = np.minimum((emitted >= 0).sum(axis=1), room)
            for width in range(1, min(room, emitted.shape[1]) + 1):
                rows = group[take >= width]
                out[rows, have + width - 1] = emitted[take >= width, width - 1]
            done[group] += take
    codes = (out * vocab ** np.arange(length - 1, -1, -1)).sum(axis=1)
    return np.bincount(codes, minlength=vocab**length)


def chi_square_p(counts: np.ndarray, probs: np.ndarray) -> float:
    """Pearson chi-square p-value of counts against probs; cells expected < 5 are pooled into one."""
    from scipy.stats import chisquare

    expected = probs / probs.sum() * counts.sum()
    assert counts[expected == 0].sum() == 0, "a sequence of probability 0 was emitted"
    small = expected < 5
    obs = np.append(counts[~small], counts[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    keep = exp > 0
    return float(chisquare(obs[keep], exp[keep]).pvalue)
