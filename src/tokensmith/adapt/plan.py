"""A transfer plan: how every row of the new embedding matrix is built from rows of the source matrix.

Every method (FVT, FOCUS, WECHSEL, OMP, the baselines) produces the same thing: for each target id, either a list
of (source id, weight) pairs, whose weighted sum of source rows is the new row, or nothing (the row is drawn at
random from the source rows' per-dimension mean and standard deviation). Keeping the plan apart from the weights
lets one plan build the input and the output embeddings of an untied model alike, and makes the counts
(copied / combined / random) a property of the plan.

Not handled here: choosing the weights (the method files) and writing the model (`output.py`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tokensmith.adapt.matching import Matching
from tokensmith.tokenizer import Tokenizer

COPIED, COMBINED, RANDOM = 0, 1, 2
KIND_NAMES = ("copied", "combined", "random")
_ENTRIES_PER_CHUNK = 1 << 16  # bounds the (entries, dim) temporary in `apply_plan`


@dataclass(frozen=True)
class Plan:
    """Rows in CSR form: row t = sum of weights[j] * source[ids[j]] for j in indptr[t]:indptr[t + 1].

    `kinds[t]` is COPIED (a matched token's source row), COMBINED (a weighted sum) or RANDOM (no entries).
    """

    indptr: np.ndarray  # (n_target + 1,) int64
    ids: np.ndarray  # (n_entries,) int64 source ids
    weights: np.ndarray  # (n_entries,) float64
    kinds: np.ndarray  # (n_target,) int8

    @property
    def n_target(self) -> int:
        """The number of target rows."""
        return int(self.kinds.shape[0])

    def counts(self) -> dict[str, int]:
        """How many target rows are copied, combined and random.

        Example:
            >>> plan_from_rows(3, {0: ([5], [1.0]), 1: ([1, 2], [0.5, 0.5])}, copied={0}).counts()
            {'copied': 1, 'combined': 1, 'random': 1}
        """
        return {name: int((self.kinds == k).sum()) for k, name in enumerate(KIND_NAMES)}

    def row(self, t: int) -> tuple[list[int], list[float]]:
        """The (source ids, weights) of target row `t` (empty for a random row).

        Args:
            t: a target id.

        Example:
            >>> plan_from_rows(2, {1: ([3, 4], [0.25, 0.75])}).row(1)
            ([3, 4], [0.25, 0.75])
        """
        a, b = int(self.indptr[t]), int(self.indptr[t + 1])
        return [int(i) for i in self.ids[a:b]], [float(w) for w in self.weights[a:b]]


def plan_from_rows(
    n_target: int, rows: Mapping[int, tuple[Sequence[int], Sequence[float]]], *, copied: Collection[int] = ()
) -> Plan:
    """Build a `Plan` from {target id: (source ids, weights)}; ids missing from `rows` are random rows.

    Rows of ids in `copied` count as copied (a matched token), other non-empty rows as combined (even a
    combination that happens to pick one source row), empty rows as random.

    Args:
        n_target: the number of target ids.
        rows: the rows that come from source rows.
        copied: the target ids whose row is a matched source row.

    Example:
        >>> plan = plan_from_rows(3, {2: ([7], [1.0])}, copied={2})
        >>> plan.indptr.tolist(), plan.ids.tolist(), plan.kinds.tolist()
        ([0, 0, 0, 1], [7], [2, 2, 0])
    """
    lengths = np.zeros(n_target, dtype=np.int64)
    kinds = np.full(n_target, RANDOM, dtype=np.int8)
    for t, (ids, weights) in rows.items():
        assert len(ids) == len(weights), f"row {t}: {len(ids)} ids but {len(weights)} weights"
        lengths[t] = len(ids)
        if len(ids):
            kinds[t] = COPIED if t in copied else COMBINED
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ids_out = np.zeros(int(indptr[-1]), dtype=np.int64)
    weights_out = np.zeros(int(indptr[-1]), dtype=np.float64)
    for t, (ids, weights) in rows.items():
        ids_out[indptr[t] : indptr[t + 1]] = ids
        weights_out[indptr[t] : indptr[t + 1]] = weights
    return Plan(indptr=indptr, ids=ids_out, weights=weights_out, kinds=kinds)


def random_rows(source: np.ndarray, n: int, *, seed: int) -> np.ndarray:
    """(n, dim) rows drawn from a normal with the source rows' per-dimension mean and standard deviation.

    Args:
        source: (n_source, dim) the source embedding matrix.
        n: how many rows to draw.
        seed: the generator's seed.

    Example:
        >>> src = np.array([[0.0, 10.0], [2.0, 10.0]])
        >>> random_rows(src, 1000, seed=0).mean(axis=0).round(1).tolist()  # the source mean, std 1 and 0
        [1.0, 10.0]
    """
    rng = np.random.default_rng(seed)
    mean, std = source.mean(axis=0), source.std(axis=0)
    return (rng.standard_normal((n, source.shape[1])) * std + mean).astype(source.dtype)


def apply_plan(plan: Plan, source: np.ndarray, *, seed: int) -> np.ndarray:
    """The (n_target, dim) matrix the plan builds from the (n_source, dim) `source` matrix.

    Args:
        plan: the transfer plan.
        source: the source embedding (or output) matrix.
        seed: the seed of the random rows.

    Example:
        >>> src = np.array([[1.0, 0.0], [0.0, 2.0]])
        >>> apply_plan(plan_from_rows(2, {0: ([1], [1.0]), 1: ([0, 1], [0.5, 0.5])}), src, seed=0).tolist()
        [[0.0, 2.0], [0.5, 1.0]]
    """
    out = np.zeros((plan.n_target, source.shape[1]), dtype=np.float64)
    rows_per_block = max(1, _ENTRIES_PER_CHUNK // max(1, int(np.diff(plan.indptr).max(initial=1))))
    for r0 in range(0, plan.n_target, rows_per_block):  # blocks of rows: entries of a row are contiguous (CSR)
        r1 = min(r0 + rows_per_block, plan.n_target)
        a, b = int(plan.indptr[r0]), int(plan.indptr[r1])
        rows = r0 + np.flatnonzero(np.diff(plan.indptr[r0 : r1 + 1]))  # the block's non-empty rows
        if len(rows):
            weighted = source[plan.ids[a:b]].astype(np.float64) * plan.weights[a:b, None]  # (entries, dim)
            out[rows] = np.add.reduceat(weighted, plan.indptr[rows] - a, axis=0)
    rand = np.flatnonzero(plan.kinds == RANDOM)
    if len(rand):
        out[rand] = random_rows(source, len(rand), seed=seed)
    return out.astype(source.dtype)


@dataclass(frozen=True)
class TransferInputs:
    """What every method is given: both tokenizers, the matching, and the seed.

    `source` is the source model's tokenizer and `target` the new one (special tokens already added); `matching`
    is `matching.match_tokens(source, target, roles)`.
    """

    source: Tokenizer
    target: Tokenizer
    matching: Matching
    seed: int = 0

    def matched_rows(self) -> dict[int, tuple[list[int], list[float]]]:
        """{target id: ([source id], [1.0])} for every matched target id: the rows all methods copy.

        Example:
            >>> import tokensmith
            >>> from tokensmith.adapt.matching import Matching
            >>> gpt2 = tokensmith.load("gpt2")
            >>> TransferInputs(gpt2, gpt2, Matching(copied={5: 5}, new=(), unmapped=())).matched_rows()
            {5: ([5], [1.0])}
        """
        return {t: ([s], [1.0]) for t, s in self.matching.copied.items()}
