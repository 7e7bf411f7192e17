"""A library failure inside encode or decode (a Rust panic, a library exception) ends as one exit-2 message naming the
file, never a traceback (issue 10: the panic guard on the Hugging Face and SentencePiece paths).

The two tokenizer.json files are real and written by hand: `tokenizers` loads both, then fails on the first text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tokensmith
from tests.conftest import run_cli
from tokensmith.errors import TokenizerFileError, TokensmithError

pytestmark = pytest.mark.usefixtures("zoo_dir")

_AB = {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]}


def _tokenizer_json(folder: Path, name: str, **fields: object) -> Path:
    config = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
              "pre_tokenizer": None, "post_processor": None, "decoder": None, "model": _AB}  # fmt: skip
    config.update(fields)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _one_error(err: str) -> str:
    """The CLI's stderr, which must be one `error:` paragraph and no traceback (Rust's own panic hook writes to
    file descriptor 2 directly, which capsys does not see)."""
    assert "Traceback" not in err and err.startswith("error: ") and err.count("error: ") == 1, err
    return err


def test_a_real_rust_panic_in_encode_exits_2_naming_the_file(tmp_path: Path, capsys) -> None:
    # Truncation with a stride not below max_length: tokenizers panics on any text longer than one token.
    path = _tokenizer_json(tmp_path, "stride", truncation={"direction": "Right", "max_length": 1, "stride": 5,
                                                           "strategy": "LongestFirst"})  # fmt: skip
    assert run_cli(["encode", str(path), "abab ab"]) == 2
    err = _one_error(capsys.readouterr().err)
    assert f"failed while encoding with '{path}' (PanicException: `stride` must be strictly less than" in err
    assert "Re-download or re-export the tokenizer.json" in err


def test_a_library_exception_in_encode_exits_2_naming_the_file(tmp_path: Path, capsys) -> None:
    # An unk_token missing from the vocabulary loads, and fails on the first character the vocabulary lacks.
    path = _tokenizer_json(tmp_path, "no_unk", model={"type": "BPE", "vocab": {"a": 0}, "merges": [],
                                                      "unk_token": "<unk>"})  # fmt: skip
    assert run_cli(["encode", str(path), "a"]) == 0
    capsys.readouterr()
    assert run_cli(["encode", str(path), "zz", "--json"]) == 2
    err = _one_error(capsys.readouterr().err)
    assert f"'{path}' (Exception: Unk token `<unk>` not found in the vocabulary)" in err


class PanicException(BaseException):
    """Named like pyo3's panic type, which derives from BaseException (`guard.is_panic` goes by the name)."""


class _PanickingProcessor:
    """A SentencePieceProcessor whose encode and decode panic, and which answers everything else as the real one."""

    def __init__(self, real: object) -> None:
        self._real = real

    def __getattr__(self, name: str) -> object:
        if name in ("encode", "decode"):
            raise PanicException(f"{name}: index out of bounds")
        return getattr(self._real, name)


def test_a_panic_in_sentencepiece_encode_exits_2(monkeypatch, capsys) -> None:
    tok = tokensmith.load("mistral-v1")
    monkeypatch.setattr(tok.backend, "sp", _PanickingProcessor(tok.backend.sp))
    monkeypatch.setattr(tokensmith.spec, "load", lambda spec, **_: tok)
    assert run_cli(["encode", "mistral-v1", "Hello world"]) == 2
    err = _one_error(capsys.readouterr().err)
    assert "failed while encoding with 'the SentencePiece model' (PanicException: encode: index out of bounds)" in err
    with pytest.raises(TokenizerFileError, match="failed while decoding with"):
        tok.decode([1, 2])


@pytest.mark.parametrize("name", ["llama2", "mistral-v1"])
def test_an_id_out_of_range_is_the_callers_error_not_the_files(name: str) -> None:
    tok = tokensmith.load(name)
    for bad in (tok.vocab_size, -1):
        with pytest.raises(TokensmithError, match=rf"token id {bad} is out of range: this tokenizer has ids 0\.\.") as e:
            tok.decode([1, bad])
        assert not isinstance(e.value, TokenizerFileError)
