"""DySpec: a draft tree grown best-first by path probability, its size chosen per step from the forward-cost curve.

Xiong et al., 2024, "DySpec: Faster Speculative Decoding with Dynamic Token Tree Structure" (arXiv 2410.11744):
- section 3.2: the draft probability of a token correlates with its acceptance rate, so the expected number of
  accepted tokens of a tree is the sum over its nodes of the product of draft probabilities along the path, and the
  tree that maximizes it for n nodes is grown greedily: always expand the frontier node of highest path score (a
  max-heap; a child never scores above its parent, so every prefix of the pop order is a tree);
- section 3.3: the tree size is chosen dynamically; here by maximizing expected tokens per unit of time,
  (1 + sum of the top-B scores) / c(B + 1), where c(n) = t(n)/t(1) is the measured cost of scoring n tokens in one
  pass (`benchmarks/bench_decode_forward_cost.py`, or `measure_cost_points` on the model in use).

Deviations. The draft distribution is not a draft model's: it is the target's own top-k from the Token Recycling
matrix (`recycling.py`, which keeps the probability next to each id), so drafting costs no forward pass. Those
probabilities were computed in another context, so each one is calibrated by the acceptance observed at its child
rank: w = min(1, p * (hits_r + b) / (sum of p at rank r + b)), running counts with a weak prior b = PRIOR. Under
greedy verification the token that follows an accepted node is the model's argmax there, whatever the tree held, so
at every accepted node (and every prompt position) each rank r of its matrix row is counted, drafted or not: a hit
when it equals that argmax. The counts therefore keep learning on steps where DySpec chose to draft nothing. Not
handled: calibration to a sampled target (it counts argmax hits; sampling through the trees stays exact,
`sampling.py`).
"""

from __future__ import annotations

import heapq
import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tokensmith.decode.recycling import TokenRecycling
from tokensmith.decode.trees import DraftTree
from tokensmith.errors import GenerationError

# c(n) when no curve is given: affine, a pass of n tokens costs 1 + (n - 1) / 8 single-token passes. A middle ground
# between the 2-core CPU of the committed forward-cost results (c(8) = 2.2) and a GPU (c(64) close to 1); give a
# measured curve for the backend in use (`tokensmith generate` measures one when --cost-curve is not given).
DEFAULT_COST = {1: 1.0, 2: 1.125}
PRIOR = 0.1  # pseudo-counts of the rank calibration: small, so ranks whose p is tiny but often right learn fast
MAX_NODES = 64  # the largest tree DySpec grows (the budget passed to propose caps it further)


def cost_curve(points: Mapping[int, float], *, max_tokens: int) -> np.ndarray:
    """c[n] for n = 0..max_tokens from measured points {n: t(n)/t(1)}: linear between points, the last slope beyond.

    Args:
        points: tokens per pass -> cost relative to one token; needs n = 1 or at least two points.
        max_tokens: the largest n to fill in.

    Example:
        >>> cost_curve({1: 1.0, 3: 2.0}, max_tokens=5).tolist()
        [0.0, 1.0, 1.5, 2.0, 2.5, 3.0]
    """
    ns = np.asarray(sorted(points), dtype=np.float64)
    cs = np.asarray([points[int(n)] for n in ns], dtype=np.float64)
    if len(ns) == 0 or (len(ns) == 1 and ns[0] != 1) or np.any(cs <= 0):
        raise GenerationError(
            f"a cost curve needs positive costs at n = 1 or at two sizes at least (got {dict(points)}); "
            "run benchmarks/bench_decode_forward_cost.py or leave the curve out to measure one."
        )
    n = np.arange(max_tokens + 1, dtype=np.float64)
    out = np.interp(n, ns, cs)
    if len(ns) > 1:
        slope = (cs[-1] - cs[-2]) / (ns[-1] - ns[-2])
        out = np.where(n > ns[-1], cs[-1] + slope * (n - ns[-1]), out)
    out[0] = 0.0  # no pass at all; never used (the root is always scored)
    return out


