"""Sparse-combination transplant by orthogonal matching pursuit ("Training-Free Tokenizer Transplantation via
Orthogonal Matching Pursuit", Goddard & Fernandes Neto, 2025, §3).

When a donor model already uses the target tokenizer, each target token the source does not share is written, in
the *donor's* embedding space, as a k-sparse combination of the shared tokens' donor rows (OMP, Pati et al. 1993:
pick the atom most correlated with the residual, refit all picked atoms by least squares, repeat k times). The
same coefficients, applied to the shared tokens' rows in the *source* model, give the new row (§3.2). Shared
tokens (equal exact bytes) are copied from the source.

`omp` below is a small batched numpy OMP (scikit-learn's `orthogonal_mp` solves the same problem one target at a
time). `candidates` optionally limits each target's atoms to the shared tokens most similar to it before OMP runs
(a speed-up for 262k-token vocabularies on a CPU; None searches all shared tokens, as the paper does).

`ridge` adds a small Tikhonov term to each least-squares refit (a share of the picked atoms' mean squared norm).
Plain OMP (ridge 0) is exact but unbounded: among near-collinear atoms (Gemma-3 has many near-duplicate rows) it
fits the donor row with large cancelling coefficients, which the *source* space does not cancel. Measured on
SmolLM2 → Gemma-3 (1,000 new tokens, 64 candidates): ridge 0 leaves 1% of new rows at 10-20x the source's largest
row norm; ridge 0.01 bounds them below it with the same donor reconstruction (median cosine 0.645 against 0.648).
"""

from __future__ import annotations

import numpy as np

from tokensmith.adapt.plan import Plan, TransferInputs, plan_from_rows
from tokensmith.errors import ModelError
from tokensmith.tokenizer import Tokenizer

_BATCH = 256


