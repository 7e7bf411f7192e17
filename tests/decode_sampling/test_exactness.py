"""Exact sampling: the first emitted tokens of every sampler have the target's warped joint distribution.

Toy targets and drafts are seeded Dirichlet tables (vocab 8, `toys.py`); each configuration runs N trials of the
real samplers (`rsd.build_tree` + `rsd.verify_recursive`, `sampling.sample_tree`) from a fixed prefix and compares
the joint distribution of the first 3 emitted tokens with the brute-force one by Pearson's chi-square. The level is
alpha = 1e-3 with a Bonferroni correction over every configuration in this file (positive and negative ones).
Negative controls break one line of the verifier (by monkeypatching it) and must be rejected at the same N.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.decode_sampling.toys import DirichletLM, chi_square_p, exact_joint, run_trials, target_rows
from tokensmith.decode import rsd
from tokensmith.decode.rsd import build_tree, verify_recursive
from tokensmith.decode.sampling import sample_tree
from tokensmith.decode.warp import Warp

pytest.importorskip("scipy")

VOCAB, LENGTH, PREFIX = 8, 3, (1, 4)
TARGET = DirichletLM(vocab=VOCAB, seed=11)
DRAFT = DirichletLM(vocab=VOCAB, seed=12, alpha=1.0)  # a different table: many rejections
WARPS = {"t1": Warp(), "t0.7-p0.9": Warp(temperature=0.7, top_p=0.9), "t1.3-k4": Warp(temperature=1.3, top_k=4)}
RANDOM_TREES = [  # (mode, width, depth): k = 1..4 and chains, bushes and beams
    ("c", 1, 3), ("c", 2, 2), ("c", 3, 1), ("c", 4, 1), ("s", 2, 3), ("s", 3, 2), ("s", 4, 2),
    ("specinfer", 2, 2), ("specinfer", 3, 1),
]
SLOW_TREES = [("c", 4, 1), ("s", 4, 2), ("specinfer", 2, 2)]  # one per mode at 10^5 trials (CI time); all at 20k
FIXED_TREES = {"chain": ([0, 3, 5, 2], [-1, 0, 1, 2]), "bush": ([0, 3, 6, 1, 2, 7], [-1, 0, 0, 0, 1, 1])}
NEGATIVE = ["no-renormalization", "x-kept-in-q", "with-replacement-residual"]
TESTS = len(RANDOM_TREES) * len(WARPS) + len(FIXED_TREES) * len(WARPS) + len(NEGATIVE)
THRESHOLD = 1e-3 / TESTS  # Bonferroni over this file's chi-square tests
N_FAST, N_SLOW = 20_000, 100_000


def random_tree_step(mode: str, width: int, depth: int, warp: Warp):
    def step(context, m, rng):
        q_fn = lambda paths: DRAFT.rows(context, paths)  # noqa: E731  (the drafter: q after context + path)
        draft = build_tree(q_fn, n_trials=m, mode=mode, width=width, depth=depth, rng=rng)
        p = target_rows(TARGET, context, draft.tokens, draft.parents, warp)
        return emitted(draft.tokens, verify_recursive(draft, p, rng)), None

    return step


def fixed_tree_step(tokens, parents, warp: Warp):
    tokens, parents = np.asarray(tokens), np.asarray(parents)

    def step(context, m, rng):
        toks, pars = np.tile(tokens, (m, 1)), np.tile(parents, (m, 1))
        p = target_rows(TARGET, context, toks, pars, warp)
        return emitted(toks, sample_tree(tokens, parents, p, rng)), None

    return step


def emitted(tokens: np.ndarray, sample) -> np.ndarray:
    out = np.full((len(sample.token), sample.path.shape[1]), -1, dtype=np.int64)
    for t in range(len(sample.token)):
        row = sample.emitted(tokens, t)
        out[t, : len(row)] = row
    return out


def p_value(step, warp: Warp, n_trials: int, seed: int = 0) -> float:
    counts = run_trials(step, prefix=PREFIX, vocab=VOCAB, length=LENGTH, n_trials=n_trials, seed=seed)
    return chi_square_p(counts, exact_joint(TARGET, PREFIX, warp, LENGTH))


@pytest.mark.parametrize("warp", WARPS, ids=str)
@pytest.mark.parametrize(("mode", "width", "depth"), RANDOM_TREES)
def test_random_trees_sample_the_target_exactly(mode, width, depth, warp):
    assert p_value(random_tree_step(mode, width, depth, WARPS[warp]), WARPS[warp], N_FAST) > THRESHOLD


@pytest.mark.parametrize("warp", WARPS, ids=str)
@pytest.mark.parametrize("shape", FIXED_TREES)
def test_deterministic_trees_sample_the_target_exactly(shape, warp):
    tokens, parents = FIXED_TREES[shape]
    assert p_value(fixed_tree_step(tokens, parents, WARPS[warp]), WARPS[warp], N_FAST) > THRESHOLD


def _break(monkeypatch, control: str) -> str:
    """Break one rule of the verifier; return the tree mode to run it on."""
    if control == "no-renormalization":
        monkeypatch.setattr(rsd, "_residual", lambda p, q: np.maximum(p - q, 0.0))
        return "c"
    if control == "x-kept-in-q":
        monkeypatch.setattr(rsd, "_remove", lambda q, x: q)
        return "c"
    real = rsd.build_tree  # SpecInfer's verification (q unchanged) on Gumbel-top-k (without-replacement) trees
    monkeypatch.setattr(rsd, "build_tree", lambda *a, **k: rsd.DraftSample(**{
        **real(*a, **k).__dict__, "without_replacement": False}))
    return "c"


@pytest.mark.parametrize("control", NEGATIVE)
def test_negative_controls_are_rejected_at_the_same_n(monkeypatch, control):
    mode = _break(monkeypatch, control)
    warp = WARPS["t1"]

    def step(context, m, rng):
        draft = rsd.build_tree(lambda paths: DRAFT.rows(context, paths), n_trials=m, mode=mode, width=4, depth=1,
                               rng=rng)
        p = target_rows(TARGET, context, draft.tokens, draft.parents, warp)
        return emitted(draft.tokens, verify_recursive(draft, p, rng)), None

    assert p_value(step, warp, N_FAST) < THRESHOLD


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "width", "depth"), SLOW_TREES)
def test_random_trees_at_100k_trials(mode, width, depth):
    warp = WARPS["t0.7-p0.9"]
    assert p_value(random_tree_step(mode, width, depth, warp), warp, N_SLOW, seed=1) > THRESHOLD
