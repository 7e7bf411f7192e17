"""`tokensmith zoo` in an 80-column terminal: short paths, whole words, full paths kept in --json."""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len

from tests.zoo.conftest import run_cli
from tokensmith.cli.zoo import fit_words, short_path
from tokensmith.zoo import entry_status, zoo_dir_from, zoo_status


@pytest.fixture
def columns_80(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def _lines(capsys) -> list[str]:
    lines = capsys.readouterr().out.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    return lines


def test_package_paths_show_as_package_name_and_file(columns_80, monkeypatch, capsys):
    monkeypatch.delenv("TOKENSMITH_ZOO_DIR", raising=False)
    assert run_cli(["zoo"]) == 0
    words = " ".join(_lines(capsys)).split()
    for r in zoo_status():
        if r.available:
            shown = short_path(r, folder=None)
            assert set(shown.split()) <= set(words), f"{shown!r} is broken across lines"
            assert r.path not in " ".join(words)
    if entry_status("gpt2").source == "package":
        assert "openai-whisper: gpt2.tiktoken" in " ".join(words)


def test_zoo_folder_paths_are_relative_to_it(zoo_dir, columns_80, capsys):
    assert run_cli(["zoo", "--zoo-dir", str(zoo_dir)]) == 0
    lines = _lines(capsys)
    assert any(line.split()[:4] == ["o200k_base", "yes", "dir", "tiktoken/o200k_base.tiktoken"] for line in lines)
    assert short_path(entry_status("llama2"), folder=zoo_dir_from(None)) == "hf/llama2/tokenizer.json"


def test_json_keeps_the_full_paths(zoo_dir, capsys):
    assert run_cli(["zoo", "--json", "--zoo-dir", str(zoo_dir)]) == 0
    by_name = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert by_name["o200k_base"]["path"] == str(zoo_dir / "tiktoken" / "o200k_base.tiktoken")


def test_long_reasons_wrap_between_words_and_long_urls_are_shortened(columns_80, monkeypatch, capsys):
    # Nothing installed, no folder, offline: every row is a long reason ending in a hub address.
    monkeypatch.delenv("TOKENSMITH_ZOO_DIR", raising=False)
    monkeypatch.setenv("TOKENSMITH_OFFLINE", "1")
    monkeypatch.setattr("tokensmith.zoo.importlib.util.find_spec", lambda name: None)
    assert run_cli(["zoo"]) == 0
    words = set(" ".join(_lines(capsys)).split())
    reason_words = set(" ".join(r.reason or "" for r in zoo_status()).split())
    shortened = [w.split("…") for w in words if "…" in w]
    assert shortened  # the hub URLs are wider than the column
    for word in reason_words:  # each word of each reason is shown whole, or shortened in the middle
        assert word in words or any(word.startswith(h) and word.endswith(t) for h, t in shortened), word


def test_fit_words_keeps_the_last_part_of_a_long_path():
    assert fit_words("see /a/very/long/folder/name/tokenizer.model now", 24) == "see /a/very…/tokenizer.model now"
    assert fit_words("short words stay", 8) == "short words stay"
