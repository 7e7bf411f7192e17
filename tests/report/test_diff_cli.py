"""`tokensmith diff` through the real entry point with zoo tokenizers: an 80-column terminal, --ids, --json, --html."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import run_cli

ZOO = ["gpt2", "llama3", "mistral-v3", "bert-base-uncased"]
TEXT = ("Die Donaudampfschifffahrtsgesellschaft fährt nach Wien.\n"
        "東京の天気は晴れです 🙂\tnaïve café  ok\n") * 3


@pytest.fixture
def columns_80(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def test_no_line_is_wider_than_an_80_column_terminal(columns_80, tmp_path: Path, capsys):
    sample = tmp_path / "sample.txt"
    sample.write_text(TEXT, encoding="utf-8")
    assert run_cli(["diff", *ZOO, "--file", str(sample)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    # Captured output has no colours, so '│' separates the tokens; every tokenizer has its summary line.
    assert all(any(line.startswith(f"{name}  ") for line in lines) for name in ZOO)
    assert any("│" in line for line in lines)


def test_ids_flag_prints_each_id_after_its_token(columns_80, capsys):
    assert run_cli(["diff", "gpt2", "--text", "Hello world", "--ids"]) == 0
    assert "Hello 15496│·world 995" in capsys.readouterr().out.splitlines()


def test_json_gives_ids_bytes_and_null_text_for_split_tokens(capsys):
    assert run_cli(["diff", "gpt2", "llama3", "--text", "東京", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    gpt2, llama3 = doc["tokenizers"]
    assert [(t["id"], t["bytes_hex"], t["text"]) for t in gpt2["tokens"]] == [
        (30266, "e69d", None), (109, "b1", None), (12859, "e4ba", None), (105, "ac", None)]
    assert [(t["bytes_hex"], t["text"]) for t in llama3["tokens"]] == [("e69db1e4baac", "東京")]
    assert doc["shared_cuts"] == [] and llama3["bytes_per_token"] == 6.0


def test_html_with_ids_starts_with_the_ids_shown(tmp_path: Path, capsys):
    page = tmp_path / "d.html"
    assert run_cli(["diff", "gpt2", "mistral-v3", "--text", "naïve", "--html", str(page), "--ids"]) == 0
    html = page.read_text(encoding="utf-8")
    assert "id=show-ids checked" in html and f"wrote {page}" in capsys.readouterr().out