def load_cost_points(path: str | Path, *, backend: str | None = None, threads: int = 1) -> dict[int, float]:
    """{n: t(n)/t(1)} from a forward-cost results JSON (`benchmarks/results/decode_forward_cost.json`).

    A file of several backends (`bench_decode_forward_cost.py --backend torch,llamacpp`, rows carrying "backend" and
    "threads") gives the rows of `backend` at `threads`.

    Args:
        path: the results file (rows of "n" and "ratio").
        backend: the backend whose rows to take ("torch", "llamacpp", "llamacpp:q4_0"); needed when the file holds
            rows of several.
        threads: the thread count whose rows to take, where rows carry one.

    Example:
        >>> import tempfile
        >>> path = tempfile.mkdtemp() + "/cost.json"
        >>> _ = Path(path).write_text('{"rows": [{"n": 1, "ratio": 1.0}, {"n": 4, "ratio": 1.6}]}')
        >>> load_cost_points(path)
        {1: 1.0, 4: 1.6}
    """
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))["rows"]
        backends = sorted({str(r["backend"]) for r in rows if "backend" in r})
        if backends and backend is None and len(backends) > 1:
            raise GenerationError(f"{path} holds the cost curves of several backends ({', '.join(backends)}); "
                                  "name the one in use (backend=..., or --backend on the command line).")
        if backends and backend is not None:
            rows = [r for r in rows if str(r.get("backend")) == backend]
        rows = [r for r in rows if int(r.get("threads", threads)) == threads]
        points = {int(r["n"]): float(r["ratio"]) for r in rows}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise GenerationError(
            f"cannot read a cost curve from {path} ({e}); give the JSON that bench_decode_forward_cost.py writes "
            '(rows of {"n": ..., "ratio": ...}).'
        ) from e
    if not points:
        raise GenerationError(f"{path} has no cost rows for backend {backend or '(any)'} at {threads} thread(s) "
                              f"(it has: {', '.join(backends) or 'rows without a backend'}); measure that backend "
                              "with bench_decode_forward_cost.py --backend, or give another file.")
    return points


def measure_cost_points(
    model: Any,
    *,
    sizes: Sequence[int] = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64),
    context: int = 128,
    reps: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[int, float]:
    """A short {n: t(n)/t(1)} measured on `model` as it runs here (median of `reps` passes per size, warm cache).

    Args:
        model: a transformers causal LM.
        sizes: tokens per pass to time (must include 1).
        context: tokens in the warm cache.
        reps: timed passes per size (sizes interleaved, after one warm-up round).
        clock: the timer; `time.process_time` counts the work of a one-thread CPU run, not time spent descheduled.

    Example:
        >>> points = measure_cost_points(tiny_causal_lm(), sizes=(1, 2), context=8, reps=1)
        >>> sorted(points), points[1]
        ([1, 2], 1.0)
    """
    from transformers import DynamicCache

    from tokensmith.decode.speculative import tree_forward

    cache = DynamicCache(config=model.config)
    tree_forward(model, cache, DraftTree.chain(1, [1] * (context - 1)), prefix_len=0)
    times: dict[int, list[float]] = {n: [] for n in sizes}
    for _ in range(reps + 1):  # the first round warms up and is dropped
        for n in sizes:
            start = clock()
            logits = tree_forward(model, cache, DraftTree.chain(1, [1] * (n - 1)), prefix_len=context)
            float(logits[-1, 0])  # waits for an asynchronous device
            times[n].append(clock() - start)
            cache.crop(-n)
    base = float(np.median(times[1][1:]))
    return {n: float(np.median(t[1:])) / base for n, t in times.items()}


