"""Empty input: an empty or whitespace-only file is an error (exit 2, one message); empty TEXT gives no tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.zoo.conftest import run_cli


@pytest.mark.parametrize("content", [b"", b"\n\n", b"  \t\n"])
@pytest.mark.parametrize("command", ["encode", "train", "eval"])
def test_an_empty_file_is_one_error(zoo_dir, tmp_path: Path, capsys, content: bytes, command: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    argv = {
        "encode": ["encode", "gpt2", "--file", str(path)],
        "train": ["train", "--algo", "bpe", "--vocab-size", "300", "-o", str(tmp_path / "out"), str(path)],
        "eval": ["eval", "gpt2", "--corpus", str(path), "--resamples", "0"],
    }[command]
    assert run_cli(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "empty" in errors[0] and "Traceback" not in captured.err


def test_empty_text_as_an_argument_is_valid_and_gives_no_tokens(zoo_dir, capsys) -> None:
    assert run_cli(["encode", "gpt2", "", "--json", "--strict"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["ids"], out["n_bytes"]) == ([], 0)
