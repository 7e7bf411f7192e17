"""`tokensmith bytes ...` through the real entry point, on a tiny random Llama saved as an HF directory."""

from __future__ import annotations

import json
import math

import pytest

from tests.decode_bytes.toys import byte_level_toy
from tokensmith.cli.main import main


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tok = byte_level_toy()
    cfg = transformers.LlamaConfig(vocab_size=tok.vocab_size, hidden_size=16, intermediate_size=32,
                                   num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
                                   max_position_embeddings=128, bos_token_id=0, eos_token_id=0, pad_token_id=0)
    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny-llama")
    transformers.LlamaForCausalLM(cfg).save_pretrained(out)
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok.backend.tok, eos_token="<eos>", bos_token="<eos>")
    fast.save_pretrained(out)
    return out


def run_json(capsys, args: list[str]) -> dict:
    try:
        main(args + ["--json"])
    except SystemExit as e:  # typer exits 0 after a command in standalone mode
        assert e.code in (0, None), capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_next_gives_a_distribution_equal_to_the_api(tiny_model_dir, capsys):
    from tokensmith.decode.bytelevel import load_byte_lm

    out = run_json(capsys, ["bytes", "next", "--model", str(tiny_model_dir), "--prefix", "ab a"])
    assert math.isclose(sum(out["probs"]) + out["end"], 1.0, abs_tol=1e-9)
    api = load_byte_lm(str(tiny_model_dir)).next_byte(b"ab a")
    assert max(abs(a - b) for a, b in zip(out["probs"], api.probs, strict=True)) < 1e-9


def test_score_of_an_ensemble_of_one_model_twice_equals_the_model(tiny_model_dir, tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_bytes(b"ab ba a\xc3\xa9 b")
    spec = f"{tiny_model_dir},{tiny_model_dir}"
    out = run_json(capsys, ["bytes", "score", "--model", spec, "--text-file", str(text)])
    bpb = out["bits_per_byte"]
    assert out["bytes"] == 11
    assert math.isclose(bpb["ensemble"], bpb[f"exact:{tiny_model_dir}"], rel_tol=1e-9)


def test_score_of_one_model_uses_cover_sums_and_equals_the_ensemble_chain(tiny_model_dir, tmp_path, capsys):
    """One model is scored by the cover-sum ratio (HFTokenLM.logprobs_all, one pass); an ensemble member by the
    per-byte chain. The tiny model runs in float32, batched vs incremental: equal to 1e-5 bits per byte."""
    text = tmp_path / "t.txt"
    text.write_bytes(b"ab ba a\xc3\xa9 b")
    one = run_json(capsys, ["bytes", "score", "--model", str(tiny_model_dir), "--text-file", str(text)])
    two = run_json(capsys, ["bytes", "score", "--model", f"{tiny_model_dir},{tiny_model_dir}", "--text-file",
                            str(text)])
    key = f"exact:{tiny_model_dir}"
    assert math.isclose(one["bits_per_byte"][key], two["bits_per_byte"][key], abs_tol=1e-5)
    assert one["forward_calls"] < two["forward_calls"] / 2  # the chain makes about one call per byte per model


def test_random_cuts_with_baselines(tiny_model_dir, tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_bytes(b"ab ba ab ab ba a b ab\nba ab a ab ba ab b a\n")
    args = ["bytes", "score", "--model", str(tiny_model_dir), "--text-file", str(text), "--cut", "random",
            "--n", "3", "--span", "4", "--baselines"]
    out = run_json(capsys, args)
    assert out["cuts"] == 3 and out["bytes"] == 12
    assert set(out["bits_per_byte"]) == {f"{k}:{tiny_model_dir}" for k in ("exact", "naive", "healing")}
    assert run_json(capsys, args) == out  # seeded


def test_generate_is_seeded(tiny_model_dir, capsys):
    args = ["bytes", "generate", "--model", str(tiny_model_dir), "--prompt", "a", "--max-bytes", "5"]
    first = run_json(capsys, args + ["--temperature", "1.0", "--seed", "3"])
    assert first == run_json(capsys, args + ["--temperature", "1.0", "--seed", "3"])
    greedy = run_json(capsys, args + ["--greedy"])
    assert len(bytes.fromhex(greedy["generated_hex"])) <= 5


def test_bad_cut_choice_exits_2(tiny_model_dir, tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_bytes(b"ab")
    with pytest.raises(SystemExit) as e:
        main(["bytes", "score", "--model", str(tiny_model_dir), "--text-file", str(text), "--cut", "middle"])
    assert e.value.code == 2
    assert "valid choices: none, random" in capsys.readouterr().err
