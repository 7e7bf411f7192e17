"""A long text: `diff` segments and shows only the first `MAX_CHARS` characters, and says so in every view."""

from __future__ import annotations

import json
from pathlib import Path

import tokensmith

from tests.conftest import run_cli
from tokensmith.report.diff import MAX_CHARS, align, render_html, render_rich, to_json

LINE = "Grüße aus Köln, 東京 und Wien. " * 20_000  # one 580,000-character line, no newline


def test_a_long_file_is_cropped_with_a_notice_naming_the_cap(tmp_path: Path, capsys):
    sample = tmp_path / "one-line.txt"
    sample.write_text(LINE + "THE-END", encoding="utf-8")
    assert run_cli(["diff", "gpt2", "--file", str(sample), "--width", "100000"]) == 0
    out = capsys.readouterr().out
    assert f"showing the first {MAX_CHARS:,} of {len(LINE) + 7:,} characters" in out
    assert "THE-END" not in out  # the tail beyond the cap is not rendered


def test_json_says_how_much_was_shown(tmp_path: Path, capsys):
    sample = tmp_path / "one-line.txt"
    sample.write_text(LINE, encoding="utf-8")
    assert run_cli(["diff", "gpt2", "--file", str(sample), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (len(doc["text"]), doc["total_chars"]) == (MAX_CHARS, len(LINE))
    assert doc["notice"].startswith("notice: showing the first 20,000 of 580,000 characters")


def test_the_cropped_tokens_are_those_of_the_excerpt():
    gpt2 = tokensmith.load("gpt2")
    cropped = align([gpt2], LINE, max_chars=100)
    assert [seg.id for seg in cropped.rows[0].segments] == gpt2.encode(LINE[:100])
    assert "notice: showing the first 100 of" in render_rich(cropped).plain
    assert "<p class=notice>notice: showing the first 100 of" in render_html(cropped)


def test_a_short_text_has_no_notice():
    short = align([tokensmith.load("gpt2")], "Hello world")
    assert short.total_chars is None
    assert "notice" not in render_rich(short).plain and to_json(short)["notice"] is None
    assert "class=notice" not in render_html(short)


def test_max_chars_none_segments_everything():
    full = align([tokensmith.load("gpt2")], LINE[:30_000], max_chars=None)
    assert (len(full.text), full.total_chars) == (30_000, None)
