"""`tokensmith eval --corpus FILE|DIR|GLOB [--lang CODE]`: monolingual text, every metric but parity.

The tokenizer is a byte-level BPE with the single merge h+e, so each byte is one token except "he": "hehe" is 2
tokens for 4 bytes, "ah" 2 tokens for 2 bytes. Bytes per token can then be checked by hand.
"""

from __future__ import annotations

import gzip
import json

import pytest

from tests.conftest import run_cli, shared_path
from tests.report.conftest import byte_bpe
from tokensmith.corpora.monolingual import MonolingualCorpus
from tokensmith.measure import EvalConfig, EvalInputs, evaluate


@pytest.fixture
def he_tok(tmp_path):
    byte_bpe(tmp_path / "he.json", [("h", "e")])
    return tmp_path / "he.json"


@pytest.fixture
def texts(tmp_path):
    d = tmp_path / "texts"
    d.mkdir()
    (d / "fra-CA.txt").write_text("hehe\nah\n", encoding="utf-8")  # 6 bytes, 4 tokens
    with gzip.open(d / "deu_Latn.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("he\n")  # 2 bytes, 1 token
    (d / "notes.txt").write_text("ahah\n", encoding="utf-8")  # 4 bytes, 4 tokens
    return d


def _eval(capsys, *args):
    code = run_cli(["eval", *args, "--resamples", "0", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out), captured.err


def _value(obj, metric, corpus):
    return next(r["value"] for r in obj["rows"] if r["metric"] == metric and r["corpus"] == corpus)


def test_a_text_file_takes_its_language_and_name_from_the_stem(he_tok, texts, capsys):
    obj, err = _eval(capsys, str(he_tok), "--corpus", str(texts / "fra-CA.txt"))
    assert {(r["corpus"], r["lang"]) for r in obj["rows"]} == {("fra-CA", "fra_Latn-CA")}
    assert _value(obj, "bytes_per_token", "fra-CA") == 6 / 4
    metrics = {r["metric"] for r in obj["rows"]}
    assert {"bytes_per_token", "chars_per_token", "tokens_per_kb", "fertility", "continued_words", "unk_rate",
            "byte_fallback_rate", "renyi_efficiency", "shannon_efficiency", "vocab_utilization"} <= metrics
    assert not any(m.startswith("parity_") for m in metrics)
    assert obj["notes"] == [n for n in obj["notes"] if "parity_* not computed on fra-CA" in n] != []
    assert "monolingual" in err and "--parallel" in err  # the note, on stderr: not an error
    assert obj["langs"]["fra_Latn-CA"] == {"script": "Latn", "spaceless": False}


def test_a_gzip_file_is_read_and_named_without_its_suffixes(he_tok, texts, capsys):
    obj, _ = _eval(capsys, str(he_tok), "--corpus", str(texts / "deu_Latn.txt.gz"))
    assert {(r["corpus"], r["lang"]) for r in obj["rows"]} == {("deu_Latn", "deu_Latn")}
    assert _value(obj, "bytes_per_token", "deu_Latn") == 2.0


def test_a_directory_gives_one_corpus_per_file_with_und_for_names_that_are_no_language(he_tok, texts, capsys):
    obj, _ = _eval(capsys, str(he_tok), "--corpus", str(texts))
    assert {(r["corpus"], r["lang"]) for r in obj["rows"]} == {
        ("fra-CA", "fra_Latn-CA"), ("deu_Latn", "deu_Latn"), ("notes", "und")}  # fmt: skip
    assert _value(obj, "bytes_per_token", "notes") == 1.0


def test_a_glob_picks_only_the_matching_files(he_tok, texts, capsys):
    obj, _ = _eval(capsys, str(he_tok), "--corpus", str(texts / "*.txt"))
    assert {r["corpus"] for r in obj["rows"]} == {"fra-CA", "notes"}


def test_lang_overrides_the_stem_for_every_corpus(he_tok, texts, capsys):
    obj, _ = _eval(capsys, str(he_tok), "--corpus", str(texts / "notes.txt"), "--corpus",
                   str(texts / "fra-CA.txt"), "--lang", "de")  # fmt: skip
    assert {(r["corpus"], r["lang"]) for r in obj["rows"]} == {("notes", "deu_Latn"), ("fra-CA", "deu_Latn")}


def test_lang_given_once_per_corpus_pairs_in_order(he_tok, texts, capsys):
    obj, _ = _eval(capsys, str(he_tok), "--corpus", str(texts / "notes.txt"), "--lang", "pt-BR",
                   "--corpus", str(texts / "fra-CA.txt"), "--lang", "fr")  # fmt: skip
    assert {(r["corpus"], r["lang"]) for r in obj["rows"]} == {("notes", "por_Latn-BR"), ("fra-CA", "fra_Latn")}


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["--lang", "fr"], "give --corpus FILE too"), (["--corpus", "A", "--corpus", "B", "--lang", "fr", "--lang", "de",
      "--lang", "it"], "once per --corpus"), (["--corpus", "missing.txt"], "does not exist")],
)
def test_bad_corpus_options_are_user_errors(he_tok, texts, capsys, monkeypatch, args, needle):
    monkeypatch.chdir(texts)
    code = run_cli(["eval", str(he_tok), *[a.replace("A", "notes.txt").replace("B", "fra-CA.txt") for a in args]])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "Traceback" not in err


