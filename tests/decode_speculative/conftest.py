"""Tiny random-weight causal LMs built from a config (no downloads), shared by the speculative decoding tests."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

VOCAB = 320


def tiny_llama(
    *, seed: int = 0, dtype: object = None, max_positions: int = 512, eos: int | None = None, vocab: int = VOCAB
) -> object:
    """A 2-layer Llama (hidden 64, vocab 320 unless given) with seeded random weights, in eval mode."""
    torch.manual_seed(seed)
    config = transformers.LlamaConfig(
        vocab_size=vocab,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_positions,
        bos_token_id=None,
        pad_token_id=None,
        eos_token_id=eos,
    )
    model = transformers.LlamaForCausalLM(config).eval()
    model.generation_config.eos_token_id = eos
    model.generation_config.pad_token_id = 0
    return model.to(dtype or torch.float32)


@pytest.fixture(scope="session")
def model() -> object:
    return tiny_llama(seed=0)


_HF_CACHE: dict[tuple[int, tuple[int, ...], int, object], list[int]] = {}


def hf_greedy(model: object, prompt: list[int], max_new_tokens: int) -> list[int]:
    """The reference: transformers' own greedy decoding (memoized per model object, prompt, length and eos)."""
    key = (id(model), tuple(prompt), max_new_tokens, model.generation_config.eos_token_id)
    if key not in _HF_CACHE:
        _HF_CACHE[key] = _hf_greedy(model, prompt, max_new_tokens)
    return _HF_CACHE[key]


def _hf_greedy(model: object, prompt: list[int], max_new_tokens: int) -> list[int]:
    ids = torch.tensor([prompt])
    # an explicit all-ones mask: otherwise generate() treats prompt tokens equal to pad_token_id as padding
    out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=max_new_tokens)
    return out[0].tolist()
