"""Hypothesis: the verified accelerator of each tokenizer gives the backend's ids on 10^5 random strings
(1,000 batches of 100), one at a time and in batches. Slow: CI runs it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokensmith
from tokensmith.accel.select import accelerator_for

SPECS = ["gpt2", "cl100k_base", "o200k_base", "llama3", "smollm2", "gemma3", "mistral-v3"]
TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.text(alphabet=" \n\t0aé日🙂'", max_size=40)


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS)
def test_accelerator_equals_backend_on_random_strings(spec):
    tok = tokensmith.load(spec)
    acc = accelerator_for(tok)
    if acc is None:
        pytest.skip(f"no verified accelerator for {spec} here")

    @settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.lists(TEXT, min_size=100, max_size=100))
    def check(texts):
        expected = tok.backend.encode_batch(texts, add_special_tokens=False)
        assert acc.encode_batch(texts) == expected
        assert [acc.encode(t) for t in texts[:10]] == expected[:10]

    check()