def omp(y: np.ndarray, atoms: np.ndarray, *, k: int, ridge: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """k-sparse codes of each row of `y` over `atoms`: (indices (B, k), coefficients (B, k)).

    `atoms` is (n, d) shared by all rows, or (B, n, d) per row. A row already reconstructed exactly gets
    coefficient 0 on its remaining picks (with ridge 0).

    Args:
        y: (B, d) the vectors to approximate.
        atoms: (n, d) or (B, n, d) the dictionary.
        k: atoms per row (at most n).
        ridge: Tikhonov weight of each refit, as a share of the picked atoms' mean squared norm (0: plain OMP).

    Example:
        >>> atoms = np.eye(4)[:, :3] + np.array([[0, 0, 0], [0.1, 0, 0], [0, 0.2, 0], [0, 0, 0.3]])  # 4 atoms in 3-d
        >>> idx, coef = omp(2 * atoms[1:2] - atoms[3:4], atoms, k=2)
        >>> sorted(zip(idx[0].tolist(), coef[0].round(9).tolist()))
        [(1, 2.0), (3, -1.0)]
        >>> twins = np.array([[1.0, 0.0], [1.0, 1e-4]])  # near-collinear: plain OMP cancels huge coefficients
        >>> float(np.abs(omp(np.array([[1.0, 1.0]]), twins, k=2)[1]).max()) > 1000
        True
        >>> float(np.abs(omp(np.array([[1.0, 1.0]]), twins, k=2, ridge=0.01)[1]).max()) < 1
        True
    """
    per_row = atoms if atoms.ndim == 3 else np.broadcast_to(atoms, (len(y), *atoms.shape))
    k = min(k, per_row.shape[1])
    rows = np.arange(len(y))
    idx = np.zeros((len(y), 0), dtype=np.int64)
    coef = np.zeros((len(y), 0))
    residual = y.astype(np.float64)
    norms = np.linalg.norm(per_row, axis=2)  # (B, n): correlations are compared per unit of atom length
    norms = np.where(norms == 0, np.inf, norms)
    for _ in range(k):
        corr = np.abs(np.einsum("bd,bnd->bn", residual, per_row)) / norms  # (B, n)
        corr[rows[:, None], idx] = -1.0  # never pick an atom twice
        idx = np.concatenate([idx, corr.argmax(axis=1)[:, None]], axis=1)
        picked = per_row[rows[:, None], idx].astype(np.float64)  # (B, s, d)
        gram = picked @ picked.transpose(0, 2, 1)  # (B, s, s)
        coef = _refit(gram, picked @ y[:, :, None].astype(np.float64), ridge)  # (B, s)
        residual = y - np.einsum("bs,bsd->bd", coef, picked)
    return idx, coef


def _refit(gram: np.ndarray, rhs: np.ndarray, ridge: float) -> np.ndarray:
    """Least squares from the normal equations (B, s, s) @ c = (B, s, 1); pinv keeps exact duplicates solvable."""
    if ridge == 0:
        return (np.linalg.pinv(gram) @ rhs)[:, :, 0]
    s = gram.shape[1]
    scale = np.trace(gram, axis1=1, axis2=2)[:, None, None] / s  # (B, 1, 1) mean squared atom norm
    return np.linalg.solve(gram + ridge * scale * np.eye(s), rhs)[:, :, 0]


def check_donor(donor: Tokenizer, target: Tokenizer) -> None:
    """Refuse a donor whose tokenizer is not the target's (the same exact bytes for every donor id).

    Args:
        donor: the donor model's tokenizer.
        target: the target tokenizer (it may have special tokens appended after the donor's ids).

    Example:
        >>> import tokensmith
        >>> check_donor(tokensmith.load("gpt2"), tokensmith.load("gpt2"))  # the same: fine
    """
    n = donor.vocab_size
    if n > target.vocab_size or donor.token_table != target.token_table[:n]:
        raise ModelError(
            f"the donor's tokenizer {donor.name} ({n} ids) is not the target tokenizer {target.name} "
            f"({target.vocab_size} ids): OMP needs a donor model trained with the target tokenizer (for gemma3's "
            "tokenizer, --donor gemma3). Pass such a donor, or choose another --method."
        )


def _atoms(y: np.ndarray, anchors: np.ndarray, candidates: int | None) -> tuple[np.ndarray, np.ndarray | None]:
    """The atoms of each row: all anchors, or (B, candidates, d) the most similar ones and their (B, c) indices."""
    if candidates is None or candidates >= len(anchors):
        return anchors, None
    sims = np.abs(y @ anchors.T)  # (B, n_anchors)
    top = np.argpartition(-sims, candidates - 1, axis=1)[:, :candidates]
    return anchors[top], top


def omp_plan(
    inputs: TransferInputs, *, donor_tokenizer: Tokenizer, donor_matrix: np.ndarray, k: int = 8,
    candidates: int | None = None, ridge: float = 0.01,
) -> Plan:
    """The OMP plan: shared tokens copied, the others as sparse combinations found in the donor's space.

    Args:
        inputs: the tokenizers and their matching.
        donor_tokenizer: the donor model's tokenizer (must be the target's).
        donor_matrix: (n_donor_rows, d_donor) the donor's input embeddings.
        k: atoms per new token.
        candidates: shared tokens searched per new token (the most similar ones); None searches all.
        ridge: Tikhonov weight of OMP's refits (see the module docstring); 0 is the paper's plain OMP.

    Example:
        >>> import tokensmith
        >>> from tokensmith.adapt.matching import Matching
        >>> gpt2 = tokensmith.load("gpt2")
        >>> donor = np.zeros((gpt2.vocab_size, 2)); donor[1], donor[2], donor[3] = [1, 0], [0, 1], [3, -2]
        >>> inputs = TransferInputs(gpt2, gpt2, Matching(copied={1: 11, 2: 12}, new=(3,), unmapped=()))
        >>> ids, coef = omp_plan(inputs, donor_tokenizer=gpt2, donor_matrix=donor, k=2, ridge=0).row(3)
        >>> sorted(zip(ids, [round(c, 9) for c in coef]))  # 3 * row 11 - 2 * row 12 of the source
        [(11, 3.0), (12, -2.0)]
    """
    check_donor(donor_tokenizer, inputs.target)
    specials = inputs.target.special_ids
    rows = inputs.matched_rows()
    shared = np.array(sorted(t for t in inputs.matching.copied if t not in specials))
    todo = [t for t in (*inputs.matching.new, *inputs.matching.unmapped) if t < len(donor_matrix)]
    if len(shared) == 0 or not todo:
        return plan_from_rows(inputs.target.vocab_size, rows, copied=inputs.matching.copied)
    anchors = donor_matrix[shared].astype(np.float32)  # (n_shared, d_donor)
    source_of = np.array([inputs.matching.copied[int(t)] for t in shared])
    for a in range(0, len(todo), _BATCH):
        batch = todo[a : a + _BATCH]
        y = donor_matrix[batch].astype(np.float32)
        atoms, top = _atoms(y, anchors, candidates)
        idx, coef = omp(y, atoms, k=k, ridge=ridge)
        chosen = idx if top is None else np.take_along_axis(top, idx, axis=1)  # (B, k) into `shared`
        for t, pick, c in zip(batch, chosen, coef):
            keep = np.abs(c) > 1e-12
            rows[t] = (source_of[pick[keep]].tolist(), c[keep].tolist())
    return plan_from_rows(inputs.target.vocab_size, rows, copied=inputs.matching.copied)
