"""Dropped text through the real entry point: one `warning: dropped` line on stderr, `--strict` exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.strict.toys import lossy_a, meta_ab

pytestmark = pytest.mark.usefixtures("zoo_dir")


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning: dropped")]


def test_encode_warns_once_with_the_offset_for_the_issue_vocabulary(tmp_path: Path, capsys) -> None:
    assert run_cli(["encode", str(lossy_a(tmp_path)), "hello", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["ids"] == []
    assert _warnings(captured.err) == [
        "warning: dropped 5 bytes (first at byte offset 0) of the input: b'hello' is in no token of lossy_a "
        "(--strict makes this an error)."
    ]


def test_encode_strict_exits_2_with_one_message(tmp_path: Path, capsys) -> None:
    assert run_cli(["encode", str(meta_ab(tmp_path)), "abc", "--strict"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("error: dropped 1 byte (first at byte offset 2)")


def test_encode_of_a_text_it_spells_says_nothing(capsys) -> None:
    assert run_cli(["encode", "gpt2", "Hello world", "--strict"]) == 0
    assert capsys.readouterr().err == ""


def test_diff_warns_per_tokenizer_that_drops(tmp_path: Path, capsys) -> None:
    assert run_cli(["diff", str(lossy_a(tmp_path)), "gpt2", "--text", "hello aha"]) == 0
    assert _warnings(capsys.readouterr().err) == [
        "warning: dropped 6 bytes (first at byte offset 0) of the text: b'hello ' is in no token of lossy_a "
        "(--strict makes this an error)."
    ]
    assert run_cli(["diff", str(lossy_a(tmp_path)), "gpt2", "--text", "hello", "--strict"]) == 2


def test_eval_corpus_names_the_line_a_lossless_tokenizer_drops(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "notes.txt"
    corpus.write_text("ab ba\nabc\n", encoding="utf-8")
    args = ["eval", str(meta_ab(tmp_path)), "gpt2", "--corpus", str(corpus), "--resamples", "0", "--json"]
    assert run_cli(args) == 0
    assert _warnings(capsys.readouterr().err) == [
        "warning: dropped 1 byte (first at byte offset 2) of line 2 of corpus 'notes' (und): b'c' is in no token of "
        "meta_ab (--strict makes this an error)."
    ]
    assert run_cli([*args, "--strict"]) == 2


def test_convert_verify_refuses_a_vocabulary_that_drops_the_text(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "check.txt"
    corpus.write_text("hello\n", encoding="utf-8")
    out = tmp_path / "out.json"
    assert run_cli(["convert", str(lossy_a(tmp_path)), str(out), "--verify", str(corpus)]) == 2
    err = capsys.readouterr().err
    assert "its tokens do not spell" in err and "dropped 10 bytes (first at byte offset 0)" in err  # 'Hello world'
    assert not out.exists()


def test_verify_lines_fails_on_equal_ids_that_drop_the_line(tmp_path: Path) -> None:
    from tokensmith import load
    from tokensmith.formats.verify import verify_lines

    tok = load(str(lossy_a(tmp_path)))
    v = verify_lines(tok, tok, ["a", "hello"])
    assert (v.n_identical, v.first_mismatch, v.identical) == (2, None, False)  # same ids on both sides, yet...
    assert v.first_drop is not None and v.first_drop.describe() == (
        "line 2 b'hello': dropped 5 bytes (first at byte offset 0): b'hello' is in no token"
    )
