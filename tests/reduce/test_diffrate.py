"""DiffRate and its greedy baseline: the masked search mirrors real removal, the learned schedule meets its FLOPs
target, the search is deterministic, ratio 0 is the unreduced model, and bad input is a clear error."""

from __future__ import annotations

import json

import pytest

from tests.reduce.toys import batch, tiny_bert

torch = pytest.importorskip("torch")

from tokensmith.errors import CorpusError, ModelError  # noqa: E402
from tokensmith.reduce.blocks import adapter_for  # noqa: E402
from tokensmith.reduce.diffrate import SHARES, SearchConfig, distance, search, soft_run  # noqa: E402
from tokensmith.reduce.greedy_rate import greedy  # noqa: E402
from tokensmith.reduce.learned import learned_rates  # noqa: E402
from tokensmith.reduce.patch import apply, mean_pool  # noqa: E402
from tokensmith.reduce.prune_merge import LayerRates, PruneMerge  # noqa: E402
from tokensmith.reduce.schedule import Schedule, predict  # noqa: E402
from tokensmith.reduce.search_data import BUILT_IN, search_texts  # noqa: E402

LENGTHS = [[30, 22, 17, 26], [12, 28, 20, 24], [25, 19, 30, 14]]


def _batches():
    return [batch(lengths, seed=i) for i, lengths in enumerate(LENGTHS)]


def _run(model, rates, inputs):
    """Real removal: the runner with fixed per-layer rates, its embeddings and record."""
    from tokensmith.reduce.methods import build
    from tokensmith.reduce.patch import ReducedEncoder

    encoder = ReducedEncoder(model, build("diffrate", rates=rates), Schedule(0.0, tuple(LayerRates(*r) for r in rates)))
    with torch.no_grad():
        return mean_pool(encoder.run(**inputs)), encoder.record


def test_masked_search_forward_is_real_removal():
    """With one-hot π the straight-through forward computes what the real operator computes, FLOPs included."""
    model = tiny_bert()
    adapter = adapter_for(model)
    rates = [(0.2, 0.3), (0.0, 0.5), (0.4, 0.1)]
    one_hot = lambda s: torch.tensor([float(v == s) for v in SHARES])  # noqa: E731
    inputs = batch([30, 22, 17, 26])
    with torch.no_grad():
        soft, flops = soft_run(adapter, inputs, [(one_hot(p), one_hot(m)) for p, m in rates])
    real, record = _run(model, rates, inputs)
    assert torch.allclose(soft, real, atol=1e-4)
    assert float(flops) == pytest.approx(record.flops(hidden=16, intermediate=32))
    assert record.mean_tokens()[-1] < record.mean_tokens()[0]  # something was removed


def test_predicted_counts_match_the_record():
    model = tiny_bert()
    rates = [(0.3, 0.2), (0.1, 0.4), (0.2, 0.2)]
    lengths = torch.tensor([30, 22, 17, 26])
    _, record = _run(model, rates, batch(lengths.tolist()))
    schedule = Schedule(0.0, tuple(LayerRates(*r) for r in rates))
    predicted = predict(PruneMerge(rates), schedule, lengths, lengths.clamp(max=2))
    assert predicted.attention == record.attention and predicted.mlp == record.mlp


