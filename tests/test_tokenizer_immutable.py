"""The Tokenizer is read-only and its backends answer from what they computed once (issue: harden the core)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import tokensmith
from tests.conftest import shared_path
from tokensmith.errors import ConversionError, TokensmithError

SRC = Path(__file__).resolve().parents[1] / "src" / "tokensmith"


def test_renaming_a_loaded_tokenizer_never_changes_the_next_load():
    a = tokensmith.load("gpt2")
    with pytest.raises(AttributeError, match="read-only"):
        a.name = "x"  # type: ignore[misc]
    renamed = a.with_name("x")
    assert renamed.name == "x" and renamed.encode("Hello") == a.encode("Hello")
    assert tokensmith.load("gpt2").name == "gpt2"


def test_the_token_table_cannot_be_corrupted_through_the_tokenizer():
    tok = tokensmith.load("gpt2")
    with pytest.raises(TypeError):
        tok.token_table[15496] = b"XX"  # type: ignore[index]
    assert tok.token_bytes(15496) == b"Hello"
    assert tok.encode_with_offsets("Hello world").offsets == [(0, 5), (5, 11)]


def test_special_tokens_are_a_fresh_copy():
    tok = tokensmith.load("gpt2")
    tok.special_tokens["<|endoftext|>"] = 0
    assert tok.special_tokens == {"<|endoftext|>": 50256}


def test_fingerprint_is_the_sha256_of_the_native_file():
    path = shared_path("tokenizers", "tiktoken", "cl100k_base.tiktoken")
    tok = tokensmith.load(str(path))
    assert tok.fingerprint == hashlib.sha256(path.read_bytes()).hexdigest()
    assert tok.fingerprint == tokensmith.load("cl100k_base").fingerprint != tokensmith.load("o200k_base").fingerprint


@pytest.mark.parametrize("name", ["llama2", "mistral-v1", "gpt2"])
def test_properties_are_computed_once(name):
    backend = tokensmith.load(name).backend
    for attr in ("vocab_size", "special_tokens"):
        first = getattr(backend, attr)
        assert getattr(backend, attr) is first  # the same object: cached, not rebuilt on each access


def test_allowed_special_is_an_allow_list():
    tok = tokensmith.load("cl100k_base")
    text = "a<|endoftext|>b<|fim_prefix|>"
    plain = tok.encode(text)
    assert 100257 not in plain and 100258 not in plain
    only_eot = tok.encode(text, allowed_special={"<|endoftext|>"})
    assert 100257 in only_eot and 100258 not in only_eot
    assert tok.encode(text, allowed_special="all") == tok.encode(text, parse_special=True)
    assert tok.decode(only_eot) == text
    with pytest.raises(TokensmithError, match="allowed_special"):
        tok.encode(text, allowed_special={"<|nope|>"})


def test_sentencepiece_parses_special_text_when_asked():
    tok = tokensmith.load("mistral-v1")
    assert tok.encode("<s>Hi", parse_special=True)[0] == tok.special_tokens["<s>"]
    assert tok.special_tokens["<s>"] not in tok.encode("<s>Hi")
    assert tok.encode("<s>Hi", allowed_special={"<s>"}) == tok.encode("<s>Hi", parse_special=True)


def test_cross_format_save_goes_through_verified_conversion(tmp_path):
    tok = tokensmith.load(str(shared_path("tokenizers", "compoundpiece", "baseline", "en.model")))
    with pytest.raises(ConversionError, match="tokensmith.save"):
        tok.save(tmp_path, format="tokenizer.json")
    with pytest.raises(ConversionError, match="not lossless"):
        tokensmith.save(tok, tmp_path / "en.json", format="tokenizer.json")
    assert not (tmp_path / "en.json").exists()
    assert tokensmith.save(tok, tmp_path).read_bytes() == tok.native_bytes()  # native: written as is


def test_no_module_outside_backends_reads_backend_internals():
    pattern = re.compile(r"backend\._[a-z]|\._normalizers|_encode_bytes\(|backend\.tok\.|type: ignore\[attr-defined\]")
    offenders = [f"{p.relative_to(SRC)}:{n}" for p in SRC.rglob("*.py") if "backends" not in p.parts
                 for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]  # fmt: skip
    assert offenders == []
