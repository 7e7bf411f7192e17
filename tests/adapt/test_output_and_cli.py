"""The written directory loads offline in transformers; the CLI end to end; every bad input exits 2 and writes
nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.adapt.conftest import UKRAINIAN, train_toy, write_source
from tests.conftest import run_cli
from tokensmith.adapt import transfer

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def uk_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("text") / "uk.txt"
    path.write_text("\n".join(UKRAINIAN * 10), encoding="utf-8")
    return path


def test_the_output_loads_with_auto_classes_offline(tmp_path, monkeypatch, source_dir, ukrainian_tok):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = transfer(source_dir, to=ukrainian_tok, method="fvt", out=tmp_path / "m").out
    model, hf_tok = AutoModelForCausalLM.from_pretrained(out), AutoTokenizer.from_pretrained(out)
    text = UKRAINIAN[1]
    assert hf_tok(text, add_special_tokens=False).input_ids == ukrainian_tok.encode(text)
    assert model.get_input_embeddings().weight.shape[0] == ukrainian_tok.vocab_size == model.config.vocab_size
    assert hf_tok.eos_token == "<|endoftext|>" and model.config.eos_token_id == 0
    with torch.no_grad():
        assert model(torch.tensor([ukrainian_tok.encode(text)])).logits.shape[-1] == ukrainian_tok.vocab_size


def test_cli_transfer_then_eval_json(tmp_path, capsys, source_dir, ukrainian_tok, uk_file):
    target = ukrainian_tok.save(tmp_path / "tok")
    assert run_cli(["adapt", "transfer", source_dir, "--to", str(target), "--method", "fvt", "-o", str(tmp_path / "a")]) == 0
    assert "rows copied" in capsys.readouterr().out
    code = run_cli(["adapt", "eval", source_dir, str(tmp_path / "a"), "--text", str(uk_file), "--json",
                    "--resamples", "50"])  # fmt: skip
    rows = json.loads(capsys.readouterr().out)["results"]
    assert code == 0 and [r["model"] for r in rows] == [source_dir, str(tmp_path / "a")]
    assert rows[0]["delta_bits_per_byte"] == 0.0 and rows[1]["n_bytes"] == len(uk_file.read_bytes().rstrip(b"\n"))
    assert rows[1]["bytes_per_token"] > rows[0]["bytes_per_token"]  # the Ukrainian tokenizer compresses Ukrainian
    assert rows[1]["ci_low"] <= rows[1]["bits_per_byte"] <= rows[1]["ci_high"]


def _refused(tmp_path, capsys, argv: list[str], message: str) -> None:
    out = tmp_path / "out"
    assert run_cli([*argv, "-o", str(out)]) == 2
    assert message in " ".join(capsys.readouterr().err.split())
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_a_target_without_exact_bytes_is_refused(tmp_path, capsys, shared, source_dir):
    shared("tokenizers", "hf", "bert-base-uncased", "tokenizer.json")
    argv = ["adapt", "transfer", source_dir, "--to", "bert-base-uncased", "--method", "fvt"]
    _refused(tmp_path, capsys, argv, "has no exact bytes")


def test_a_dictionary_in_the_wrong_format_is_refused(tmp_path, capsys, source_dir, uk_file):
    bad = tmp_path / "dict.txt"
    bad.write_text("dog собака\n", encoding="utf-8")  # a space, not a tab
    argv = ["adapt", "transfer", source_dir, "--to", "gpt2", "--method", "wechsel", "--aux-corpus", str(uk_file),
            "--source-corpus", str(uk_file), "--dict", str(bad)]  # fmt: skip
    _refused(tmp_path, capsys, argv, "dict.txt:1 is not 'source<TAB>target'")


def test_a_donor_whose_tokenizer_is_not_the_target_is_refused(tmp_path, capsys, source_dir, ukrainian_tok):
    target = ukrainian_tok.save(tmp_path / "tok")
    argv = ["adapt", "transfer", source_dir, "--to", str(target), "--method", "omp", "--donor", source_dir]
    _refused(tmp_path, capsys, argv, "is not the target tokenizer")


def test_an_auxiliary_corpus_too_small_for_vectors_is_refused(tmp_path, capsys, source_dir, ukrainian_tok):
    target, small = ukrainian_tok.save(tmp_path / "tok"), tmp_path / "small.txt"
    small.write_text(UKRAINIAN[0], encoding="utf-8")
    argv = ["adapt", "transfer", source_dir, "--to", str(target), "--method", "focus", "--aux-corpus", str(small)]
    _refused(tmp_path, capsys, argv, "too few to train static vectors")


def test_special_tokens_that_cannot_be_mapped_are_refused_without_add_specials(tmp_path, capsys, source_dir):
    from tokenizers import Tokenizer as HFTokenizer

    bare = json.loads(train_toy(UKRAINIAN, 300).native_bytes())
    bare["added_tokens"] = []  # no special token at all: nothing can play the source's <|endoftext|>
    bare["model"]["vocab"] = {k: v for k, v in bare["model"]["vocab"].items() if k != "<|endoftext|>"}
    path = tmp_path / "bare.json"
    path.write_text(HFTokenizer.from_str(json.dumps(bare)).to_str(), encoding="utf-8")
    argv = ["adapt", "transfer", source_dir, "--to", str(path), "--method", "fvt", "--no-add-specials"]
    _refused(tmp_path, capsys, argv, "has no special token for the source model's bos role")


def test_an_unknown_method_and_a_missing_input_are_refused(tmp_path, capsys, source_dir):
    _refused(tmp_path, capsys, ["adapt", "transfer", source_dir, "--to", "gpt2", "--method", "fvtt"], "did you mean: fvt")
    _refused(tmp_path, capsys, ["adapt", "transfer", source_dir, "--to", "gpt2", "--method", "omp"], "needs --donor")


def test_an_earlier_output_is_replaced_but_another_directory_is_not(tmp_path, capsys, source_dir, ukrainian_tok):
    target = str(ukrainian_tok.save(tmp_path / "tok"))
    argv = ["adapt", "transfer", source_dir, "--to", target, "--method", "random", "-o", str(tmp_path / "m")]
    assert run_cli(argv) == 0 and run_cli(argv) == 0  # the second run replaces the first
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    assert run_cli([*argv[:-1], str(tmp_path / "other")]) == 2
    assert "not an earlier adapt output" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "other").iterdir()] == ["notes.txt"]


def test_the_source_model_itself_is_unchanged_on_disk(tmp_path, ukrainian_tok):
    source = Path(write_source(tmp_path / "src", train_toy(UKRAINIAN[:2] * 40, 280)))
    before = {p.name: p.read_bytes() for p in source.iterdir()}
    transfer(str(source), to=ukrainian_tok, method="fvt", out=tmp_path / "x")
    assert {p.name: p.read_bytes() for p in source.iterdir()} == before