def best_budget(scores: np.ndarray, cost: np.ndarray) -> int:
    """B in 0..len(scores) maximizing (1 + sum of the first B scores) / cost[B + 1] (scores sorted, highest first).

    Args:
        scores: float [n], node scores in pop order (non-increasing).
        cost: c[m] for m = 0..n + 1 at least.

    Example:
        >>> best_budget(np.array([0.9, 0.5, 0.1]), np.array([0.0, 1.0, 1.2, 1.5, 2.0]))
        2
    """
    gain = 1.0 + np.concatenate([[0.0], np.cumsum(scores)])  # [n + 1]: expected tokens per step with B nodes
    rate = gain / cost[1 : len(scores) + 2]
    return int(np.argmax(rate))  # ties: the smaller tree


def grow_tree(
    root: int, matrix: np.ndarray, probs: np.ndarray, *, weight: np.ndarray, max_nodes: int
) -> tuple[DraftTree, np.ndarray, np.ndarray, np.ndarray]:
    """The best-first tree: pop the frontier node of highest path score, push its k children from the matrix.

    A child of rank r holding matrix[t, r] scores parent score * min(1, probs[t, r] * weight[r]); unset ids (-1)
    are skipped. Ties pop in push order, so a parent always comes before its children.

    Args:
        root: the last committed token.
        matrix: int64 [vocab, k] next-token ids (-1 unset).
        probs: float [vocab, k] their probabilities.
        weight: float [k], the calibration factor per child rank.
        max_nodes: draft nodes at most.

    Returns:
        (tree in pop order, scores [n + 1], ranks [n + 1], probs [n + 1]); index 0 is the root (score 1, rank -1).

    Example:
        >>> m = np.array([[1, 2], [2, 0], [0, 1]])
        >>> p = np.array([[0.6, 0.3], [0.9, 0.1], [0.5, 0.5]])
        >>> tree, scores, _, _ = grow_tree(0, m, p, weight=np.ones(2), max_nodes=3)
        >>> tree.tokens.tolist(), tree.parents.tolist(), scores.round(2).tolist()
        ([0, 1, 2, 2], [-1, 0, 1, 0], [1.0, 0.6, 0.54, 0.3])
    """
    tokens, parents, scores, ranks, ps = [root], [-1], [1.0], [-1], [1.0]
    heap: list[tuple[float, int, int, int, float]] = []  # (-score, push order, parent index, rank, p)
    pushed = 0

    def expand(node: int) -> None:
        nonlocal pushed
        row = matrix[tokens[node]]
        for rank in range(len(row)):
            if row[rank] >= 0:
                p = float(probs[tokens[node], rank])
                heapq.heappush(heap, (-scores[node] * min(1.0, p * float(weight[rank])), pushed, node, rank, p))
                pushed += 1

    expand(0)
    while heap and len(tokens) - 1 < max_nodes:
        neg, _, parent, rank, p = heapq.heappop(heap)
        tokens.append(int(matrix[tokens[parent], rank]))
        parents.append(parent)
        scores.append(-neg)
        ranks.append(rank)
        ps.append(p)
        if len(tokens) - 1 < max_nodes:
            expand(len(tokens) - 1)
    tree = DraftTree.from_lists(tokens, parents)
    return tree, np.asarray(scores), np.asarray(ranks, dtype=np.int64), np.asarray(ps)


