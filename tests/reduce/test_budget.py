"""Budget allocation: the split sums to the budget and follows its rule (attention mass, redundancy), regions are
segments or grid crops, exact at ratio 0, honest record, padding in no region, FLOPs target on MiniLM and DINOv2."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tests.reduce.measured import SENTENCES, assert_padding_takes_no_part, dinov2_run, minilm_kept, run  # noqa: E402
from tests.reduce.toys import batch, tiny_bert, tiny_dinov2  # noqa: E402
from tokensmith.errors import ModelError  # noqa: E402
from tokensmith.reduce.budget import Budget, split_budget  # noqa: E402
from tokensmith.reduce.operators import Scores  # noqa: E402
from tokensmith.reduce.patch import apply  # noqa: E402
from tokensmith.reduce.schedule import TOLERANCE, predict  # noqa: E402
from tokensmith.reduce.state import start  # noqa: E402

pytestmark = pytest.mark.models
LENGTHS = [17, 9, 30, 4]




def test_split_by_hand_sums_to_the_budget_and_follows_the_weights():
    # 10 tokens over weights 0.5 : 0.3 : 0.2 → exact shares 5, 3, 2
    assert split_budget(10, [0.5, 0.3, 0.2], [8, 8, 8]) == [5, 3, 2]
    # 7 tokens: shares 3.5, 2.1, 1.4 → floors 3, 2, 1 and the leftover unit to the largest remainder (0.5)
    assert split_budget(7, [0.5, 0.3, 0.2], [8, 8, 8]) == [4, 2, 1]
    # a full region passes its excess on: region 0 holds 2 of its share 8, the other 6 split 0.1 : 0.1
    assert split_budget(10, [0.8, 0.1, 0.1], [2, 8, 8]) == [2, 4, 4]
    # no weight at all: in proportion to the regions' sizes
    assert split_budget(4, [0.0, 0.0], [2, 6]) == [1, 3]
    assert split_budget(0, [1.0], [3]) == [0] and split_budget(3, [1.0, 0.0], [3, 3]) == [3, 0]


def test_split_refuses_a_budget_larger_than_the_regions():
    with pytest.raises(ModelError, match="outside"):
        split_budget(5, [1.0, 1.0], [2, 2])


def test_attention_allocation_gives_the_attended_segment_more_tokens_then_keeps_its_top():
    s = start(torch.arange(9.0).view(1, 9, 1), torch.ones(1, 9), protected=torch.tensor([[1] + [0] * 8]).bool())
    cls = torch.tensor([[0.2, 0.1, 0.3, 0.05, 0.15, 0.05, 0.05, 0.05, 0.05]])  # masses 0.6 | 0.2
    out = Budget(segment=4)(s, Scores(cls=cls), ratio=0.5)  # 8 candidates keep 4: shares 3, 1
    assert out.hidden.flatten().tolist() == [0.0, 1.0, 2.0, 4.0, 5.0]  # tokens 1, 2, 4 | 5 (ties: the earlier)


def test_redundancy_allocation_gives_the_repetitive_segment_fewer_tokens():
    s = start(torch.arange(8.0).view(1, 8, 1), torch.ones(1, 8))
    keys = torch.tensor([[[1.0, 0.0]] * 4 + [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]]])  # copies | spread
    cls = torch.full((1, 8), 0.125)
    budget = Budget(allocate="redundancy", segment=4)
    region = budget.regions(s)
    assert region.tolist() == [[0, 0, 0, 0, 1, 1, 1, 1]]
    # segment 0: ρ = 1 → weight 0; segment 1: mean off-diagonal cosine −1/3 → ρ = 0 → weight 4
    assert budget.weights(s, Scores(keys=keys, cls=cls), region, 2).tolist() == [[0.0, 4.0]]
    out = budget(s, Scores(keys=keys, cls=cls), ratio=0.5)
    assert out.hidden.flatten().tolist() == [4.0, 5.0, 6.0, 7.0]


def test_grid_regions_are_the_quadrants_and_padding_is_in_no_region():
    s = start(torch.zeros(1, 17, 1), torch.ones(1, 17), protected=torch.tensor([[1] + [0] * 16]).bool())
    region = Budget(grid=(4, 4)).regions(s)[0].tolist()
    assert region[0] == -1 and region[1:] == [0, 0, 1, 1] * 2 + [2, 2, 3, 3] * 2
    text = Budget(segment=3).regions(start(torch.zeros(1, 6, 1), torch.tensor([[1, 1, 1, 1, 0, 0]])))
    assert text.tolist() == [[0, 0, 1, 1, -1, -1]]  # 4 candidates, ⌈4/3⌉ = 2 segments of 2


def test_bad_settings_are_refused():
    with pytest.raises(ModelError, match="attention, redundancy"):
        Budget(allocate="entropy")
    with pytest.raises(ModelError, match="crops"):
        Budget(grid=(4, 4), crops=(8, 1))
    with pytest.raises(ModelError, match="'cls' or 'received'"):
        Budget(by="keys")


def test_received_attention_weighs_the_regions_and_ranks_the_tokens_when_asked():
    s = start(torch.arange(4.0).view(1, 4, 1), torch.ones(1, 4))
    cls = torch.tensor([[0.7, 0.1, 0.1, 0.1]])  # [CLS] attention favours segment 0 ...
    received = torch.tensor([[0.1, 0.1, 1.5, 2.3]])  # ... attention received, segment 1
    out = Budget(segment=2, by="received")(s, Scores(cls=cls, received=received), ratio=0.5)
    assert out.hidden.flatten().tolist() == [2.0, 3.0]
    assert Budget(segment=2)(s, Scores(cls=cls, received=received), ratio=0.5).hidden.flatten().tolist() == [0.0, 1.0]


@pytest.mark.parametrize("model_kind", ["bert", "dinov2"])
def test_budget_ratio_zero_gives_exactly_the_unreduced_outputs_and_reduction_keeps_the_split(model_kind):
    if model_kind == "bert":
        model, inputs, lengths = tiny_bert(), batch(LENGTHS), LENGTHS
    else:
        model, lengths = tiny_dinov2(), None
        inputs = {"pixel_values": torch.randn(2, 3, 28, 28, generator=torch.Generator().manual_seed(0))}
    unreduced, _ = apply(model, "none", ratio=0.0)
    same, _ = apply(model, "budget", ratio=0.0, lengths=lengths)
    assert torch.equal(run(same, inputs).hidden, run(unreduced, inputs).hidden)
    encoder, record = apply(model, "budget", ratio=0.4, lengths=lengths)
    state = run(encoder, inputs)
    assert record.mlp[-1] == state.lengths.tolist() and state.hidden.shape[1] == max(record.mlp[-1])
    assert bool(state.protected[:, 0].all()) and (state.position[:, 0] == 0).all()  # [CLS] kept first


def test_budget_record_matches_the_tensors_and_the_prediction():
    model, inputs = tiny_bert(), batch(LENGTHS)
    encoder, record = apply(model, "budget", ratio=0.5, lengths=LENGTHS)
    seen = []
    hooks = [layer.attention.self.query.register_forward_hook(lambda m, args, out: seen.append(args[0].shape[1]))
             for layer in model.encoder.layer]  # fmt: skip
    try:
        run(encoder, inputs)
    finally:
        for h in hooks:
            h.remove()
    assert seen == [p[0] for p in record.padded_attention] == [max(a) for a in record.attention]
    assert seen[1] < max(LENGTHS)  # the cut after layer 0 really shortened layer 1
    predicted = predict(encoder.method.operator, encoder.schedule, torch.tensor(LENGTHS), torch.tensor([2] * 4))
    assert predicted.attention == record.attention and predicted.mlp == record.mlp


@pytest.mark.parametrize("allocate", ["attention", "redundancy"])
def test_padding_never_takes_part(allocate):
    from tokensmith.reduce.methods import Method
    from tokensmith.reduce.patch import ReducedEncoder
    from tokensmith.reduce.schedule import Schedule

    model, inputs = tiny_bert(), batch(LENGTHS)
    method = Method(name="budget", operator=Budget(allocate=allocate, segment=4), placement="once")
    encoder = ReducedEncoder(model, method, Schedule.family("once", 0.5, 3))
    assert_padding_takes_no_part(encoder, inputs, LENGTHS)


def test_budget_meets_the_flops_target_on_minilm():
    assert abs(minilm_kept("budget", 0.4) - 0.6) <= TOLERANCE


def test_budget_meets_the_flops_target_on_dinov2():
    kept, (state, record) = dinov2_run("budget", 0.4)
    assert abs(kept - 0.6) <= TOLERANCE
    assert record.attention[1] == state.lengths.tolist() and bool(state.protected[0, 0])  # one cut, [CLS] kept


def test_cli_runs_budget_by_received_attention_and_refuses_a_bad_by(tmp_path, capsys):
    import json

    from tests.conftest import run_cli

    data = tmp_path / "sts.csv"
    data.write_text("".join(f'"{a}","{b}",{s}\n' for a, b, s in zip(SENTENCES, SENTENCES[1:], (1.0, 2.0, 3.0))))
    argv = ["reduce", "eval", "--method", "budget", "--ratio", "0.4", "--data", str(data), "--no-batch-one"]
    assert run_cli([*argv, "--by", "received", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reduced"]["method"] == "budget" and abs(out["reduced"]["flops_kept"] - 0.6) <= TOLERANCE
    assert run_cli([*argv, "--by", "keys"]) == 2
    assert "'cls' or 'received'" in capsys.readouterr().err
