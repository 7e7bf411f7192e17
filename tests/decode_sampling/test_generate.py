"""Sampling through the real generation loop (tiny random Llama, fp32): what can be checked exactly on a model.

Top-k 1 sampling is greedy decoding, so every drafter must then reproduce HF greedy token for token; a fixed seed
gives the same text twice; bad sampling options are refused. The distributional claims are `test_exactness.py`'s.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.decode_speculative.conftest import VOCAB, hf_greedy, tiny_llama
from tokensmith.decode.draft_model import ModelQ
from tokensmith.decode.draft_self import self_draft
from tokensmith.decode.drafters import make_drafter
from tokensmith.decode.speculative import speculative_generate
from tokensmith.decode.warp import Warp
from tokensmith.errors import GenerationError

torch = pytest.importorskip("torch")
PROMPT = [5, 6, 7, 8, 9] * 4


@pytest.fixture(scope="module")
def model() -> object:
    return tiny_llama(seed=0)


def drafters(model):
    yield "lookup+recycling", make_drafter("lookup+recycling", vocab_size=VOCAB, tree=8)
    for mode in ("c", "s", "specinfer"):
        yield f"rsd-{mode}-ngram", make_drafter("rsd", vocab_size=VOCAB, rsd_mode=mode, width=2, depth=2)
    yield "rsd-c-self", make_drafter("rsd", vocab_size=VOCAB, q_source=self_draft(model, vocab_size=VOCAB, keep=[0]))
    yield "rsd-s-model", make_drafter("rsd", vocab_size=VOCAB, rsd_mode="s", q_source=ModelQ(model, vocab_size=VOCAB))


def test_top_k_1_sampling_is_greedy_for_every_drafter(model):
    want = hf_greedy(model, PROMPT, 24)
    for name, drafter in drafters(model):
        got, _ = speculative_generate(model, PROMPT, drafter, 24, budget=80, warp=Warp(top_k=1, temperature=0.7))
        assert got == want, name


def test_greedy_verification_of_rsd_trees_is_greedy(model):
    want = hf_greedy(model, PROMPT, 24)
    for name, drafter in drafters(model):
        got, _ = speculative_generate(model, PROMPT, drafter, 24, budget=80)
        assert got == want, name


def test_a_draft_model_equal_to_the_target_is_accepted_often(model):
    """q = p: RSD accepts the first child with probability 1, so each step adds depth + 1 tokens (up to EOS)."""
    source = ModelQ(model, vocab_size=VOCAB)
    drafter = make_drafter("rsd", vocab_size=VOCAB, rsd_mode="c", width=2, depth=2, q_source=source)
    _, stats = speculative_generate(model, PROMPT, drafter, 31, budget=80, warp=Warp(), seed=1)
    assert stats.mean_accepted == pytest.approx(3.0)


def test_the_same_seed_gives_the_same_sample_and_another_seed_another(model):
    def run(seed):
        drafter = make_drafter("rsd", vocab_size=VOCAB, rsd_mode="s", width=2, depth=2, seed=seed)
        return speculative_generate(model, PROMPT, drafter, 24, budget=80, warp=Warp(temperature=1.5), seed=seed)[0]

    assert run(3) == run(3)
    assert run(3) != run(4)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"temperature": 0.0}, "temperature > 0"),
    ({"temperature": -1.0}, "temperature > 0"),
    ({"top_p": 0.0}, "--top-p"),
    ({"top_k": -2}, "--top-k"),
])
def test_bad_sampling_options_are_refused(kwargs, message):
    with pytest.raises(GenerationError, match=message):
        Warp(**kwargs)


def test_trees_too_big_or_bad_modes_are_refused():
    with pytest.raises(GenerationError, match="lower --width or --depth"):
        make_drafter("rsd", vocab_size=VOCAB, rsd_mode="c", width=4, depth=4)
    with pytest.raises(GenerationError, match="valid choices|did you mean"):
        make_drafter("rsd", vocab_size=VOCAB, rsd_mode="x")
