"""Token reduction in a decoder's prefill (Llama, SmolLM2): prune or merge context tokens, never the query tail.

The runner (`ReducedDecoder`) runs a `LlamaForCausalLM` block by block through its own `nn.Module`s (the way
`patch.py` runs an encoder), and calls the method's operator between a block's attention and its MLP (ToMe,
Bolya et al. 2023, "Token Merging: Your ViT But Faster", section 3), so later blocks run on fewer context tokens:
- **protected**: the model's start-of-text ids at the front (the attention sink: Xiao et al. 2024, "Efficient
  Streaming Language Models with Attention Sinks", section 3) and the last `tail` tokens, the query whose
  next-token distributions are read; they are never merged or pruned, and they attend to the reduced context;
- **positions**: every token keeps its original RoPE position; a merged (or pooled, or fused) token takes the
  position of the *last* original token it holds. Then no query ever sees a token that holds anything from its
  future: query q sees key k iff position(k) ≤ position(q), which is the causal mask when nothing is reduced;
- **attention**: SDPA with an additive mask (causal by position, padding masked, log(size) per key: proportional
  attention, which is 0 for unmerged tokens), grouped-query heads as the model has them;
- **scores**: ToMe's keys are the K projection *before* RoPE, averaged over the KV heads (token content, not
  position). Pruning ranks a token by the attention it receives from the context queries that can see it, averaged
  per such query (the causal mask lets early tokens be seen by more queries; H2O, Zhang et al. 2023, section 3,
  accumulates the same scores). The tail's queries take no part, so a later query token never changes the
  reduction, and earlier logits stay put (tested). That one layer runs eager attention; every other uses SDPA.

Methods (`build_decoder`): tome, prune (`fuse` allowed), random, pool (1-D, once after the first attention) as in
`methods.py`; `truncate` keeps the *most recent* context tokens (a sliding window; cutting the tokens next to the
query, as the encoder's truncation does, would be the worst choice for a decoder). Not applicable: fopru (image
grids). Not handled: KV caches and generation after the prefill, batches with padding on input, Llama variants
whose attention is not plain (sliding windows, soft-capping).
"""

from __future__ import annotations

from typing import Any

from tokensmith.errors import ModelError
from tokensmith.reduce.methods import Method, build
from tokensmith.reduce.state import TokenState
from tokensmith.reduce.truncate import Truncate

DECODER_METHODS = ("tome", "prune", "random", "truncate", "pool")


def build_decoder(name: str, *, seed: int = 0, fuse: bool = False) -> Method:
    """The operator and placement of a method in a decoder's prefill (see the module docstring).

    Args:
        name: one of `DECODER_METHODS`.
        seed: seed of `random`.
        fuse: `prune` fuses its pruned tokens into one (EViT).

    Raises:
        ModelError: unknown, or not applicable to a decoder (fopru, and the encoder-only aim, budget, diffrate,
            greedy).

    Example:
        >>> build_decoder("truncate").operator.name, build_decoder("prune").operator.needs
        ('truncate', frozenset({'received'}))
        >>> build_decoder("fopru")
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: method 'fopru' keeps whole rows of an image grid; it needs an image encoder (--model dinov2). For text use 'prune'.
    """
    method = build(name, seed=seed, fuse=fuse, by="received")  # unknown / fopru raise here
    if name not in DECODER_METHODS:
        raise ModelError(f"method '{name}' is built for encoders only (its scores or search assume bidirectional "
                         f"attention); a decoder's prefill takes: {', '.join(DECODER_METHODS)}.")  # fmt: skip
    if name == "truncate":
        return Method(name=name, operator=Truncate(keep="last"), placement="input")
    return method


