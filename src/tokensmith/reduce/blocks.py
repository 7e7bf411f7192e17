"""How to run the blocks of a Hugging Face encoder one piece at a time, without editing transformers' files.

The runner (`patch.py`) needs four steps per block, so it can reduce tokens between attention and MLP and compute
attention itself (SDPA, proportional attention, scores only where needed):
`qkv(block, x)` → (B, H, T, d) queries, keys, values; `after_attention(block, x, attn)` → hidden after the
attention's output projection and residual; `mlp(block, x)` → hidden after the feed-forward part; `finish(x)` →
the model's final normalisation. Each adapter reads the block's own `nn.Module`s (their weights, their LayerNorms),
so it computes what the model computes; `tests/reduce/test_patch.py` checks it against the model's own forward.

- `BertBlocks`: post-norm BERT layers (`BertModel`: all-MiniLM-L6-v2). Protected: [CLS] (first) and [SEP] (last
  real token) of each sequence.
- `Dinov2Blocks`: pre-norm ViT blocks with layer scale (`Dinov2Model`); protected: [CLS] (and register tokens).
  The grid of patches is `(image_size // patch_size)²`.
Adding an architecture means one adapter class and one line in `ADAPTERS`. Decoders (causal masks, RoPE positions,
a protected query tail) have their own adapter and runner: `decoder.py`, `prefill.py`. Not handled:
cross-attention, relative position biases inside attention (T5, DeBERTa), models whose attention is not plain
scaled dot product.
"""

from __future__ import annotations

from typing import Any

from tokensmith.errors import ModelError


