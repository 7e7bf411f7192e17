"""The three combination methods on synthetic data: FOCUS's sparsemax, WECHSEL's alignment, OMP's sparse codes."""

from __future__ import annotations

import numpy as np
import pytest

from tokensmith.adapt.focus import sparsemax
from tokensmith.adapt.omp import omp
from tokensmith.adapt.wechsel import procrustes_rotation


def projection_onto_simplex(z: np.ndarray) -> np.ndarray:
    """The slow reference: bisection on tau for sum(max(z - tau, 0)) = 1 (no sorting, no shared code)."""
    lo, hi = z.min() - 1.0, z.max()
    for _ in range(200):
        tau = (lo + hi) / 2
        lo, hi = (tau, hi) if np.maximum(z - tau, 0).sum() > 1 else (lo, tau)
    return np.maximum(z - (lo + hi) / 2, 0)


def test_sparsemax_weights_sum_to_one_are_sparse_and_are_the_projection_onto_the_simplex():
    z = np.random.default_rng(0).normal(size=(50, 200)) * 3  # similarities of 50 new tokens to 200 overlapping
    p = sparsemax(z)
    assert np.allclose(p.sum(axis=1), 1.0) and (p >= 0).all()
    assert (p > 0).sum(axis=1).max() < 20  # a few neighbours each, not 200
    assert np.allclose(p, np.stack([projection_onto_simplex(row) for row in z]), atol=1e-9)


def test_procrustes_recovers_a_known_rotation_of_synthetic_vectors():
    rng = np.random.default_rng(1)
    rotation, _ = np.linalg.qr(rng.normal(size=(16, 16)))  # a random orthogonal 16x16
    target = rng.normal(size=(300, 16))
    source = target @ rotation + rng.normal(scale=1e-3, size=(300, 16))  # the source space, slightly noisy
    assert np.abs(procrustes_rotation(target, source) - rotation).max() < 1e-3


def test_omp_reconstructs_a_donor_vector_that_is_an_exact_sparse_combination():
    rng = np.random.default_rng(2)
    atoms = rng.normal(size=(400, 64))  # 400 shared tokens' donor rows
    truth = [(17, 0.8), (230, -1.5), (399, 0.25)]
    y = sum(c * atoms[i] for i, c in truth)[None, :]
    idx, coef = omp(y, atoms, k=3)
    assert sorted(zip(idx[0].tolist(), np.round(coef[0], 9).tolist())) == truth


@pytest.mark.parametrize("k", [1, 4])
def test_omp_on_several_rows_at_once_matches_one_row_at_a_time(k):
    rng = np.random.default_rng(3)
    atoms, y = rng.normal(size=(50, 8)), rng.normal(size=(6, 8))
    idx, coef = omp(y, atoms, k=k)
    for row in range(6):
        one_idx, one_coef = omp(y[row : row + 1], atoms, k=k)
        assert idx[row].tolist() == one_idx[0].tolist() and np.allclose(coef[row], one_coef[0])