class LlamaBlocks:
    """The pieces of a `transformers.LlamaForCausalLM` the runner calls (its own modules, weights untouched).

    Args:
        model: a `LlamaForCausalLM` (SmolLM2 is one) in eval mode.

    Example:
        >>> LlamaBlocks(tiny_causal_lm()).dims()
        {'layers': 2, 'hidden': 64, 'intermediate': 128, 'heads': 4, 'kv_hidden': 32, 'mlp_matrices': 3}
    """

    family = "llama"

    def __init__(self, model: Any) -> None:
        kind = getattr(getattr(model, "config", None), "model_type", None)
        if kind != "llama" or not hasattr(model, "lm_head"):
            raise ModelError(f"prefill reduction runs a Llama-style causal LM (LlamaForCausalLM: SmolLM2), not "
                             f"{kind!r}; load one with tokensmith.models.load_model('smollm2').")  # fmt: skip
        self.model, self.base = model, model.model
        self.blocks = list(self.base.layers)
        c = model.config
        self.heads, self.kv_heads = c.num_attention_heads, c.num_key_value_heads
        self.head_dim = getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads

    def dims(self) -> dict[str, int]:
        """Layer count and widths, for the FLOPs formula (`flops.layer_flops`).

        Example:
            >>> LlamaBlocks(tiny_causal_lm()).dims()["kv_hidden"]
            32
        """
        c = self.model.config
        return {"layers": len(self.blocks), "hidden": c.hidden_size, "intermediate": c.intermediate_size,
                "heads": self.heads, "kv_hidden": self.kv_heads * self.head_dim, "mlp_matrices": 3}  # fmt: skip

    def qkv(self, block: Any, x: Any, position: Any) -> tuple[Any, Any, Any, Any]:
        """(queries (B, H, T, d) and keys (B, H_kv, T, d) with RoPE at `position`, values, keys before RoPE).

        Args:
            block: a `LlamaDecoderLayer`.
            x: (B, T, D) the block's input.
            position: (B, T) long RoPE position of each token.

        Example:
            >>> import torch
            >>> a = LlamaBlocks(tiny_causal_lm())
            >>> [t.shape[1] for t in a.qkv(a.blocks[0], torch.randn(1, 3, 64), torch.arange(3)[None])]
            [4, 2, 2, 2]
        """
        from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

        a, normed = block.self_attn, block.input_layernorm(x)
        batch, length, _ = x.shape
        split = lambda t: t.view(batch, length, -1, self.head_dim).transpose(1, 2)  # noqa: E731  (B, h, T, d)
        q, k, v = split(a.q_proj(normed)), split(a.k_proj(normed)), split(a.v_proj(normed))
        cos, sin = self.base.rotary_emb(x, position)
        q_rot, k_rot = apply_rotary_pos_emb(q, k, cos, sin)
        return q_rot, k_rot, v, k

    def after_attention(self, block: Any, x: Any, attn: Any) -> Any:
        """x + o_proj(attn).

        Args:
            block: a `LlamaDecoderLayer`.
            x: (B, T, D) the block's input.
            attn: (B, T, H·d) merged heads.

        Example:
            >>> import torch
            >>> a, x = LlamaBlocks(tiny_causal_lm()), torch.randn(1, 3, 64)
            >>> torch.equal(a.after_attention(a.blocks[0], x, torch.zeros(1, 3, 64)), x)  # no bias in o_proj
            True
        """
        return x + block.self_attn.o_proj(attn)

    def mlp(self, block: Any, x: Any) -> Any:
        """x + mlp(post_attention_layernorm(x)).

        Args:
            block: a `LlamaDecoderLayer`.
            x: (B, T, D).

        Example:
            >>> import torch
            >>> a, x = LlamaBlocks(tiny_causal_lm()), torch.randn(1, 3, 64)
            >>> a.mlp(a.blocks[0], x).shape
            torch.Size([1, 3, 64])
        """
        return x + block.mlp(block.post_attention_layernorm(x))

    def logits(self, x: Any) -> Any:
        """The final RMSNorm and the LM head: (B, T, D) → (B, T, V).

        Args:
            x: (B, T, D) after the last block.

        Example:
            >>> import torch
            >>> LlamaBlocks(tiny_causal_lm()).logits(torch.randn(1, 2, 64)).shape
            torch.Size([1, 2, 320])
        """
        return self.model.lm_head(self.base.norm(x))


def last_source(state: TokenState) -> Any:
    """(B, T) long: the largest original index each current token holds (0 at padding): its RoPE position.

    Args:
        state: a state.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import combine, start
        >>> s = start(torch.zeros(1, 4, 1), torch.ones(1, 4))
        >>> merged = combine(s, target=torch.tensor([[0, 0, 2, 3]]), keep=torch.tensor([[True, False, True, True]]))
        >>> last_source(merged).tolist()  # token 1 went into token 0: the merged token sits at position 1
        [[1, 2, 3]]
    """
    import torch

    batch, length = state.mask.shape
    index = torch.arange(state.origin.shape[1], device=state.origin.device).expand_as(state.origin)
    slot = torch.where(state.origin >= 0, state.origin, length)  # dropped tokens go to a spare slot
    out = torch.zeros(batch, length + 1, dtype=torch.long, device=state.origin.device)
    return out.scatter_reduce(1, slot, index, reduce="amax")[:, :length]


def causal_attend(q: Any, k: Any, v: Any, *, visible: Any, size: Any, queries: Any, needs: frozenset[str]) -> tuple[Any, Any]:
    """Attention output (B, T, H·d) and the per-query-normalised attention received (B, T) when `needs` has it.

    Args:
        q: (B, H, T, d) queries (RoPE applied).
        k: (B, H_kv, T, d) keys (RoPE applied); H is a multiple of H_kv (grouped-query attention).
        v: (B, H_kv, T, d) values.
        visible: (B, T, T) bool, query t may see key s (causal by position, real keys only).
        size: (B, T) token sizes (proportional attention: + log size per key).
        queries: (B, T) bool, the queries whose attention counts for 'received'.
        needs: {'received'} or empty.

    Example:
        >>> import torch
        >>> q, k = torch.zeros(1, 2, 3, 4), torch.randn(1, 1, 3, 4)  # zero queries: uniform over what each sees
        >>> see = torch.ones(3, 3).tril().bool()[None]
        >>> out, got = causal_attend(q, k, k, visible=see, size=torch.ones(1, 3), queries=see[:, -1],
        ...                          needs=frozenset({"received"}))
        >>> out.shape, [round(x, 4) for x in got[0].tolist()]  # key 0: (1 + 1/2 + 1/3) / 3 queries; key 2: 1/3
        (torch.Size([1, 3, 8]), [0.6111, 0.4167, 0.3333])
    """
    import torch

    batch, heads, length, dim = q.shape
    low = torch.finfo(q.dtype).min
    bias = torch.where(visible, size.clamp(min=1e-30).log().to(q.dtype)[:, None, :], low)[:, None]  # (B, 1, T, T)
    received = None
    if "received" in needs:
        groups = heads // k.shape[1]
        k_all, v_all = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)  # (B, H, T, d)
        probs = torch.softmax(q @ k_all.transpose(-1, -2) * dim**-0.5 + bias, dim=-1)  # (B, H, T, T)
        out = probs @ v_all
        counted = (visible & queries[:, :, None]).to(q.dtype)  # (B, T_q, T_k)
        total = (probs.mean(dim=1) * counted).sum(dim=1)  # (B, T_k)
        received = total / counted.sum(dim=1).clamp(min=1.0)
    else:
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=bias, enable_gqa=True)
    return out.transpose(1, 2).reshape(batch, length, heads * dim), received
