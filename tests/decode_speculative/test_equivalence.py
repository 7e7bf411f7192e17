"""Speculative decoding gives exactly the tokens of transformers' greedy `generate` (fp32, tiny random models)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.decode_speculative.conftest import VOCAB, hf_greedy, tiny_llama
from tokensmith.decode.drafters import DRAFTER_NAMES, make_drafter
from tokensmith.decode.speculative import speculative_generate
from tokensmith.errors import GenerationError, ModelError

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
PROMPTS = {
    "random": RNG.integers(0, VOCAB, size=24).tolist(),
    "repetitive": [5, 6, 7, 8, 9] * 6,  # drafts get accepted: lookup and recycling both find the loop
    "small-alphabet": RNG.integers(0, 12, size=40).tolist(),
}


@pytest.mark.parametrize("name", [n for n in DRAFTER_NAMES if n not in ("draft", "rest")])  # they need a model / a datastore
@pytest.mark.parametrize("tree", [8, 32])
def test_every_drafter_reproduces_hf_greedy(model, name, tree):
    drafter = make_drafter(name, vocab_size=VOCAB, tree=tree)  # hot: the matrix carries over between prompts
    for prompt in PROMPTS.values():
        want = hf_greedy(model, prompt, 48)
        got, stats = speculative_generate(model, prompt, drafter, 48, budget=tree)
        assert got == want
        assert stats.new_tokens == 48 and stats.forward_passes == stats.steps + 1


@pytest.mark.parametrize("tree", [16, 80])
def test_recycling_accepts_drafts_on_repetitive_text_and_stays_exact(model, tree):
    prompt = PROMPTS["repetitive"]
    want = hf_greedy(model, prompt, 64)
    for hot in (False, True):
        drafter = make_drafter("recycling", vocab_size=VOCAB, tree=tree, hot=hot)
        got, stats = speculative_generate(model, prompt, drafter, 64, budget=tree)
        assert got == want
        assert stats.mean_accepted > 1.5 and stats.steps < 40


@pytest.mark.slow
def test_more_seeds_and_prompt_lengths_match_hf_greedy():
    rng = np.random.default_rng(11)
    for seed in (1, 2):
        model = tiny_llama(seed=seed)
        drafter = make_drafter("lookup+recycling", vocab_size=VOCAB, tree=16)
        for length in (1, 17, 60):
            prompt = rng.integers(0, 40, size=length).tolist()
            got, _ = speculative_generate(model, prompt, drafter, 64, budget=16)
            assert got == hf_greedy(model, prompt, 64)


def test_generation_stops_at_eos_like_hf():
    model = tiny_llama(seed=0)
    prompt = PROMPTS["repetitive"]
    free = hf_greedy(model, prompt, 40)[len(prompt) :]
    eos = free[5]  # a token greedy decoding produces early on
    model.generation_config.eos_token_id = eos
    want = hf_greedy(model, prompt, 40)
    got, stats = speculative_generate(model, prompt, make_drafter("lookup+recycling", vocab_size=VOCAB, tree=16), 40)
    assert got == want and got[-1] == eos and stats.new_tokens == free.index(eos) + 1


def test_max_new_tokens_is_exact_even_when_a_step_accepts_more(model):
    prompt = PROMPTS["repetitive"]
    want = hf_greedy(model, prompt, 7)
    drafter = make_drafter("lookup+recycling", vocab_size=VOCAB, tree=32)
    speculative_generate(model, prompt, drafter, 30)  # warm the matrix so steps accept many tokens
    got, stats = speculative_generate(model, prompt, drafter, 7)
    assert got == want and stats.new_tokens == 7


def test_bad_requests_raise_errors_that_say_the_fix(model):
    drafter = make_drafter("lookup", vocab_size=VOCAB)
    with pytest.raises(GenerationError, match="--max-new-tokens"):
        speculative_generate(model, [1, 2], drafter, 0)
    small = tiny_llama(seed=0, max_positions=32)
    with pytest.raises(GenerationError, match="context window of 32"):
        speculative_generate(small, list(range(40)), drafter, 4)
    with pytest.raises(ModelError, match="tokenizer does not belong"):
        speculative_generate(model, [1, VOCAB + 5], drafter, 4)
    with pytest.raises(GenerationError, match="valid choices|did you mean"):
        make_drafter("recycle-ish", vocab_size=VOCAB)


def test_model_with_sliding_window_cache_is_refused():
    from transformers import MistralConfig, MistralForCausalLM

    torch.manual_seed(0)
    config = MistralConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                           num_attention_heads=2, num_key_value_heads=1, sliding_window=8)
    model = MistralForCausalLM(config).eval()
    with pytest.raises(ModelError, match="cannot be cut to the accepted draft path"):
        speculative_generate(model, [1, 2, 3], make_drafter("lookup", vocab_size=64), 4)
