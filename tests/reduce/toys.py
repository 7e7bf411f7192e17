"""Tiny random encoders for the reduce tests (no download, a few ms per pass)."""

from __future__ import annotations

from typing import Any


def tiny_bert(*, seed: int = 0, layers: int = 3) -> Any:
    """A random 3-layer BertModel, width 16, 2 heads, in eval mode."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=layers, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64, attn_implementation="sdpa")  # fmt: skip
    return BertModel(config, add_pooling_layer=False).eval()


def tiny_dinov2(*, seed: int = 0) -> Any:
    """A random 2-layer Dinov2Model on 28 × 28 images with 7 × 7 patches (a 4 × 4 grid + [CLS])."""
    import torch
    from transformers import Dinov2Config, Dinov2Model

    torch.manual_seed(seed)
    config = Dinov2Config(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, image_size=28, patch_size=7,
                          layerscale_value=0.5, attn_implementation="sdpa")  # fmt: skip
    return Dinov2Model(config).eval()


def batch(lengths: list[int], *, seed: int = 0) -> dict[str, Any]:
    """Random ids, padded on the right, for sequences of these lengths ([CLS]=1 first, [SEP]=2 last)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    width = max(lengths)
    ids = torch.zeros(len(lengths), width, dtype=torch.long)
    mask = torch.zeros(len(lengths), width, dtype=torch.long)
    for row, n in enumerate(lengths):
        ids[row, :n] = torch.randint(3, 50, (n,), generator=g)
        ids[row, 0], ids[row, n - 1] = 1, 2
        mask[row, :n] = 1
    return {"input_ids": ids, "attention_mask": mask}


def tiny_llama(*, seed: int = 0, layers: int = 3) -> Any:
    """A random 3-layer LlamaForCausalLM, width 32, 4 query heads over 2 KV heads, vocabulary 100, in eval mode."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=layers,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         bos_token_id=None, pad_token_id=None, eos_token_id=None, attn_implementation="sdpa")  # fmt: skip
    return LlamaForCausalLM(config).eval()


def token_ids(batch: int, length: int, *, seed: int = 0) -> Any:
    """(batch, length) random ids in [1, 100), id 0 first (a start-of-text id)."""
    import torch

    ids = torch.randint(1, 100, (batch, length), generator=torch.Generator().manual_seed(seed))
    ids[:, 0] = 0
    return ids