class DySpec:
    """The DySpec drafter (a `Drafter`) over a Token Recycling matrix.

    Args:
        vocab_size: the model's vocabulary.
        cost: measured points {n: t(n)/t(1)} (`load_cost_points`, `measure_cost_points`); DEFAULT_COST when None.
        k: candidates per token in the matrix.
        max_nodes: draft nodes grown at most per step.
        hot: keep the matrix (and the calibration counts) across prompts.
        matrix: a starting recycling matrix [vocab_size, k].

    Example:
        >>> d = DySpec(vocab_size=4, k=2, cost={1: 1.0, 2: 1.0, 3: 3.0})
        >>> d.recycling.matrix[3], d.recycling.probs[3] = [1, 2], [0.9, 0.05]
        >>> d.propose(np.array([3]), budget=8).tokens.tolist()  # one node pays for itself, two do not
        [3, 1]
    """

    def __init__(
        self,
        *,
        vocab_size: int,
        cost: Mapping[int, float] | None = None,
        k: int = 8,
        max_nodes: int = MAX_NODES,
        hot: bool = True,
        matrix: np.ndarray | None = None,
    ) -> None:
        if max_nodes < 1:
            raise GenerationError(f"DySpec needs max_nodes >= 1 (got {max_nodes}); the default is {MAX_NODES}.")
        self.cost = cost_curve(DEFAULT_COST if cost is None else cost, max_tokens=max_nodes + 1)  # [max_nodes + 2]
        self.max_nodes, self.hot = max_nodes, hot
        self.recycling = TokenRecycling(vocab_size=vocab_size, k=k, tree=1, hot=hot, matrix=matrix)
        self.accepted = np.zeros(k)  # per rank: matrix candidates equal to the model's argmax at an accepted node
        self.offered = np.zeros(k)  # per rank: the sum of those candidates' draft probabilities
        self.budgets: list[int] = []  # the B chosen at each step (for statistics)
        self.expected = 0.0  # sum over steps of the chosen trees' expected accepted drafts (sum of their scores)
        self.drafts_accepted = 0  # sum over steps of the drafts actually accepted (the bonus token excluded)
        self._proposed: tuple[DraftTree, float] | None = None

    @property
    def weight(self) -> np.ndarray:
        """float [k]: observed acceptance over predicted probability per child rank (1 with no observations)."""
        return (self.accepted + PRIOR) / (self.offered + PRIOR)

    def begin(self, ids: np.ndarray) -> None:
        """A cold start empties the matrix and the calibration counts.

        Args:
            ids: the prompt's ids.

        Example:
            >>> DySpec(vocab_size=4, k=2).begin(np.array([1]))
        """
        self.recycling.begin(ids)
        if not self.hot:
            self.accepted[:] = 0.0
            self.offered[:] = 0.0

    def propose(self, ids: np.ndarray, budget: int) -> DraftTree:
        """Grow best-first to min(budget, max_nodes) nodes, then keep the B best that maximize tokens per cost.

        Args:
            ids: the context; its last token is the root.
            budget: draft nodes at most.

        Example:
            >>> DySpec(vocab_size=4, k=2).propose(np.array([3]), budget=8).num_draft  # an empty matrix
            0
        """
        grown, scores, _, _ = grow_tree(int(ids[-1]), self.recycling.matrix, self.recycling.probs,
                                        weight=self.weight, max_nodes=min(budget, self.max_nodes))
        b = best_budget(scores[1:], self.cost)
        self.budgets.append(b)
        tree = DraftTree(grown.tokens[: b + 1], grown.parents[: b + 1])  # a prefix of the pop order is a tree
        self._proposed = (tree, float(scores[1 : b + 1].sum()))
        return tree

    def observe(self, tree: DraftTree, logits: Any, accepted: np.ndarray) -> None:
        """Count each rank's hits at the accepted nodes (before their rows change), then recycle every node's top-k.

        Args:
            tree: the verified tree.
            logits: torch tensor [tree.size, vocab], the model's logits at its nodes.
            accepted: the accepted node indices, root first.

        Example:
            >>> import torch
            >>> d = DySpec(vocab_size=4, k=2)
            >>> d.observe(DraftTree.chain(0, []), torch.tensor([[0.0, 1, 2, 3]]), np.array([0]))
            >>> d.recycling.matrix[0].tolist()
            [3, 2]
        """
        if self._proposed is not None and self._proposed[0] is tree:  # a verified step (not the prefill)
            self.expected += self._proposed[1]
            self.drafts_accepted += len(accepted) - 1
        toks = tree.tokens[accepted]
        rows, ps = self.recycling.matrix[toks], self.recycling.probs[toks]  # [m, k]: as they were when proposing
        nxt = logits[accepted].argmax(-1).numpy()  # [m]: the token greedy commits after each accepted node
        valid = rows >= 0
        self.offered += np.where(valid, ps, 0.0).sum(axis=0)
        self.accepted += (valid & (rows == nxt[:, None])).sum(axis=0)
        self.recycling.observe(tree, logits, accepted)
