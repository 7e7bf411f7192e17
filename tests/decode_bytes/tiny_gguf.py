"""A GGUF file of the tiny random Llama (`tiny_causal_lm`, root conftest.py) with a small byte-level BPE vocabulary,
written the way llama.cpp's converter writes one, so tests can load a GGUF model in a second instead of SmolLM2.

Float32 tensors (no quantization); the query and key projections are permuted as llama.cpp stores them, and
transformers undoes that on load (tests/decode_bytes/test_load_once.py checks the logits round trip).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

_LAYER_NAMES = {
    "input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output", "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
}  # fmt: skip


def _permute(weights: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's rotary layout for a query or key projection (convert_hf_to_gguf.py, `LlamaModel.permute`)."""
    rows = weights.shape[0]
    return weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


def _gguf_name(hf_name: str, config: Any) -> tuple[str, int | None]:
    """The GGUF tensor name of an HF Llama parameter, and the head count to permute it by (None: as it is)."""
    fixed = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}  # fmt: skip
    if hf_name in fixed:
        return fixed[hf_name], None
    _, _, layer, rest = hf_name.split(".", 3)
    part = rest.removesuffix(".weight")
    heads = {"self_attn.q_proj": config.num_attention_heads, "self_attn.k_proj": config.num_key_value_heads}
    return f"blk.{layer}.{_LAYER_NAMES[part]}.weight", heads.get(part)


def write_tiny_gguf(folder: Path, model: Any, vocab: dict[str, int], merges: list[str]) -> Path:
    """Write `model` (a `LlamaForCausalLM`) and a GPT-2-style vocabulary as `folder/tiny.gguf`.

    Args:
        folder: where to write.
        model: the model, e.g. `tiny_causal_lm(vocab_size=len(vocab))`.
        vocab: token string (GPT-2 byte alphabet) → id, ids 0..n-1.
        merges: 'left right' merge rules.
    """
    import gguf

    config, path = model.config, folder / "tiny.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny-llama")
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_dimension_count(config.hidden_size // config.num_attention_heads)
    writer.add_rope_freq_base(float(config.rope_parameters["rope_theta"]))
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_vocab_size(len(vocab))
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])])
    writer.add_token_types([1] * len(vocab))
    writer.add_token_merges(merges)
    for name, tensor in model.state_dict().items():
        gguf_name, heads = _gguf_name(name, config)
        data = tensor.detach().float().numpy()
        writer.add_tensor(gguf_name, _permute(data, heads) if heads else data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
