"""`tokensmith train` through the real entry point: files written, JSON summary, exit code 2 on bad input."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tokensmith import load
from tokensmith.cli.main import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_bpe_to_a_directory_with_json_summary(tmp_path: Path, corpus_file: Path, capsys) -> None:
    code, out, err = run_cli(["train", "--vocab-size", "400", "-o", str(tmp_path / "out"), "--json", str(corpus_file)], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["lines"] == 1500 and summary["vocab_size"] == 400
    assert summary["files"] == {"tokenizer.json": str(tmp_path / "out" / "tokenizer.json")}
    assert load(summary["files"]["tokenizer.json"]).vocab_size == 400


def test_sentencepiece_writes_model_and_json(tmp_path: Path, corpus_file: Path, capsys) -> None:
    out_json = tmp_path / "sp" / "uni.json"
    args = ["train", "--algo", "unigram", "--engine", "sentencepiece", "--vocab-size", "400", "-o", str(out_json)]
    code, out, err = run_cli([*args, str(corpus_file)], capsys)
    assert code == 0, err
    assert "wrote" in out
    model, js = load(str(out_json.with_suffix(".model"))), load(str(out_json))
    text = "riri ваφα 京"
    assert model.encode(text) == js.encode(text)


def test_jsonl_field_and_compressed_input(tmp_path: Path, lines: list[str], capsys) -> None:
    path = tmp_path / "docs.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps({"body": t}) + "\n" for t in lines).encode()))
    code, out, err = run_cli(["train", "--vocab-size", "300", "-o", str(tmp_path / "o"), "--field", "body", "--json", str(path)], capsys)
    assert code == 0, err
    assert json.loads(out)["lines"] == len(lines)


@pytest.mark.parametrize(
    ("extra", "content", "message"),
    [
        (["--vocab-size", "100"], b"hello world\n", "at least 257"),
        (["--vocab-size", "400"], b"ok\n\xff\n", "byte offset 3"),
        (["--vocab-size", "400"], b"\n\n", "empty"),
        (["--vocab-size", "400", "--algo", "wordpiece", "--engine", "sentencepiece"], b"x\n", "wordpiece: hf"),
        (["--vocab-size", "400", "--algo", "bpee"], b"x\n", "did you mean|choose one of"),
        (["--vocab-size", "400", "--normalization", "nfx"], b"x\n", "none, nfc, nfkc, nfkc_lower"),
    ],
)
def test_bad_input_exits_2_without_traceback(tmp_path: Path, capsys, extra: list[str], content: bytes, message: str) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(content)
    out_dir = tmp_path / "out"
    code, _, err = run_cli(["train", *extra, "-o", str(out_dir), str(corpus)], capsys)
    assert code == 2
    assert "Traceback" not in err
    assert re.search(message, " ".join(err.split()))
    assert not out_dir.exists()  # nothing half-written


def test_on_bad_utf8_replace(tmp_path: Path, corpus_file: Path, capsys) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(corpus_file.read_bytes() + b"caf\xe9\n")
    args = ["train", "--vocab-size", "400", "-o", str(tmp_path / "o"), "--on-bad-utf8", "replace", str(bad)]
    assert run_cli(args, capsys)[0] == 0


def test_installed_command(tmp_path: Path, corpus_file: Path) -> None:
    exe = Path(sys.executable).with_name("tokensmith")
    if not exe.exists():
        pytest.skip("the tokensmith console script is not installed next to this Python")
    out = tmp_path / "bert"
    proc = subprocess.run(
        [str(exe), "train", "--algo", "wordpiece", "--vocab-size", "400", "-o", str(out), str(corpus_file)],
        capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    transformers = pytest.importorskip("transformers")
    fast = transformers.PreTrainedTokenizerFast(tokenizer_file=str(out / "tokenizer.json"))
    tok = load(str(out))
    assert fast.encode("riri ваφα") == tok.encode("riri ваφα", add_special_tokens=True)
    framed = fast.convert_ids_to_tokens(fast.encode("riri"))
    assert (framed[0], framed[-1]) == ("[CLS]", "[SEP]")
