"""`tokensmith report` and `tokensmith diff` through the real entry point, exit codes included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.report.make_results import synthetic_results
from tests.conftest import run_cli



def test_report_writes_the_page_and_a_json_summary(tmp_path, capsys):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(synthetic_results()), encoding="utf-8")
    out = tmp_path / "r.html"
    assert run_cli(["report", str(results), "-o", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["report"] == str(out) and out.stat().st_size == info["bytes"]
    assert info["tokenizers"] == list(synthetic_results()["tokenizers"])


@pytest.mark.parametrize("content", [None, "[1, 2]", '{"schema": "tokensmith.results/0"}'])
def test_report_on_a_missing_or_invalid_file_exits_2_without_traceback(tmp_path, capsys, content):
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert run_cli(["report", str(path), "-o", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err and "tokensmith eval" in err
    assert not (tmp_path / "r.html").exists()


def test_diff_json_gives_each_tokenizers_spans(pair, tmp_path, capsys):
    specs = [str(tmp_path / "a.json"), str(tmp_path / "b.json")]
    assert run_cli(["diff", *specs, "--text", "hello", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [t["name"] for t in doc["tokenizers"]] == ["a.json", "b.json"]
    assert [(t["start"], t["end"]) for t in doc["tokenizers"][0]["tokens"]] == [(0, 4), (4, 5)]
    assert [(t["start"], t["end"]) for t in doc["tokenizers"][1]["tokens"]] == [(0, 1), (1, 5)]


def test_diff_reads_a_file_and_writes_html(pair, tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text("hello\nhello", encoding="utf-8")
    page = tmp_path / "d.html"
    assert run_cli(["diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--file", str(text),
                 "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert "a.json" in out and "boundaries shared by all" in out
    assert "<table" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("args", [[], ["--text", "x", "--file", "y"], ["--file", "nope.txt"]])
def test_diff_needs_exactly_one_readable_text_source(pair, tmp_path, capsys, args):
    assert run_cli(["diff", str(tmp_path / "a.json"), *args]) == 2
    err = capsys.readouterr().err
    assert "--text" in err or "does not exist" in err


def test_diff_on_an_unknown_tokenizer_exits_2(capsys):
    assert run_cli(["diff", "no-such-tokenizer-zz", "--text", "x"]) == 2
    assert "Traceback" not in capsys.readouterr().err