def test_ratio_zero_is_the_unreduced_model(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKENSMITH_CACHE", str(tmp_path))
    model = tiny_bert()
    rates, info = learned_rates(model, method="diffrate", ratio=0.0, batches=_batches(), digest="d", source="toy")
    assert rates == [(0.0, 0.0)] * 3 and not list(tmp_path.rglob("*.json"))  # no search, nothing cached
    inputs = batch([30, 22, 17, 26])
    reduced, _ = apply(model, "diffrate", ratio=0.0, rates=rates)
    base, _ = apply(model, "none", ratio=0.0)
    assert torch.equal(reduced.embed(**inputs), base.embed(**inputs))


def test_learned_schedule_meets_the_flops_target_on_the_search_data():
    model = tiny_bert()
    batches = _batches()
    out = search(model, batches, ratio=0.4, config=SearchConfig(steps=12, batch=4))
    assert abs(out.flops_kept - 0.6) <= 0.05
    kept = total = 0
    for inputs in batches:  # measured by the real runner, not predicted
        _, record = _run(model, out.rates, inputs)
        lengths = inputs["attention_mask"].sum(1).tolist()
        kept += record.flops(hidden=16, intermediate=32)
        total += sum(3 * 2 * (4 * n * 16 * 16 + 2 * n * n * 16 + 2 * n * 16 * 32) for n in lengths)
    assert abs(kept / total - 0.6) <= 0.05
    assert all(p.requires_grad for p in model.parameters())  # the search froze the weights, then restored them


def test_search_is_deterministic_and_learns_something():
    model = tiny_bert()
    config = SearchConfig(steps=10, seed=3)
    first = search(model, _batches(), ratio=0.3, config=config)
    second = search(model, _batches(), ratio=0.3, config=config)
    assert first.rates == second.rates and first.losses == second.losses
    assert any(p > 0 or m > 0 for p, m in first.learned)
    kept_steps = [k for _, k in first.losses]
    assert abs(sum(kept_steps) / len(kept_steps) - 0.7) < 0.1  # the FLOPs term holds the hard schedule near 1 - R
    other = search(model, _batches(), ratio=0.3, config=SearchConfig(steps=10, seed=5))
    assert other.losses != first.losses  # the seed does choose the batch order


def test_both_searches_beat_the_same_share_in_every_layer():
    """At the same FLOPs on the same data, DiffRate's and greedy's schedules are closer to the unreduced output than
    the uniform schedule the search starts from. (Which of the two is closer depends on the seed and the model: on
    MiniLM greedy was closer, docs/reduce.md.)"""
    from tokensmith.reduce.diffrate import refit

    model = tiny_bert(seed=1)
    batches = _batches()
    learned = search(model, batches, ratio=0.3, config=SearchConfig(steps=30))
    baseline = greedy(model, batches, ratio=0.3)
    layers = len(learned.rates)
    uniform, uniform_kept = refit(model, [(0.2, 0.2)] * layers, batches, ratio=0.3)

    def dist(rates):
        total = 0.0
        for inputs in batches:
            with torch.no_grad():
                full = soft_run(adapter_for(model), inputs, None)[0]
            total += float(distance(_run(model, rates, inputs)[0], full))
        return total / len(batches)

    assert max(abs(learned.flops_kept - uniform_kept), abs(baseline.flops_kept - uniform_kept)) <= 0.1
    assert dist(learned.rates) < dist(uniform) and dist(baseline.rates) < dist(uniform)


def test_cache_hit_and_a_corrupt_entry_is_searched_again(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKENSMITH_CACHE", str(tmp_path))
    model, config = tiny_bert(), SearchConfig(steps=3)
    args = {"method": "diffrate", "ratio": 0.3, "batches": _batches(), "digest": "d", "source": "toy", "config": config}
    rates, info = learned_rates(model, **args)
    assert not info["cached"] and learned_rates(model, **args)[1]["cached"]
    path = next(tmp_path.rglob("diffrate-*.json"))
    assert json.loads(path.read_text())["rates"] == [list(r) for r in rates]
    path.write_text('{"rates": [[2, 0]]}')  # not a schedule for this model
    again, info = learned_rates(model, **args)
    assert again == rates and not info["cached"]


def test_bad_input():
    model = tiny_bert()
    with pytest.raises(ModelError, match=r"in \(0, 1\)"):
        search(model, _batches(), ratio=1.0)
    with pytest.raises(ModelError, match="learns its per-layer rates"):
        apply(model, "diffrate", ratio=0.3)
    with pytest.raises(ModelError, match="must be in \\[0, 1\\]"):
        LayerRates(1.5, 0.0)
    with pytest.raises(CorpusError, match="does not exist"):
        search_texts("/nonexistent/texts.txt")


def test_search_data_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKENSMITH_SHARED_DATA", str(tmp_path / "absent"))
    assert search_texts().texts == BUILT_IN
    own = tmp_path / "mine.txt"
    own.write_text("one sentence\n\nanother one\n", encoding="utf-8")
    assert search_texts(own).texts == ("one sentence", "another one")


@pytest.mark.models
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--method", "diffrate", "--ratio", "1.2"], "must be in [0, 1)"),
        (["--method", "diffrate", "--ratio", "0.4", "--search-data", "/nonexistent/s.txt"], "does not exist"),
        (["--model", "dinov2", "--method", "greedy", "--ratio", "0.4"], "not yet for --model dinov2"),
    ],
)
def test_cli_bad_input_exits_2(argv, message, capsys):
    from tests.conftest import run_cli

    assert run_cli(["reduce", "eval", *argv]) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_default_search_data_is_wikitext_valid_when_shared_data_is_here():
    texts = search_texts()
    if "wikitext" not in texts.source:
        pytest.skip("../shared/data (wikitext-2 valid) is absent: the built-in sample is used instead")
    assert len(texts.texts) == 128 and all("<unk>" not in t and "@-@" not in t for t in texts.texts)


