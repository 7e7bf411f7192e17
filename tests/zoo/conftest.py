"""Fixtures for the zoo, conversion and encode/decode tests: the shared tokenizer folder and a CLI runner."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli, shared_path  # noqa: F401  (run_cli re-exported)


@pytest.fixture
def zoo_dir(monkeypatch):
    """../shared/data/tokenizers as the zoo folder (skips when absent); the hub is switched off."""
    path = shared_path("tokenizers")
    monkeypatch.setenv("TOKENSMITH_ZOO_DIR", str(path))
    monkeypatch.setenv("TOKENSMITH_OFFLINE", "1")
    return path

