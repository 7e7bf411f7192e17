"""FLOPs-matched schedules: every method meets 1 − R within ±0.05 on the real STS-B lengths and on long inputs."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tokensmith.reduce.flops import layer_flops, unreduced_flops  # noqa: E402
from tokensmith.reduce.methods import build  # noqa: E402
from tokensmith.reduce.schedule import TOLERANCE, Schedule, predict, solve  # noqa: E402

pytestmark = pytest.mark.models
MINILM = {"layers": 6, "hidden": 384, "intermediate": 1536}
METHODS = ["tome", "prune", "random", "truncate", "pool", "aim", "budget"]


def _kept(method, schedule, lengths):
    protected = lengths.clamp(max=2)
    record = predict(method.operator, schedule, lengths, protected)
    return record.flops(hidden=384, intermediate=1536) / unreduced_flops(lengths.tolist(), **MINILM)


def test_layer_flops_by_hand():
    # D = 2, F = 3, 4 tokens in attention, 2 in the MLP: 2·(4·4·4 + 2·16·2 + 2·2·2·3) = 2·(64 + 64 + 24)
    assert layer_flops(4, 2, hidden=2, intermediate=3) == 304


@pytest.fixture(scope="module")
def sts_lengths():
    from tests.conftest import shared_path

    from tokensmith.models import encoder_path
    from tokensmith.reduce.sts import read_sts

    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(encoder_path("minilm")))
    lengths = []
    for path in sorted(shared_path("sts", "stsb-multi-mt").glob("stsb-*-dev.csv")):
        pairs = read_sts(path)
        lengths += [len(i) for i in tok([p.first for p in pairs] + [p.second for p in pairs])["input_ids"]]
    return torch.tensor(lengths)


@pytest.mark.shared
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("ratio", [0.25, 0.40, 0.60])
def test_flops_kept_within_tolerance_on_all_sts_dev(sts_lengths, method, ratio):
    built = build(method)
    schedule, predicted = solve(built, ratio=ratio, lengths=sts_lengths, protected=sts_lengths.clamp(max=2),
                                dims=MINILM)  # fmt: skip
    assert abs(_kept(built, schedule, sts_lengths) - (1 - ratio)) <= TOLERANCE
    assert predicted == pytest.approx(_kept(built, schedule, sts_lengths))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("length", [128, 256, 512])
def test_flops_kept_on_long_inputs(method, length):
    lengths = torch.full((8,), length)
    built = build(method)
    schedule, _ = solve(built, ratio=0.4, lengths=lengths, protected=lengths.clamp(max=2), dims=MINILM)
    assert abs(_kept(built, schedule, lengths) - 0.6) <= 0.01  # long inputs: rounding is fine-grained


def test_schedule_families():
    assert Schedule.family("every", 0.2, 3).layers == (0.2, 0.2, 0.2)
    assert Schedule.family("input", 0.2, 3) == Schedule(input=0.2, layers=(0.0, 0.0, 0.0))
