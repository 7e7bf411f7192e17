"""TOKENSMITH_ACCEL=0 and the CLI's --no-accel turn accelerators off; Tokenizer.encoder names what is used."""

from __future__ import annotations

import json

import pytest

import tokensmith
from tokensmith.accel import registry
from tokensmith.accel.select import accelerator_for
from tests.conftest import run_cli

from .toys import entry


@pytest.fixture
def good(monkeypatch):
    built: list = []
    monkeypatch.setattr(registry, "ACCELERATORS", (entry("good", built=built),))
    monkeypatch.setattr(registry, "PREFERENCE", {"tiktoken": ("good",)})
    return built


def test_encoder_names_the_verified_accelerator(good):
    assert tokensmith.load("gpt2").encoder == "good"


@pytest.mark.parametrize(("spec", "library"), [("gpt2", "tiktoken"), ("mistral-v3", "sentencepiece"),
                                               ("bert-base-uncased", "hf-tokenizers")])  # fmt: skip
def test_encoder_names_the_backend_library_when_accelerators_are_off(spec, library, monkeypatch):
    monkeypatch.setenv("TOKENSMITH_ACCEL", "0")
    assert tokensmith.load(spec).encoder == library


def test_env_zero_turns_a_verified_accelerator_off(good, monkeypatch):
    tok = tokensmith.load("gpt2")
    assert accelerator_for(tok) is not None
    monkeypatch.setenv("TOKENSMITH_ACCEL", "0")
    assert accelerator_for(tok) is None and tok.encoder == "tiktoken"
    calls = good[-1].calls
    tok.encode_batch(["Hello world, " * 40] * 500)
    assert good[-1].calls == calls


def test_no_accel_flag_reaches_the_encoders(tmp_path, capsys):
    corpus = tmp_path / "lines.txt"
    corpus.write_text("Hello world\nGrüße aus Köln\n", encoding="utf-8")
    assert run_cli(["--no-accel", "bench", "encode", "gpt2", "--corpus", str(corpus), "--cores", "1", "--json"]) == 0
    encoders = [r["encoder"] for r in json.loads(capsys.readouterr().out)["results"]]
    assert "tokensmith (tiktoken)" in encoders
