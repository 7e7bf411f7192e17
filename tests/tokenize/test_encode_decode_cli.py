"""`tokensmith encode` / `tokensmith decode` through the real entry point, on worked examples."""

from __future__ import annotations

import io
import json

from tests.zoo.conftest import run_cli


def test_encode_json_gives_ids_bytes_and_byte_offsets(zoo_dir, capsys):
    assert run_cli(["encode", "o200k_base", "Hello world", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ids"] == [13225, 2375] and out["n_bytes"] == 11
    assert out["tokens"][1] == {"id": 2375, "bytes": list(b" world"), "text": " world", "start": 5, "end": 11}


def test_encode_shows_partial_utf8_tokens_as_escaped_bytes(zoo_dir, capsys):
    assert run_cli(["encode", "gpt2", "𝔘", "--json"]) == 0
    tokens = json.loads(capsys.readouterr().out)["tokens"]
    assert b"".join(bytes(t["bytes"]) for t in tokens) == "𝔘".encode()
    assert any("\\x" in t["text"] for t in tokens)  # a token holding part of a 4-byte character


def test_encode_human_output_lists_each_token_with_its_span(zoo_dir, capsys):
    assert run_cli(["encode", "o200k_base", "Hello world"]) == 0
    out = capsys.readouterr().out
    assert "[13225, 2375]" in out and '5-11' in out and '" world"' in out


def test_encode_reads_a_file_and_stdin_byte_exactly(zoo_dir, capsys, monkeypatch, tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes("Hello world\n".encode())
    assert run_cli(["encode", "gpt2", "--file", str(path), "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)["ids"]
    monkeypatch.setattr("sys.stdin", io.StringIO("Hello world\n"))
    assert run_cli(["encode", "gpt2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ids"] == from_file == [15496, 995, 198]


def test_encode_sentencepiece_offsets_leave_out_the_dummy_prefix(zoo_dir, capsys):
    assert run_cli(["encode", "mistral-v1", "Hello world", "--json"]) == 0
    tokens = json.loads(capsys.readouterr().out)["tokens"]
    assert [(t["text"], t["start"], t["end"]) for t in tokens] == [(" Hello", 0, 5), (" world", 5, 11)]


def test_decode_args_and_stdin_forms_agree(zoo_dir, capsys, monkeypatch):
    assert run_cli(["decode", "gpt2", "15496", "995"]) == 0
    assert capsys.readouterr().out == "Hello world\n"
    for raw in ("[15496, 995]", "15496 995\n"):
        monkeypatch.setattr("sys.stdin", io.StringIO(raw))
        assert run_cli(["decode", "gpt2", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["text"] == "Hello world" and bytes(out["bytes"]) == b"Hello world"
        assert [t["text"] for t in out["tokens"]] == ["Hello", " world"]
