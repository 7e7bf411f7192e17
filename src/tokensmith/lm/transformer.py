"""The causal transformer block every `lm` architecture shares: pre-LayerNorm attention + MLP (nanoGPT / GPT-2).

Follows "Language Models are Unsupervised Multitask Learners" (Radford et al., 2019), section 2.3 (pre-norm
blocks, a final LayerNorm), in the shape of karpathy/nanoGPT's `model.py`. Attention uses PyTorch's
`scaled_dot_product_attention` with `is_causal=True`; an optional additive bias (B, T, T) or (B, 1, T, T) lets an
architecture mask or down-weight positions (block-diagonal masks for per-word encoders, the MrT5 deletion bias).

Deliberately not here: dropout (the toy budgets are far below the overfitting regime; all models train without
it), KV caching (evaluation scores whole windows), rotary embeddings (learned absolute positions, as GPT-2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class StackConfig:
    """The size of a stack of causal blocks.

    Args:
        n_layer: number of blocks.
        n_head: attention heads per block (`n_embd` must divide by it).
        n_embd: model width.
        block_size: the most positions one forward pass sees (the learned position table's length).

    Example:
        >>> StackConfig(n_layer=2, n_head=2, n_embd=32, block_size=64).n_embd // 2
        16
    """

    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    block_size: int = 128


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t attends to positions <= t only.

    Args:
        n_embd: model width.
        n_head: number of heads.
        causal: False lets every position see every other one (a per-word encoder, whose words are whole).

    Example:
        >>> att = CausalSelfAttention(n_embd=8, n_head=2)
        >>> tuple(att(torch.zeros(1, 3, 8)).shape)
        (1, 3, 8)
    """

    def __init__(self, *, n_embd: int, n_head: int, causal: bool = True) -> None:
        super().__init__()
        assert n_embd % n_head == 0, "n_embd must be a multiple of n_head"
        self.n_head = n_head
        self.causal = causal
        self.qkv = nn.Linear(n_embd, 3 * n_embd)
        self.proj = nn.Linear(n_embd, n_embd)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        """Attend causally; `bias` (added to the attention logits) may further mask positions.

        Args:
            x: (B, T, C) inputs.
            bias: None, or an additive float bias broadcastable to (B, nh, T, T); the causal mask is applied too.

        Example:
            >>> CausalSelfAttention(n_embd=4, n_head=1)(torch.ones(2, 5, 4)).shape[1]
            5
        """
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)  # each (B, T, C)
        q, k, v = (z.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for z in (q, k, v))  # (B, nh, T, hs)
        if bias is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        else:
            mask = bias if bias.dim() == 4 else bias[:, None]  # (B, 1 or nh, T, T)
            if self.causal:
                mask = mask + torch.full((T, T), float("-inf"), device=x.device).triu(1)  # -inf above the diagonal
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.proj(y)


class Block(nn.Module):
    """One pre-norm transformer block: x + attn(ln(x)), then x + mlp(ln(x)) with a 4x GELU MLP.

    Args:
        n_embd: model width.
        n_head: attention heads.
        causal: whether attention is causal.

    Example:
        >>> tuple(Block(n_embd=8, n_head=2)(torch.zeros(1, 4, 8)).shape)
        (1, 4, 8)
    """

    def __init__(self, *, n_embd: int, n_head: int, causal: bool = True) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd=n_embd, n_head=n_head, causal=causal)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        """Apply the block.

        Args:
            x: (B, T, C).
            bias: optional additive attention bias (see `CausalSelfAttention.forward`).

        Example:
            >>> Block(n_embd=4, n_head=1)(torch.ones(1, 2, 4)).shape[-1]
            4
        """
        x = x + self.attn(self.ln_1(x), bias)
        return x + self.mlp(self.ln_2(x))


class Stack(nn.Module):
    """Learned positions + `n_layer` causal blocks + a final LayerNorm, over already-embedded inputs.

    Args:
        config: the stack's size.
        causal: False for a bidirectional stack (the hierarchical model's per-word encoder).

    Example:
        >>> s = Stack(StackConfig(n_layer=1, n_head=1, n_embd=8, block_size=16))
        >>> tuple(s(torch.zeros(2, 5, 8)).shape)
        (2, 5, 8)
    """

    def __init__(self, config: StackConfig, *, causal: bool = True) -> None:
        super().__init__()
        self.config = config
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.blocks = nn.ModuleList(
            Block(n_embd=config.n_embd, n_head=config.n_head, causal=causal) for _ in range(config.n_layer)
        )
        self.ln_f = nn.LayerNorm(config.n_embd)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        """Add positions 0..T-1 and run the blocks.

        Args:
            x: (B, T, C) embedded inputs, T <= block_size.
            bias: optional additive attention bias for every block.

        Example:
            >>> Stack(StackConfig(n_layer=1, n_head=1, n_embd=4, block_size=4))(torch.ones(1, 4, 4)).shape[1]
            4
        """
        T = x.shape[1]
        assert T <= self.config.block_size, f"{T} positions > block_size {self.config.block_size}"
        x = x + self.wpe(torch.arange(T, device=x.device))  # (B, T, C)
        for block in self.blocks:
            x = block(x, bias)
        return self.ln_f(x)

    def flop_params(self) -> int:
        """Parameters that take part in a matrix product per position (the position table is a lookup: excluded).

        Example:
            >>> Stack(StackConfig(n_layer=1, n_head=1, n_embd=4, block_size=4)).flop_params()  # blocks + ln_f
            252
        """
        return sum(p.numel() for n, p in self.named_parameters() if not n.startswith("wpe."))


def init_weights(module: nn.Module) -> None:
    """GPT-2 initialisation: normal(0, 0.02) weights, zero biases (call through `model.apply`).

    Args:
        module: one submodule.

    Example:
        >>> lin = nn.Linear(4, 4); init_weights(lin); float(lin.bias.detach().abs().sum())
        0.0
    """
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


def scaled_residual_init(model: nn.Module, *, n_layer: int) -> None:
    """Scale the residual output projections by 1/sqrt(2 n_layer) (GPT-2, section 2.3).

    Args:
        model: a model holding `Block`s.
        n_layer: the number of residual blocks on its deepest path.

    Example:
        >>> b = Block(n_embd=4, n_head=1); scaled_residual_init(b, n_layer=2)
    """
    for name, p in model.named_parameters():
        if name.endswith("attn.proj.weight") or name.endswith("mlp.2.weight"):
            nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))
