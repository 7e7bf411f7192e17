"""`tokensmith convert` through the real entry point: reports, and exit code 2 for impossible or lossy conversions."""

from __future__ import annotations

import json

import pytest

import tokensmith
from tests.conftest import shared_path
from tests.zoo.conftest import run_cli

pytest.importorskip("transformers")


def test_convert_json_report_gives_shares_and_pattern(zoo_dir, tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("Hello world\nGrüße 日本\n", encoding="utf-8")
    assert run_cli(["convert", "gpt2", str(tmp_path / "g.json"), "--verify", str(corpus), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dst_format"] == "tokenizer.json" and report["vocab_size"] == 50257
    assert report["verification"]["n_lines"] == 2 and report["verification"]["share"] == 1.0
    assert report["sample"]["first_mismatch"] is None
    assert tokensmith.load(tmp_path / "g.json").encode("Hello world") == [15496, 995]


def test_convert_human_output_names_the_target_and_the_share(zoo_dir, tmp_path, capsys):
    assert run_cli(["convert", "mistral-v3", str(tmp_path / "m3.json")]) == 0
    out = capsys.readouterr().out
    assert "wrote" in out and "lines identical (100.00%)" in out


@pytest.mark.parametrize(
    ("src", "dst", "needle"),
    [
        ("llama2", "x.tiktoken", "metaspace"),
        ("gpt2", "x.model", "only a SentencePiece model"),
        ("gtp2", "x.json", "did you mean: gpt2"),
        ("lossy", "en.json", "not lossless"),
    ],
)
def test_impossible_or_lossy_conversion_exits_2_without_traceback(zoo_dir, tmp_path, capsys, src, dst, needle):
    if src == "lossy":
        src = str(shared_path("tokenizers", "compoundpiece", "baseline", "en.model"))
    assert run_cli(["convert", src, str(tmp_path / dst)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / dst).exists()
