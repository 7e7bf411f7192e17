"""Accelerator tests: each starts and ends with no remembered choice and its own verification cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tokensmith.accel import select


@pytest.fixture(autouse=True)
def _fresh_choices(tmp_path, monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("TOKENSMITH_CACHE", str(tmp_path / "cache"))
    select.forget()
    yield
    select.forget()
