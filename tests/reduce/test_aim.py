"""AIM: PageRank by hand and against a linear solve, merging then pruning by layer, exact at ratio 0, honest record,
padding outside the graph, and the FLOPs target met on MiniLM and DINOv2 (a few real inputs)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tests.reduce.measured import SENTENCES, assert_padding_takes_no_part, dinov2_run, minilm_kept, run  # noqa: E402
from tests.reduce.toys import batch, tiny_bert, tiny_dinov2  # noqa: E402
from tokensmith.errors import ModelError  # noqa: E402
from tokensmith.reduce.aim import AIM  # noqa: E402
from tokensmith.reduce.pagerank import pagerank  # noqa: E402
from tokensmith.reduce.patch import apply  # noqa: E402
from tokensmith.reduce.schedule import TOLERANCE, predict  # noqa: E402

pytestmark = pytest.mark.models
LENGTHS = [17, 9, 30, 4]




def test_pagerank_of_a_three_node_star_by_hand():
    # 1 and 2 attend only to 0; 0 splits its attention. s1 = s2 = 0.05 + 0.425·s0, s0 = 0.05 + 0.85·(s1 + s2)
    # → s0 = 0.135 / 0.2775, s1 = s2 = (1 − s0) / 2.
    a = torch.tensor([[[0.0, 0.5, 0.5], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]])
    s = pagerank(a, torch.ones(1, 3, dtype=torch.bool), damping=0.85)[0]
    s0 = 0.135 / 0.2775
    assert s.tolist() == pytest.approx([s0, (1 - s0) / 2, (1 - s0) / 2], abs=1e-9)


def test_pagerank_of_a_four_node_cycle_is_uniform_and_padding_takes_no_part():
    cycle = torch.tensor([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]], dtype=torch.float64)
    padded = torch.zeros(1, 5, 5, dtype=torch.float64)
    padded[0, :4, :4] = cycle * 0.9
    padded[0, :4, 4] = 0.1  # attention leaking to the padding column is renormalised away
    padded[0, 4] = torch.tensor([0.0, 0.0, 0.0, 0.0, 1.0])  # the padding row votes for itself: ignored
    s = pagerank(padded, torch.tensor([[True, True, True, True, False]]))[0]
    assert s.tolist() == pytest.approx([0.25, 0.25, 0.25, 0.25, 0.0], abs=1e-9)


def test_pagerank_matches_the_linear_solve_on_random_attention():
    g = torch.Generator().manual_seed(0)
    a = torch.softmax(torch.randn(3, 6, 6, generator=g, dtype=torch.float64), dim=-1)
    s = pagerank(a, torch.ones(3, 6, dtype=torch.bool), damping=0.85, tolerance=1e-14, iterations=500)
    for row in range(3):  # (I − d·Aᵀ) s = (1 − d)/n · 1
        exact = torch.linalg.solve(torch.eye(6, dtype=torch.float64) - 0.85 * a[row].T,
                                   torch.full((6,), 0.15 / 6, dtype=torch.float64))  # fmt: skip
        torch.testing.assert_close(s[row], exact, rtol=1e-10, atol=1e-12)


def test_aim_merges_in_the_first_layers_and_prunes_by_pagerank_after():
    model, inputs = tiny_bert(layers=3), batch(LENGTHS)
    encoder, record = apply(model, "aim", ratio=0.4, lengths=LENGTHS)
    assert encoder.method.operator.at(0).name == "tome" and encoder.method.operator.at(2).name == "pagerank"
    state = run(encoder, inputs)
    real = torch.tensor(LENGTHS)
    merged_sizes = state.size.sum(dim=1)
    assert (merged_sizes < real).any()  # the pruning layer dropped tokens (merging alone keeps every size)
    assert bool((state.size[state.mask] > 1).any())  # and the merging layers merged
    assert record.mlp[-1] == state.lengths.tolist()


def test_aim_ratio_zero_gives_exactly_the_unreduced_outputs():
    for model, inputs, lengths in ((tiny_bert(), batch(LENGTHS), LENGTHS), (tiny_dinov2(), None, None)):
        if inputs is None:
            inputs = {"pixel_values": torch.randn(2, 3, 28, 28, generator=torch.Generator().manual_seed(0))}
        unreduced, _ = apply(model, "none", ratio=0.0)
        encoder, _ = apply(model, "aim", ratio=0.0, lengths=lengths)
        assert torch.equal(run(encoder, inputs).hidden, run(unreduced, inputs).hidden)


def test_aim_record_matches_the_tensors_and_the_prediction():
    model, inputs = tiny_bert(), batch(LENGTHS)
    encoder, record = apply(model, "aim", ratio=0.5, lengths=LENGTHS)
    seen = []
    hooks = [layer.intermediate.dense.register_forward_hook(lambda m, args, out: seen.append(args[0].shape[1]))
             for layer in model.encoder.layer]  # fmt: skip
    try:
        state = run(encoder, inputs)
    finally:
        for h in hooks:
            h.remove()
    assert seen == [p[0] for p in record.padded_mlp] and seen[-1] < max(LENGTHS)
    assert [max(m) for m in record.mlp] == seen and record.mlp[-1] == state.lengths.tolist()
    predicted = predict(encoder.method.operator, encoder.schedule, torch.tensor(LENGTHS), torch.tensor([2] * 4))
    assert predicted.attention == record.attention and predicted.mlp == record.mlp


def test_padding_never_takes_part():
    model, inputs = tiny_bert(), batch(LENGTHS)
    encoder, _ = apply(model, "aim", ratio=0.4, lengths=LENGTHS)
    assert_padding_takes_no_part(encoder, inputs, LENGTHS)


def test_bad_settings_and_attention_without_scores_are_refused():
    with pytest.raises(ModelError, match="merge_layers"):
        AIM(merge_layers=-1)
    with pytest.raises(ModelError, match="damping"):
        AIM(damping=1.0)
    model = tiny_bert()
    model.config._attn_implementation = "flash_attention_2"
    with pytest.raises(ModelError, match="method 'aim' needs attention scores"):
        apply(model, "aim", ratio=0.3)


def test_aim_meets_the_flops_target_on_minilm():
    assert abs(minilm_kept("aim", 0.4) - 0.6) <= TOLERANCE


def test_aim_meets_the_flops_target_on_dinov2():
    kept, (state, _) = dinov2_run("aim", 0.4)
    assert abs(kept - 0.6) <= TOLERANCE
    assert state.position[0, 0] == 0 and bool(state.protected[0, 0])  # [CLS] kept


def test_cli_runs_aim_at_its_flops_cut(tmp_path, capsys):
    import json

    from tests.conftest import run_cli

    data = tmp_path / "sts.csv"
    data.write_text("".join(f'"{a}","{b}",{s}\n' for a, b, s in zip(SENTENCES, SENTENCES[1:], (1.0, 2.0, 3.0))))
    assert run_cli(["reduce", "eval", "--method", "aim", "--ratio", "0.4", "--data", str(data), "--json",
                    "--no-batch-one"]) == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert out["reduced"]["method"] == "aim" and abs(out["reduced"]["flops_kept"] - 0.6) <= TOLERANCE
