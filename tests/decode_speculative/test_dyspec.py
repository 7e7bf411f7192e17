"""DySpec: best-first growth against a brute-force path enumeration, the budget rule on hand-made curves, exactness."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from tests.decode_speculative.conftest import VOCAB, hf_greedy
from tests.decode_speculative.test_cli import model_dir, run_json  # noqa: F401  (model_dir is a fixture)
from tokensmith.cli.main import main
from tokensmith.decode.drafters import make_drafter
from tokensmith.decode.dyspec import DySpec, best_budget, cost_curve, grow_tree, load_cost_points
from tokensmith.decode.speculative import speculative_generate
from tokensmith.decode.trees import DraftTree
from tokensmith.errors import GenerationError

torch = pytest.importorskip("torch")


def test_budget_maximizes_expected_tokens_per_cost_on_a_hand_made_curve():
    scores = np.array([0.8, 0.6, 0.3, 0.1])
    cost = cost_curve({1: 1.0, 2: 1.1, 3: 1.3, 4: 2.0, 5: 2.1}, max_tokens=5)
    # B=0: 1/1 = 1; B=1: 1.8/1.1 = 1.64; B=2: 2.4/1.3 = 1.85; B=3: 2.7/2.0 = 1.35; B=4: 2.8/2.1 = 1.33
    assert best_budget(scores, cost) == 2
    flat = cost_curve({1: 1.0, 5: 1.0}, max_tokens=5)  # free nodes: take all four
    assert best_budget(scores, flat) == 4
    steep = cost_curve({1: 1.0, 2: 2.0}, max_tokens=5)  # a node costs a whole pass: 1.8/2 < 1, take none
    assert best_budget(scores, steep) == 0


def test_cost_curve_interpolates_and_extrapolates_the_last_slope():
    assert cost_curve({1: 1.0, 4: 1.6, 8: 2.0}, max_tokens=10).round(3).tolist() == [
        0.0, 1.0, 1.2, 1.4, 1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2]
    with pytest.raises(GenerationError, match="cost curve needs positive costs"):
        cost_curve({4: 2.0}, max_tokens=8)


def test_cost_points_come_from_the_forward_cost_json(tmp_path):
    path = tmp_path / "cost.json"
    path.write_text(json.dumps({"rows": [{"n": 1, "ratio": 1.0, "median_ms": 5}, {"n": 2, "ratio": 1.3}]}))
    assert load_cost_points(path) == {1: 1.0, 2: 1.3}
    path.write_text('{"rows": [{"size": 1}]}')
    with pytest.raises(GenerationError, match="bench_decode_forward_cost.py"):
        load_cost_points(path)


def test_cost_points_of_one_backend_from_a_file_of_several(tmp_path):
    path = tmp_path / "cost.json"
    rows = [{"backend": b, "threads": t, "n": n, "ratio": r}
            for b, t, n, r in [("torch", 1, 1, 1.0), ("torch", 1, 4, 1.65), ("torch", 2, 4, 1.2),
                               ("llamacpp", 1, 1, 1.0), ("llamacpp", 1, 4, 2.5)]]
    path.write_text(json.dumps({"rows": rows}))
    assert load_cost_points(path, backend="llamacpp") == {1: 1.0, 4: 2.5}
    assert load_cost_points(path, backend="torch") == {1: 1.0, 4: 1.65}
    assert load_cost_points(path, backend="torch", threads=2) == {4: 1.2}
    with pytest.raises(GenerationError, match=r"several backends \(llamacpp, torch\); name the one in use"):
        load_cost_points(path)
    with pytest.raises(GenerationError, match="no cost rows for backend llamacpp:q4_0"):
        load_cost_points(path, backend="llamacpp:q4_0")


def test_tree_grows_best_first_on_hand_made_probabilities():
    # token 0 -> (1: 0.5, 2: 0.4); token 1 -> (3: 0.9, 2: 0.05); token 2 -> (3: 0.5, 1: 0.2); token 3 -> (0: 0.1, 1: 0.1)
    matrix = np.array([[1, 2], [3, 2], [3, 1], [0, 1]])
    probs = np.array([[0.5, 0.4], [0.9, 0.05], [0.5, 0.2], [0.1, 0.1]])
    tree, scores, ranks, _ = grow_tree(0, matrix, probs, weight=np.ones(2), max_nodes=4)
    # pops: 1 (0.5), 1->3 (0.45), 2 (0.4), 2->3 (0.2); 2->1 (0.08) and 1->3->0 (0.045) stay in the heap
    assert tree.tokens.tolist() == [0, 1, 3, 2, 3] and tree.parents.tolist() == [-1, 0, 1, 0, 3]
    assert np.allclose(scores, [1.0, 0.5, 0.45, 0.4, 0.2]) and ranks.tolist() == [-1, 0, 0, 1, 0]


def best_paths_reference(root: int, matrix: np.ndarray, probs: np.ndarray, n: int) -> list[tuple[tuple[int, ...], float]]:
    """Every rank path up to depth n with its score (product of probs), the n best: the ideal n-node tree."""
    out = []
    for depth in range(1, n + 1):
        for ranks in itertools.product(range(matrix.shape[1]), repeat=depth):
            tok, score, toks = root, 1.0, []
            for r in ranks:
                score *= probs[tok, r]
                tok = int(matrix[tok, r])
                toks.append(tok)
            out.append((tuple(toks), score))
    return sorted(out, key=lambda x: -x[1])[:n]


def test_best_first_tree_holds_the_n_highest_scoring_paths():
    rng = np.random.default_rng(3)
    for _ in range(20):
        vocab, k, n = 6, 3, int(rng.integers(1, 7))
        matrix = np.stack([rng.choice(vocab, size=k, replace=False) for _ in range(vocab)])
        probs = rng.dirichlet(np.ones(k + 1), size=vocab)[:, :k]  # distinct, summing to < 1
        tree, scores, _, _ = grow_tree(0, matrix, probs, weight=np.ones(k), max_nodes=n)
        got = sorted(((tuple(int(tree.tokens[j]) for j in tree.path_to(i)[1:]), s)
                      for i, s in zip(range(1, tree.size), scores[1:])), key=lambda x: -x[1])
        want = best_paths_reference(0, matrix, probs, n)
        assert [p for p, _ in got] == [p for p, _ in want] and np.allclose([s for _, s in got], [s for _, s in want])
        assert np.all(np.diff(scores) <= 1e-12)  # pop order: non-increasing scores


def test_rank_calibration_counts_hits_at_the_accepted_nodes():
    d = DySpec(vocab_size=8, k=2, cost={1: 1.0, 9: 1.0})  # free nodes: the whole grown tree is proposed
    d.recycling.matrix[0], d.recycling.probs[0] = [1, 2], [0.6, 0.3]
    d.recycling.matrix[2], d.recycling.probs[2] = [3, 4], [0.5, 0.4]
    tree = d.propose(np.array([0]), budget=4)
    assert tree.tokens.tolist() == [0, 1, 2, 3, 4]  # 1 (0.6), 2 (0.3), 2->3 (0.15), 2->4 (0.12)
    logits = torch.zeros(tree.size, 8)
    logits[0, 2] = logits[2, 7] = 1.0  # the model: 2 after the root (rank 1 accepted), then 7 (in no row)
    d.observe(tree, logits, np.array([0, 2]))
    # rows of the accepted tokens 0 and 2: rank 0 offered 0.6 + 0.5, rank 1 offered 0.3 + 0.4 with one hit
    assert np.allclose(d.offered, [1.1, 0.7]) and d.accepted.tolist() == [0, 1]
    assert np.allclose(d.weight, [0.1 / 1.2, 1.1 / 0.8])  # (hits + 0.1) / (offered + 0.1)


def test_calibration_learns_on_steps_that_draft_nothing():
    d = DySpec(vocab_size=8, k=2, cost={1: 1.0, 2: 2.0})  # a node costs a pass: never worth drafting
    d.recycling.matrix[0], d.recycling.probs[0] = [1, 2], [0.6, 0.3]
    tree = d.propose(np.array([0]), budget=4)
    assert tree.num_draft == 0
    logits = torch.zeros(1, 8)
    logits[0, 1] = 1.0  # the model's next token is the rank-0 candidate: a hit it was not asked to verify
    d.observe(tree, logits, np.array([0]))
    assert d.accepted.tolist() == [1, 0] and np.allclose(d.offered, [0.6, 0.3])


@pytest.mark.parametrize("cost", [None, {1: 1.0, 64: 1.0}, {1: 1.0, 2: 1.6}])
def test_dyspec_reproduces_hf_greedy(model, cost):
    drafter = make_drafter("dyspec", vocab_size=VOCAB, cost=cost)
    for prompt in ([5, 6, 7, 8, 9] * 6, np.random.default_rng(1).integers(0, 12, size=30).tolist()):
        got, stats = speculative_generate(model, prompt, drafter, 40, budget=64)
        assert got == hf_greedy(model, prompt, 40) and stats.new_tokens == 40
    if cost == {1: 1.0, 64: 1.0}:  # free nodes: big trees, and the repetitive prompt gets drafts accepted
        assert max(drafter.budgets) > 16
    if cost == {1: 1.0, 2: 1.6}:  # a node costs 0.6 pass: only near-certain nodes pay
        assert max(drafter.budgets) <= 2


def test_dyspec_accepts_drafts_on_repetitive_text(model):
    prompt = [5, 6, 7, 8, 9] * 6
    drafter = make_drafter("dyspec", vocab_size=VOCAB, cost={1: 1.0, 2: 1.05, 64: 3.0})
    got, stats = speculative_generate(model, prompt, drafter, 48, budget=64)
    assert got == hf_greedy(model, prompt, 48) and stats.mean_accepted > 1.5


def test_dyspec_proposes_a_prefix_of_the_grown_tree():
    d = DySpec(vocab_size=4, k=2, cost={1: 1.0, 2: 1.0, 3: 3.0})
    d.recycling.matrix[3], d.recycling.probs[3] = [1, 2], [0.9, 0.05]
    assert d.propose(np.array([3]), budget=8).tokens.tolist() == [3, 1]
    assert isinstance(d.propose(np.array([3]), budget=0), DraftTree) and d.budgets[-1] == 0
    with pytest.raises(GenerationError, match="max_nodes >= 1"):
        DySpec(vocab_size=4, max_nodes=0)


def test_cli_dyspec_matches_hf_greedy_with_a_given_or_measured_curve(model_dir, capsys, tmp_path):
    from tokensmith.models import load_model

    lm = load_model(str(model_dir))
    text = "abcabcabcabc"
    want = hf_greedy(lm.model, lm.tokenizer.encode(text), 16)[len(text) :]
    curve = tmp_path / "cost.json"
    curve.write_text(json.dumps({"rows": [{"n": 1, "ratio": 1.0}, {"n": 65, "ratio": 1.5}]}))
    for extra in (["--cost-curve", str(curve)], []):  # without a curve, one is measured on the loaded model
        out = run_json(capsys, "-m", str(model_dir), "-p", text, "--speculate", "dyspec", "-n", "16", *extra)
        assert out["results"][0]["ids"] == want
    with pytest.raises(SystemExit) as stop:
        main(["generate", "-m", str(model_dir), "-p", text, "--speculate", "dyspec", "--cost-curve", str(tmp_path)])
    assert stop.value.code == 2 and "cannot read a cost curve" in capsys.readouterr().err
