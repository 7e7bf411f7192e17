"""The vectorized bootstrap: same answers as a loop over resamples, seeded, and 95% intervals that cover ~95%."""

from __future__ import annotations

import numpy as np
import pytest

from tokensmith.measure import bootstrap
from tokensmith.measure.bootstrap import index_matrix, multiplicity_matrix, ratio_of_sums, ratio_of_sums_naive


def test_fast_ratio_matches_a_loop_over_resamples():
    rng = np.random.default_rng(3)
    num, den = rng.integers(1, 50, 40).astype(float), rng.integers(20, 90, 40).astype(float)
    fast = ratio_of_sums(num, den, scale=1000.0, resamples=300, seed=7)
    value, lo, hi = ratio_of_sums_naive(num.tolist(), den.tolist(), scale=1000.0, resamples=300, seed=7)
    assert fast.value[0] == pytest.approx(value)
    assert (fast.low[0], fast.high[0]) == pytest.approx((lo, hi))


def test_multiplicity_counts_the_index_matrix():
    idx, m = index_matrix(6, resamples=20, seed=1), multiplicity_matrix(6, resamples=20, seed=1)
    for row_idx, row_m in zip(idx.tolist(), m.tolist()):
        assert row_m == [row_idx.count(i) for i in range(6)]


def test_chunked_sums_equal_the_cached_matrix(monkeypatch):
    x = np.random.default_rng(0).random((30, 3))
    cached = bootstrap.resampled_sums(x, resamples=120, seed=2)
    monkeypatch.setattr(bootstrap, "MATRIX_LIMIT", 0)  # force the chunk-by-chunk path
    assert np.allclose(bootstrap.resampled_sums(x, resamples=120, seed=2), cached)


def test_same_seed_same_interval_other_seed_other_interval():
    num, den = np.arange(1.0, 31.0), np.ones(30)
    a, b = ratio_of_sums(num, den, seed=0), ratio_of_sums(num, den, seed=0)
    c = ratio_of_sums(num, den, seed=1)
    assert (a.low[0], a.high[0]) == (b.low[0], b.high[0])
    assert (a.low[0], a.high[0]) != (c.low[0], c.high[0])


def test_ci_coverage_on_simulated_data():
    # 400 datasets of 200 "sentences" with token counts ~ Poisson(20) + 1 and bytes = tokens · (4 + N(0.5, 2)):
    # the true bytes/token ratio is 4.5; the 95% CI must contain it 90–99% of the time (binomial sd ≈ 1.1%).
    rng = np.random.default_rng(2026)
    true_ratio, hits, n_sets = 4.5, 0, 400
    for k in range(n_sets):
        tokens = rng.poisson(20, 200).astype(float) + 1
        noise = rng.normal(0.5, 2.0, 200) * tokens
        est = ratio_of_sums(4 * tokens + noise, tokens, resamples=1000, seed=k % 8)  # 8 cached index matrices
        hits += est.low[0] <= true_ratio <= est.high[0]
    assert 0.90 <= hits / n_sets <= 0.99


def test_no_resamples_gives_no_interval():
    est = ratio_of_sums(np.ones(3), np.ones(3), resamples=0)
    assert est.value[0] == 1.0 and np.isnan(est.low[0]) and np.isnan(est.high[0])