@pytest.mark.models
def test_cli_diffrate_end_to_end(tmp_path, monkeypatch, capsys):
    from tests.conftest import run_cli
    from tests.reduce.test_cli import PAIRS

    monkeypatch.setenv("TOKENSMITH_CACHE", str(tmp_path / "cache"))
    (tmp_path / "sts.csv").write_text(PAIRS, encoding="utf-8")
    own = tmp_path / "search.txt"
    own.write_text("The bridge was closed for repairs after the storm damaged its old stone supports.\n"
                   "Farmers in the valley grow wheat, barley and a little fruit on the steep hillsides.\n",
                   encoding="utf-8")  # fmt: skip
    argv = ["reduce", "eval", "--model", "minilm", "--method", "diffrate", "--ratio", "0.25", "--data",
            str(tmp_path / "sts.csv"), "--search-data", str(own), "--json", "--no-batch-one"]  # fmt: skip
    assert run_cli(argv) == 0
    out = json.loads(capsys.readouterr().out)["reduced"]
    assert abs(out["flops_kept"] - 0.75) <= 0.05
    assert out["search"]["search_data"] == f"file {own}" and not out["search"]["cached"]
    assert abs(out["search"]["search_flops_kept"] - 0.75) <= 0.05 and len(out["rates"]) == 6
    assert run_cli(argv) == 0
    assert json.loads(capsys.readouterr().out)["reduced"]["search"]["cached"]


def test_masked_search_forward_is_real_removal_on_dinov2():
    """The same mirror on a ViT (pre-norm, layer scale, [CLS] protected), and a search meets its target there."""
    from tests.reduce.toys import tiny_dinov2

    model = tiny_dinov2()
    adapter = adapter_for(model)
    rates = [(0.25, 0.3), (0.1, 0.2)]
    one_hot = lambda s: torch.tensor([float(v == s) for v in SHARES])  # noqa: E731
    pixels = {"pixel_values": torch.randn(3, 3, 28, 28, generator=torch.Generator().manual_seed(0))}
    with torch.no_grad():
        soft, flops = soft_run(adapter, pixels, [(one_hot(p), one_hot(m)) for p, m in rates])
    real, record = _run(model, rates, pixels)
    assert torch.allclose(soft, real, atol=1e-4)
    assert float(flops) == pytest.approx(record.flops(hidden=16, intermediate=adapter.dims()["intermediate"]))
    out = search(model, [pixels], ratio=0.3, config=SearchConfig(steps=5))
    assert abs(out.flops_kept - 0.7) <= 0.05


def test_learned_rates_on_images(tmp_path, monkeypatch):
    from tests.reduce.toys import tiny_dinov2
    from tokensmith.reduce.learned import image_batches, pixels_digest

    monkeypatch.setenv("TOKENSMITH_CACHE", str(tmp_path))
    pixels = torch.randn(6, 3, 28, 28, generator=torch.Generator().manual_seed(1))
    rates, info = learned_rates(tiny_dinov2(), method="diffrate", ratio=0.3, batches=image_batches(pixels),
                                digest=pixels_digest(pixels), source="toy images", config=SearchConfig(steps=2))  # fmt: skip
    assert len(rates) == 2 and info["inputs"] == 6 and abs(info["search_flops_kept"] - 0.7) <= 0.05
