"""The patched runner: same outputs as the model's own forward, exact at ratio 0, real removal, honest record."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tests.reduce.toys import batch, tiny_bert, tiny_dinov2  # noqa: E402
from tokensmith.errors import ModelError  # noqa: E402
from tokensmith.reduce.patch import apply  # noqa: E402
from tokensmith.reduce.schedule import predict  # noqa: E402

pytestmark = pytest.mark.models
TEXT_METHODS = ["tome", "prune", "random", "truncate", "pool"]
LENGTHS = [17, 9, 30, 4]


def _run(encoder, inputs):
    with torch.inference_mode():
        return encoder.run(**inputs)


def test_unreduced_runner_matches_the_models_own_forward():
    model, inputs = tiny_bert(), batch(LENGTHS)
    encoder, _ = apply(model, "none", ratio=0.0)
    ours = _run(encoder, inputs).hidden
    with torch.inference_mode():
        theirs = model(**inputs).last_hidden_state
    real = inputs["attention_mask"].bool()
    torch.testing.assert_close(ours[real], theirs[real], rtol=1e-5, atol=1e-5)


def test_unreduced_dinov2_runner_matches_the_models_own_forward():
    model = tiny_dinov2()
    pixels = torch.randn(2, 3, 28, 28, generator=torch.Generator().manual_seed(0))
    encoder, _ = apply(model, "none", ratio=0.0)
    ours = _run(encoder, {"pixel_values": pixels}).hidden
    with torch.inference_mode():
        theirs = model(pixel_values=pixels).last_hidden_state
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("method", TEXT_METHODS)
def test_ratio_zero_gives_exactly_the_unreduced_outputs(method):
    model, inputs = tiny_bert(), batch(LENGTHS)
    unreduced, _ = apply(model, "none", ratio=0.0)
    encoder, record = apply(model, method, ratio=0.0, lengths=LENGTHS)
    assert torch.equal(_run(encoder, inputs).hidden, _run(unreduced, inputs).hidden)
    assert record.attention[-1] == LENGTHS and record.mlp[-1] == LENGTHS


@pytest.mark.parametrize("method", ["fopru", "pool", "tome", "prune", "random"])
def test_dinov2_ratio_zero_is_exact_and_reduction_shortens(method):
    model = tiny_dinov2()
    pixels = torch.randn(2, 3, 28, 28, generator=torch.Generator().manual_seed(0))
    unreduced, _ = apply(model, "none", ratio=0.0)
    same, _ = apply(model, method, ratio=0.0)
    assert torch.equal(_run(same, {"pixel_values": pixels}).hidden, _run(unreduced, {"pixel_values": pixels}).hidden)
    reduced, record = apply(model, method, ratio=0.4)
    out = _run(reduced, {"pixel_values": pixels})
    assert out.hidden.shape[1] < 17 and record.mlp[-1][0] == out.hidden.shape[1]


def _capture_lengths(model):
    """Hooks on the model's own Linear layers: the sequence length each layer's q projection and MLP really saw."""
    seen = {"attention": [], "mlp": []}
    handles = []
    for layer in model.encoder.layer:
        handles.append(layer.attention.self.query.register_forward_hook(
            lambda m, args, out: seen["attention"].append(args[0].shape[1])))  # fmt: skip
        handles.append(layer.intermediate.dense.register_forward_hook(
            lambda m, args, out: seen["mlp"].append(args[0].shape[1])))  # fmt: skip
    return seen, handles


@pytest.mark.parametrize("method", TEXT_METHODS)
def test_record_matches_the_tensors_and_the_prediction(method):
    model, inputs = tiny_bert(), batch(LENGTHS)
    encoder, record = apply(model, method, ratio=0.5, lengths=LENGTHS)
    seen, handles = _capture_lengths(model)
    try:
        state = _run(encoder, inputs)
    finally:
        for h in handles:
            h.remove()
    assert seen["attention"] == [p[0] for p in record.padded_attention]
    assert seen["mlp"] == [p[0] for p in record.padded_mlp]
    for layer in range(3):  # padded length = the longest real count in the batch
        assert record.padded_mlp[layer][0] == max(record.mlp[layer])
        assert record.padded_attention[layer][0] == max(record.attention[layer])
    assert record.mlp[-1] == state.lengths.tolist()
    assert seen["mlp"][-1] < max(LENGTHS)  # tokens really left the tensors
    predicted = predict(encoder.method.operator, encoder.schedule, torch.tensor(LENGTHS), torch.tensor([2] * 4))
    assert predicted.attention == record.attention and predicted.mlp == record.mlp


@pytest.mark.parametrize("method", TEXT_METHODS)
def test_every_original_token_is_held_by_at_most_one_kept_token(method):
    model, inputs = tiny_bert(), batch(LENGTHS)
    encoder, _ = apply(model, method, ratio=0.4, lengths=LENGTHS)
    state = _run(encoder, inputs)
    for row, n in enumerate(LENGTHS):
        held = state.origin[row, :n]
        kept = int(state.mask[row].sum())
        assert held.max() < kept and (state.origin[row, n:] == -1).all()
        counts = torch.bincount(held[held >= 0], minlength=kept)
        if method in ("tome", "pool"):  # merging keeps every original somewhere, sizes = sources held
            assert (held >= 0).all() and torch.equal(counts.float(), state.size[row, :kept])


def test_unsupported_architecture_names_the_supported_ones():
    from transformers import GPT2Config, GPT2Model

    with pytest.raises(ModelError, match="supported: bert"):
        apply(GPT2Model(GPT2Config(n_layer=1, n_embd=8, n_head=2)), "tome", ratio=0.3)


def test_attention_implementation_without_scores_is_refused():
    model = tiny_bert()
    model.config._attn_implementation = "flash_attention_2"
    with pytest.raises(ModelError, match="needs attention scores"):
        apply(model, "prune", ratio=0.3)
    apply(model, "tome", ratio=0.3)  # ToMe needs only keys, which every implementation computes


@pytest.mark.parametrize("ratio", [-0.1, 1.0, 1.5])
def test_ratio_outside_range(ratio):
    with pytest.raises(ModelError, match=r"must be in \[0, 1\)"):
        apply(tiny_bert(), "tome", ratio=ratio)


def test_unknown_methods_list_the_valid_ones():
    with pytest.raises(ModelError, match="valid: tome, prune"):
        apply(tiny_bert(), "tomee", ratio=0.3)
    with pytest.raises(ModelError, match="needs an image encoder"):
        apply(tiny_bert(), "fopru", ratio=0.3)
