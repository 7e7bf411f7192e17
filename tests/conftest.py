"""Shared fixtures: where the shared evaluation data lives, and skips when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TOKENSMITH_SHARED_DATA", ROOT.parent / "shared" / "data"))
SHARED_TOKENIZERS = SHARED / "tokenizers"
FIXTURES = Path(__file__).parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test with the reason."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the shared evaluation data at {path} (set TOKENSMITH_SHARED_DATA); it is absent here")
    return path


@pytest.fixture
def shared():
    return shared_path


def run_cli(argv: list[str]) -> int:
    """Run the real `tokensmith` entry point in-process and return its exit code."""
    from tokensmith.cli.main import main

    try:
        main(argv)
    except SystemExit as e:
        return int(e.code or 0)
    return 0