def _heads(x: Any, heads: int) -> Any:
    """(B, T, H·d) → (B, H, T, d)."""
    batch, length, width = x.shape
    return x.view(batch, length, heads, width // heads).transpose(1, 2)


class BertBlocks:
    """Adapter for `transformers.BertModel` (post-norm layers).

    Args:
        model: a `BertModel`.

    Example:
        >>> from transformers import BertConfig, BertModel
        >>> tiny = BertModel(BertConfig(hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16))
        >>> BertBlocks(tiny).dims()
        {'layers': 2, 'hidden': 8, 'intermediate': 16, 'heads': 2}
    """

    family = "bert"
    grid: tuple[int, int] | None = None

    def __init__(self, model: Any) -> None:
        self.model = model
        self.blocks = list(model.encoder.layer)
        self.heads = model.config.num_attention_heads

    def dims(self) -> dict[str, int]:
        """Layer count and widths, for the FLOPs formula.

        Example:
            >>> toy_adapter("bert").dims()["hidden"]
            8
        """
        c = self.model.config
        return {"layers": len(self.blocks), "hidden": c.hidden_size, "intermediate": c.intermediate_size,
                "heads": c.num_attention_heads}  # fmt: skip

    def embed(self, *, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> tuple[Any, Any, Any]:
        """(hidden (B, T, D), mask (B, T) bool, protected (B, T) bool) of a tokenized batch.

        Args:
            input_ids: (B, T) long.
            attention_mask: (B, T), 1 at real tokens.
            token_type_ids: (B, T) or None.

        Example:
            >>> import torch
            >>> _, _, protected = toy_adapter("bert").embed(input_ids=torch.ones(1, 4, dtype=torch.long),
            ...                                             attention_mask=torch.tensor([[1, 1, 1, 0]]))
            >>> protected.tolist()  # [CLS] first, [SEP] last real token
            [[True, False, True, False]]
        """
        import torch

        mask = attention_mask.to(torch.bool)
        hidden = self.model.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        index = torch.arange(mask.shape[1], device=mask.device).expand_as(mask)
        last = (mask.sum(dim=1) - 1).unsqueeze(1)
        return hidden, mask, mask & ((index == 0) | (index == last))

    def qkv(self, block: Any, x: Any) -> tuple[Any, Any, Any]:
        """Queries, keys, values (B, H, T, d).

        Args:
            block: a `BertLayer`.
            x: (B, T, D).

        Example:
            >>> import torch
            >>> a = toy_adapter("bert")
            >>> a.qkv(a.blocks[0], torch.zeros(1, 3, 8))[0].shape
            torch.Size([1, 2, 3, 4])
        """
        s = block.attention.self
        return _heads(s.query(x), self.heads), _heads(s.key(x), self.heads), _heads(s.value(x), self.heads)

    def after_attention(self, block: Any, x: Any, attn: Any) -> Any:
        """Output projection, residual, LayerNorm.

        Args:
            block: a `BertLayer`.
            x: (B, T, D) the block's input.
            attn: (B, T, D) merged heads.

        Example:
            >>> import torch
            >>> a = toy_adapter("bert")
            >>> a.after_attention(a.blocks[0], torch.zeros(1, 3, 8), torch.zeros(1, 3, 8)).shape
            torch.Size([1, 3, 8])
        """
        return block.attention.output(attn, x)

    def mlp(self, block: Any, x: Any) -> Any:
        """Feed-forward, residual, LayerNorm.

        Args:
            block: a `BertLayer`.
            x: (B, T, D).

        Example:
            >>> import torch
            >>> a = toy_adapter("bert")
            >>> a.mlp(a.blocks[0], torch.zeros(1, 3, 8)).shape
            torch.Size([1, 3, 8])
        """
        return block.output(block.intermediate(x), x)

    def finish(self, x: Any) -> Any:
        """BERT has no final norm: the identity.

        Args:
            x: (B, T, D).

        Example:
            >>> toy_adapter("bert").finish(3)
            3
        """
        return x


class Dinov2Blocks:
    """Adapter for `transformers.Dinov2Model` (pre-norm blocks with layer scale).

    Args:
        model: a `Dinov2Model`.

    Example:
        >>> from transformers import Dinov2Config, Dinov2Model
        >>> cfg = Dinov2Config(hidden_size=8, num_hidden_layers=2, num_attention_heads=2, image_size=28, patch_size=14)
        >>> adapter = Dinov2Blocks(Dinov2Model(cfg))
        >>> adapter.dims(), adapter.grid
        ({'layers': 2, 'hidden': 8, 'intermediate': 32, 'heads': 2}, (2, 2))
    """

    family = "dinov2"

    def __init__(self, model: Any) -> None:
        self.model = model
        self.blocks = list(model.encoder.layer)
        c = model.config
        self.heads = c.num_attention_heads
        self.grid = (c.image_size // c.patch_size, c.image_size // c.patch_size)
        self.prefix = 1 + int(getattr(c, "num_register_tokens", 0) or 0)  # [CLS] (+ registers)

    def dims(self) -> dict[str, int]:
        """Layer count and widths, for the FLOPs formula.

        Example:
            >>> toy_adapter("dinov2").dims()["intermediate"]
            32
        """
        c = self.model.config
        return {"layers": len(self.blocks), "hidden": c.hidden_size,
                "intermediate": int(c.hidden_size * c.mlp_ratio), "heads": c.num_attention_heads}  # fmt: skip

    def embed(self, *, pixel_values: Any) -> tuple[Any, Any, Any]:
        """(hidden (B, T, D), mask (B, T), protected (B, T)) of a batch of images.

        Args:
            pixel_values: (B, 3, H, W) normalised images of the model's size.

        Example:
            >>> import torch
            >>> toy_adapter("dinov2").embed(pixel_values=torch.zeros(1, 3, 28, 28))[2].tolist()
            [[True, False, False, False, False]]
        """
        import torch

        hidden = self.model.embeddings(pixel_values)
        mask = torch.ones(hidden.shape[:2], dtype=torch.bool, device=hidden.device)
        index = torch.arange(hidden.shape[1], device=hidden.device).expand_as(mask)
        return hidden, mask, index < self.prefix

    def qkv(self, block: Any, x: Any) -> tuple[Any, Any, Any]:
        """Queries, keys, values (B, H, T, d) of the pre-normed input.

        Args:
            block: a `Dinov2Layer`.
            x: (B, T, D).

        Example:
            >>> import torch
            >>> a = toy_adapter("dinov2")
            >>> [t.shape[1:] for t in a.qkv(a.blocks[0], torch.randn(2, 5, 8))] == [(2, 5, 4)] * 3
            True
        """
        a, normed = block.attention, block.norm1(x)
        return (_heads(a.q_proj(normed), self.heads), _heads(a.k_proj(normed), self.heads),
                _heads(a.v_proj(normed), self.heads))  # fmt: skip

    def after_attention(self, block: Any, x: Any, attn: Any) -> Any:
        """x + layer_scale1(o_proj(attn)).

        Args:
            block: a `Dinov2Layer`.
            x: (B, T, D) the block's input.
            attn: (B, T, D) merged heads.

        Example:
            >>> import torch
            >>> a, x = toy_adapter("dinov2"), torch.randn(2, 5, 8)
            >>> block = a.blocks[0]  # zero attention adds only the scaled output bias to the residual
            >>> expected = x + block.layer_scale1(block.attention.o_proj.bias)
            >>> torch.allclose(a.after_attention(block, x, torch.zeros(2, 5, 8)), expected)
            True
        """
        return x + block.drop_path(block.layer_scale1(block.attention.o_proj(attn)))

    def mlp(self, block: Any, x: Any) -> Any:
        """x + layer_scale2(mlp(norm2(x))).

        Args:
            block: a `Dinov2Layer`.
            x: (B, T, D).

        Example:
            >>> import torch
            >>> a, x = toy_adapter("dinov2"), torch.randn(2, 5, 8)
            >>> block = a.blocks[0]
            >>> torch.allclose(a.mlp(block, x), x + block.layer_scale2(block.mlp(block.norm2(x))))
            True
        """
        return x + block.drop_path(block.layer_scale2(block.mlp(block.norm2(x))))

    def finish(self, x: Any) -> Any:
        """The final LayerNorm.

        Args:
            x: (B, T, D).

        Example:
            >>> import torch
            >>> a, x = toy_adapter("dinov2"), torch.randn(2, 5, 8)
            >>> torch.equal(a.finish(x), a.model.layernorm(x))
            True
        """
        return self.model.layernorm(x)


ADAPTERS: dict[str, type] = {"bert": BertBlocks, "dinov2": Dinov2Blocks}


def toy_adapter(kind: str) -> Any:
    """The adapter of a tiny random model (width 8, 2 heads, 1 layer; DINOv2 on 28 px with 14 px patches).

    For examples and tests: nothing is downloaded, a pass takes milliseconds.

    Args:
        kind: 'bert' or 'dinov2'.

    Example:
        >>> toy_adapter("dinov2").grid
        (2, 2)
    """
    import torch

    torch.manual_seed(0)
    if kind == "bert":
        from transformers import BertConfig, BertModel

        return BertBlocks(BertModel(BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                               intermediate_size=16)).eval())  # fmt: skip
    from transformers import Dinov2Config, Dinov2Model

    config = Dinov2Config(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, image_size=28, patch_size=14)
    return Dinov2Blocks(Dinov2Model(config).eval())


def adapter_for(model: Any) -> Any:
    """The block adapter of a loaded encoder, by its `config.model_type`.

    Args:
        model: a Hugging Face encoder (`BertModel`, `Dinov2Model`).

    Raises:
        ModelError: the architecture is not supported (the message names the supported ones).

    Example:
        >>> from types import SimpleNamespace as NS
        >>> adapter_for(NS(config=NS(model_type="gpt2")))
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: token reduction does not support the architecture 'gpt2'; supported: bert (e.g. all-MiniLM-L6-v2), dinov2. Load one of those (tokensmith.models.load_encoder('minilm')).
    """
    kind = getattr(getattr(model, "config", None), "model_type", None)
    if kind == "llama":
        raise ModelError("a Llama decoder reduces its prefill through tokensmith.reduce.prefill.apply_decoder "
                         "(`tokensmith reduce eval --model smollm2`), not the encoder runner.")  # fmt: skip
    if kind not in ADAPTERS:
        raise ModelError(
            f"token reduction does not support the architecture {kind!r}; supported: bert (e.g. all-MiniLM-L6-v2), "
            "dinov2. Load one of those (tokensmith.models.load_encoder('minilm'))."
        )
    return ADAPTERS[kind](model)
