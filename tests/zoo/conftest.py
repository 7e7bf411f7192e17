"""Fixtures for the zoo, conversion and encode/decode tests: the shared tokenizer folder and a CLI runner."""

from __future__ import annotations

import pytest

from tests.conftest import shared_path
from tokensmith.cli.main import main


@pytest.fixture
def zoo_dir(monkeypatch):
    """../shared/data/tokenizers as the zoo folder (skips when absent); the hub is switched off."""
    path = shared_path("tokenizers")
    monkeypatch.setenv("TOKENSMITH_ZOO_DIR", str(path))
    monkeypatch.setenv("TOKENSMITH_OFFLINE", "1")
    return path


def run_cli(argv: list[str]) -> int:
    """Run the real entry point; return its exit code."""
    try:
        main(argv)
    except SystemExit as e:
        return int(e.code or 0)
    return 0