def test_limit_keeps_the_first_lines_of_a_corpus(he_tok, texts, capsys):
    obj, _ = _eval(capsys, str(he_tok), "--corpus", str(texts / "fra-CA.txt"), "--limit", "1")
    assert _value(obj, "bytes_per_token", "fra-CA") == 4 / 2 and obj["rows"][0]["n"] == 1


def test_noise_rows_are_measured_on_a_monolingual_corpus_too(he_tok, texts, capsys):
    obj, _ = _eval(capsys, str(he_tok), "--corpus", str(texts / "fra-CA.txt"), "--noise", "0.5")
    assert {r["param"] for r in obj["rows"] if r["metric"] == "noise_edit_distance"} == {0.5}


def test_the_python_api_takes_loaded_corpora_and_paths(he_tok, texts):
    loaded = MonolingualCorpus(name="mine", texts={"eng_Latn": ["hehe"]})
    res = evaluate([str(he_tok)], EvalInputs(corpus=[loaded, texts / "notes.txt"]), config=EvalConfig(resamples=0))
    assert res.select(metric="bytes_per_token", corpus="mine")[0].value == 2.0
    assert res.select(metric="bytes_per_token", corpus="notes")[0].lang == "und"
    assert res.select(metric="parity_premium") == [] and len(res.notes) == 2


def test_lossless_is_true_for_gpt2_and_false_for_bert_base_uncased(tmp_path, capsys):
    shared_path("tokenizers", "tiktoken", "gpt2.tiktoken")
    shared_path("tokenizers", "hf", "bert-base-uncased", "tokenizer.json")
    (tmp_path / "eng.txt").write_text("Hello World, naïve café!\nTokenizers DIFFER.\n", encoding="utf-8")
    code = run_cli(["eval", "gpt2", "bert-base-uncased", "--corpus", str(tmp_path / "eng.txt"), "--resamples", "0"])
    captured = capsys.readouterr()
    assert code == 0
    assert "bert-base-uncased (lossy)" in captured.out and "gpt2 (lossy)" not in captured.out
    assert "lossy:" in captured.err and "bert-base-uncased" in captured.err
    res = evaluate(["gpt2", "bert-base-uncased"], EvalInputs(corpus=tmp_path / "eng.txt"),
                   config=EvalConfig(resamples=0))  # fmt: skip
    assert {r.lossless for r in res.select(tokenizer="gpt2")} == {True}
    assert {r.lossless for r in res.select(tokenizer="bert-base-uncased")} == {False}
