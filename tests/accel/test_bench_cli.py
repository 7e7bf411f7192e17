"""`tokensmith bench encode --json`: one row per tokenizer × encoder × cores, ids compared line by line."""

from __future__ import annotations

import json

from tests.conftest import run_cli


def test_json_shape_on_a_small_corpus(tmp_path, capsys):
    corpus = tmp_path / "lines.txt"
    corpus.write_text("Hello world\n\nΕλληνικά κείμενα\n日本語のテキスト\n", encoding="utf-8")
    assert run_cli(["bench", "encode", "gpt2", "--corpus", str(corpus), "--cores", "1,2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["results"]
    assert {"tokenizer", "encoder", "cores", "mb_per_s", "identical_lines", "lines"} <= set(rows[0])
    assert {r["cores"] for r in rows} == {1, 2} and {r["tokenizer"] for r in rows} == {"gpt2"}
    by_name = {(r["encoder"], r["cores"]): r for r in rows}
    assert by_name[("tiktoken batch", 1)]["identical_lines"] == by_name[("tiktoken batch", 1)]["lines"] == 3
    assert any(name.startswith("tokensmith (") for name, _ in by_name)
    assert all(r["mb_per_s"] > 0 for r in rows)


def test_an_undecodable_corpus_is_named_with_its_byte_offset(tmp_path, capsys):
    corpus = tmp_path / "latin1.txt"
    corpus.write_bytes("ok\nGrüße\n".encode("latin-1"))
    assert run_cli(["bench", "encode", "gpt2", "--corpus", str(corpus)]) == 2
    assert "latin1.txt' is not valid UTF-8 at byte offset 5" in capsys.readouterr().err.replace("\n", "")


def test_bad_cores_list_is_a_user_error(tmp_path, capsys):
    corpus = tmp_path / "lines.txt"
    corpus.write_text("Hello\n", encoding="utf-8")
    assert run_cli(["bench", "encode", "gpt2", "--corpus", str(corpus), "--cores", "one"]) == 2
    assert "--cores 1,2" in capsys.readouterr().err
