"""`bytes next` reads a GGUF model once (issue 10): one parse of the file gives config, weights and tokenizer, and an
ensemble that names one model twice loads it once. Counted on a tiny GGUF model (`tiny_gguf.py`), not SmolLM2.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

pytest.importorskip("torch")
pytest.importorskip("transformers")
gguf = pytest.importorskip("gguf")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """(the GGUF file, the HF model it was written from)."""
    import tokensmith
    from conftest import tiny_causal_lm
    from tests.decode_bytes.tiny_gguf import write_tiny_gguf

    tok = tokensmith.train("bpe", ["the cat sat on the mat", "a dog ate the hat"] * 3, vocab_size=280, seed=0)
    model = tok.backend.config["model"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    lm = tiny_causal_lm(vocab_size=len(model["vocab"]))
    return write_tiny_gguf(tmp_path_factory.mktemp("gguf"), lm, model["vocab"], merges), lm


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every `gguf.GGUFReader` made from now on (transformers makes one per read of a file), by file name."""
    made: list[str] = []

    class Counting(gguf.GGUFReader):
        def __init__(self, path, *args, **kwargs) -> None:
            made.append(Path(path).name)
            super().__init__(path, *args, **kwargs)

    monkeypatch.setattr(gguf, "GGUFReader", Counting)
    return made


def test_the_tiny_gguf_holds_the_model_it_was_written_from(tiny) -> None:
    import torch

    from tokensmith.models import load_model

    path, lm = tiny
    loaded = load_model(str(path))
    ids = torch.tensor([[5, 17, 42, 99, 3]])
    with torch.no_grad():
        assert torch.allclose(loaded.model(ids).logits, lm(ids).logits, atol=1e-4)
    assert loaded.tokenizer.vocab_size == lm.config.vocab_size


def test_bytes_next_parses_the_gguf_once(tiny, parses, capsys) -> None:
    path, _ = tiny
    assert run_cli(["bytes", "next", "--model", str(path), "--prefix", "the c", "--top", "1"]) == 0
    assert parses == ["tiny.gguf"]  # before: config, weights and tokenizer, one parse each
    assert "after 'the c'" in capsys.readouterr().out


def test_an_ensemble_naming_one_model_twice_loads_it_once(tiny, parses, monkeypatch, capsys) -> None:
    import tokensmith.models

    loads: list[str] = []
    real = tokensmith.models.load_model
    monkeypatch.setattr(tokensmith.models, "load_model", lambda spec, **kw: loads.append(spec) or real(spec, **kw))
    path, _ = tiny
    assert run_cli(["bytes", "next", "--model", f"{path},{path}", "--prefix", "a d", "--json"]) == 0
    assert loads == [str(path)] and parses == ["tiny.gguf"]
    assert '"forward_calls"' in capsys.readouterr().out
