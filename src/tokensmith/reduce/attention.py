"""Self-attention over a reduced state: proportional attention, padding masked, scores only where asked.

Proportional attention (Bolya et al. 2023, "Token Merging: Your ViT But Faster", section 3, eq. 1):
softmax(QKᵀ/√d + log s), with s the size of each key token, so a token that holds s originals weighs as much as
those s tokens would. With every size 1 the bias is 0 and this is plain attention (tested). Padding keys get the
most negative float, so padding never receives attention; padding queries produce values nobody reads.

The output comes from `torch.nn.functional.scaled_dot_product_attention` (SDPA) unless an operator needs the
attention each token receives (or the matrix itself), which only the full probability matrix gives: then that one
layer runs eagerly.
[CLS] attention needs one extra 1 × T row per head, not the matrix, so SDPA stays.
"""

from __future__ import annotations

from typing import Any

from tokensmith.reduce.operators import Scores


def key_bias(size: Any, mask: Any, dtype: Any) -> Any:
    """(B, 1, 1, T) additive logits bias: log(size) at real keys, the most negative float at padding.

    Args:
        size: (B, T) token sizes.
        mask: (B, T) bool, real tokens.
        dtype: the attention's float dtype.

    Example:
        >>> import torch
        >>> key_bias(torch.tensor([[1.0, 2.0, 0.0]]), torch.tensor([[True, True, False]]), torch.float32).flatten()[:2]
        tensor([0.0000, 0.6931])
    """
    import torch

    low = torch.finfo(dtype).min
    bias = torch.where(mask, size.clamp(min=1e-30).log().to(dtype), torch.full_like(size, low, dtype=dtype))
    return bias[:, None, None, :]


def attend(q: Any, k: Any, v: Any, *, bias: Any, mask: Any, needs: frozenset[str]) -> tuple[Any, Scores]:
    """Attention output (B, T, H·d) and the scores in `needs` ('keys', 'cls', 'received', 'attention').

    Args:
        q: (B, H, T, d) queries.
        k: (B, H, T, d) keys.
        v: (B, H, T, d) values.
        bias: (B, 1, 1, T) from `key_bias`.
        mask: (B, T) bool real tokens (queries that count for 'received').
        needs: which scores to return.

    Example:
        >>> import torch
        >>> q = k = v = torch.randn(1, 2, 3, 4)
        >>> bias = key_bias(torch.ones(1, 3), torch.ones(1, 3, dtype=torch.bool), torch.float32)
        >>> out, s = attend(q, k, v, bias=bias, mask=torch.ones(1, 3, dtype=torch.bool), needs=frozenset({"cls"}))
        >>> out.shape, s.cls.shape, round(float(s.cls.sum()), 4)
        (torch.Size([1, 3, 8]), torch.Size([1, 3]), 1.0)
    """
    import torch

    batch, heads, length, dim = q.shape
    scale = dim**-0.5
    received = cls = matrix = None
    if "received" in needs or "attention" in needs:
        probs = torch.softmax(q @ k.transpose(-1, -2) * scale + bias, dim=-1)  # (B, H, T, T)
        out = probs @ v  # (B, H, T, d)
        received = (probs * mask[:, None, :, None]).sum(dim=2).mean(dim=1)  # (B, T): column sums over real queries
        cls = probs[:, :, 0, :].mean(dim=1) if "cls" in needs else None
        matrix = probs.mean(dim=1) if "attention" in needs else None  # (B, T, T)
    else:
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        if "cls" in needs:
            cls = torch.softmax(q[:, :, :1] @ k.transpose(-1, -2) * scale + bias, dim=-1)[:, :, 0].mean(dim=1)
    keys = k.mean(dim=1) if "keys" in needs else None  # (B, T, d)
    out = out.transpose(1, 2).reshape(batch, length, heads * dim)  # (B, T, H·d)
    return out, Scores(keys=keys, cls=cls, received=received, attention=matrix)
