"""DiffRate: per-layer prune and merge shares learned by gradient descent, with the model frozen.

Chen, Shao, Zhang, Jiang, Qiao, Luo, "DiffRate: Differentiable Compression Rate for Efficient Vision Transformers",
ICCV 2023:
- section 3.2: every layer sorts its tokens by importance ([CLS] attention) and keeps a share of them after pruning,
  then a share after merging (`prune_merge.py`, the discrete operator used at evaluation with real removal);
- section 3.3, "differentiable discrete proxy": each layer has a learnable distribution π over candidate shares
  (`SHARES`, for pruning and for merging). The token of rank i keeps the soft mask Σ_k π_k [i < kept_k]; the
  forward pass uses the hard mask of the most probable share, the backward pass the soft one (straight-through).
  The masks act on the token sizes (a masked token has size 0): attention weighs keys by size (proportional
  attention as a product, so the gradient exists at size 0), a merged token's share of its size goes to its nearest
  kept token, and the output is the size-weighted mean. With hard masks this is exactly the real runner;
- section 3.4, the loss: the distance of the output to the unreduced model's output (here 1 − cosine of the
  sentence embeddings, or MSE) plus λ · (FLOPs kept − (1 − R))², the FLOPs counted from the (straight-through) token
  counts with `flops.layer_flops`. Only the π logits train; the model's weights are frozen. The logits start
  peaked at the uniform share that meets R in every layer (a warm start: from uniform logits the first step's
  argmax jumps to the largest share everywhere and the search spends its steps recovering), then Adam moves shares
  between layers by the distance's gradient while the FLOPs term holds the total.
After the search each layer takes its most probable shares, and `schedule.solve` refits the schedule (through
`PruneMerge.family`) to the search data's lengths, so it removes R of the FLOPs there (±0.05); at evaluation it is
refitted to the evaluation data's lengths the same way. The search set is wikitext-2 valid by default, never STS-B
(`search_data.py`). A searched schedule is cached as JSON (`cache.py`, atomic), keyed by the model's fingerprint,
R, the search texts' hash, the seed and the search settings.

Differences from the paper: it trains with the classification loss plus distillation; here the distance to the
unreduced output only (no labels). Its candidate set is every kept-token count of a 197-token ViT; here 13 shares
(0 to 0.6 in steps of 0.05) of the current candidates, as text lengths vary.
Not handled: DiffRate's joint fine-tuning of the model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from tokensmith.errors import ModelError
from tokensmith.reduce.blocks import adapter_for
from tokensmith.reduce.flops import layer_flops
from tokensmith.reduce.operators import removal_count
from tokensmith.reduce.prune_merge import importance_rank, merge_count, nearest

SHARES = tuple(i / 20 for i in range(13))  # candidate shares removed per layer (0, 0.05, ..., 0.6), prune and merge


@dataclass(frozen=True)
class SearchConfig:
    """Settings of a DiffRate search (part of the cache key).

    Args:
        steps: optimiser steps.
        batch: texts per step (the search set is cycled in a seeded order).
        lr: Adam learning rate of the π logits.
        flops_weight: λ of the FLOPs term.
        prior: the logits start at −prior·|share − s₀|, s₀ the uniform share that meets R (a warm start).
        distance: 'cosine' (1 − cos) or 'mse' to the unreduced output.
        seed: seed of the batch order.
        shares: the candidate shares.
    """

    steps: int = 30
    batch: int = 16
    lr: float = 0.1
    flops_weight: float = 20.0
    prior: float = 4.0
    distance: str = "cosine"
    seed: int = 0
    shares: tuple[float, ...] = SHARES


@dataclass
class SearchResult:
    """A learned schedule: per-layer (prune, merge) shares fitted to the search data, and how the search went."""

    rates: list[tuple[float, float]]
    flops_kept: float  # on the search data, predicted from its lengths (the runner records the same)
    learned: list[tuple[float, float]]  # the most probable shares before the refit
    losses: list[Any] = field(default_factory=list)  # per step: [distance, FLOPs kept] (greedy: distance)
    extra: dict[str, Any] = field(default_factory=dict)


def weighted_attention(q: Any, k: Any, v: Any, size: Any, mask: Any) -> tuple[Any, Any]:
    """Attention with every key weighed by its size, (B, T, H·d), and the [CLS] row averaged over heads (B, T).

    softmax(QKᵀ/√d + log s) written as exp(QKᵀ/√d) · s / Σ, so a key of size 0 gets no attention but a gradient.

    Args:
        q: (B, H, T, d) queries.
        k: (B, H, T, d) keys.
        v: (B, H, T, d) values.
        size: (B, T) token sizes (0: padding or masked out).
        mask: (B, T) bool real tokens.

    Example:
        >>> import torch
        >>> q = k = v = torch.randn(1, 2, 3, 4)
        >>> out, cls = weighted_attention(q, k, v, torch.tensor([[1.0, 1.0, 0.0]]), torch.ones(1, 3, dtype=torch.bool))
        >>> out.shape, round(float(cls[0, 2]), 6)
        (torch.Size([1, 3, 8]), 0.0)
    """
    batch, heads, length, dim = q.shape
    logits = (q @ k.transpose(-1, -2)) * dim**-0.5  # (B, H, T, T)
    logits = logits.masked_fill(~mask[:, None, None, :], float("-inf"))
    weight = (logits - logits.amax(dim=-1, keepdim=True).detach()).exp() * size[:, None, None, :]
    probs = weight / weight.sum(dim=-1, keepdim=True).clamp(min=1e-30)
    out = (probs @ v).transpose(1, 2).reshape(batch, length, heads * dim)
    return out, probs[:, :, 0, :].mean(dim=1).detach()


def soft_keep(rank: Any, cand: Any, counts: Any, probs: Any) -> tuple[Any, Any]:
    """Straight-through keep mask of the candidates: (hard (B, T) bool, mask (B, T) float, hard forward/soft back).

    Args:
        rank: (B, T) importance rank among the candidates (`importance_rank`).
        cand: (B, T) bool candidates.
        counts: (B, S) long, candidates kept under each candidate share.
        probs: (S,) π of the layer.

    Example:
        >>> import torch
        >>> rank, cand = torch.tensor([[0, 1, 2, 3]]), torch.ones(1, 4, dtype=torch.bool)
        >>> hard, mask = soft_keep(rank, cand, torch.tensor([[4, 2]]), torch.tensor([0.25, 0.75]))
        >>> hard.tolist(), mask.tolist()  # share 2 is the most probable: keep ranks 0, 1
        ([[True, True, False, False]], [[1.0, 1.0, 0.0, 0.0]])
    """
    import torch

    inside = (rank.unsqueeze(-1) < counts.unsqueeze(1)).to(probs.dtype)  # (B, T, S)
    soft = (inside * probs).sum(dim=-1) * cand
    hard = (inside[..., int(torch.argmax(probs))] > 0) & cand
    return hard, hard.to(soft.dtype) + soft - soft.detach()


def soft_layer(hidden: Any, size: Any, alive: Any, protected: Any, cls: Any, keys: Any, probs: tuple[Any, Any],
               shares: Sequence[float]) -> tuple[Any, Any, Any, Any]:  # fmt: skip
    """One layer's differentiable prune-then-merge: (hidden, size, alive, presence (B, T) float).

    Mirrors `PruneMerge.__call__`: with hard masks the sizes and hidden states are those of the real operator.

    Args:
        hidden: (B, T, D) after the attention.
        size: (B, T) sizes.
        alive: (B, T) bool tokens still there (hard).
        protected: (B, T) bool.
        cls: (B, T) importance.
        keys: (B, T, d) keys averaged over heads.
        probs: (π prune (S,), π merge (S,)).
        shares: the candidate shares.

    Example:
        >>> import torch
        >>> h, s = torch.arange(4.0).view(1, 4, 1), torch.ones(1, 4)
        >>> alive, prot = torch.ones(1, 4, dtype=torch.bool), torch.zeros(1, 4, dtype=torch.bool)
        >>> only = torch.tensor([0.0, 1.0])  # prune 0.5, merge none
        >>> out = soft_layer(h, s, alive, prot, torch.tensor([[0.4, 0.1, 0.3, 0.2]]), torch.randn(1, 4, 2),
        ...                  (only, torch.tensor([1.0, 0.0])), (0.0, 0.5))
        >>> out[1].tolist(), out[2].tolist()
        ([[1.0, 0.0, 1.0, 0.0]], [[True, False, True, False]])
    """
    import torch

    cand = alive & ~protected
    n = cand.sum(dim=1)  # (B,)
    kept = torch.stack([n - removal_count(n, s) for s in shares], dim=1)  # (B, S)
    hard_p, mask_p = soft_keep(importance_rank(cls, cand), cand, kept, probs[0])
    left = hard_p  # candidates that survive pruning
    n2 = left.sum(dim=1)
    kept2 = torch.stack([n2 - merge_count(n2, s) for s in shares], dim=1)
    hard_m, mask_m = soft_keep(importance_rank(cls, left), left, kept2, probs[1])
    one = torch.ones_like(size)
    a = torch.where(cand, mask_p, one) * alive  # prune keep factor
    b = torch.where(left, mask_m, one)  # merge keep factor
    stay = size * a * b
    sent = size * a * (1 - b) * left  # the merged-away part of each survivor's size
    dest = nearest(keys, left & hard_m)  # (B, T)
    new_size = stay.scatter_add(1, dest, sent)
    total = (hidden * stay.unsqueeze(-1)).scatter_add(1, dest.unsqueeze(-1).expand_as(hidden),
                                                       hidden * sent.unsqueeze(-1))  # fmt: skip
    hidden = torch.where(new_size.unsqueeze(-1) > 1e-12, total / new_size.clamp(min=1e-12).unsqueeze(-1), hidden)
    alive = alive & (~cand | hard_p) & ~(left & ~hard_m)
    return hidden, new_size, alive, a * b


def soft_run(adapter: Any, inputs: dict[str, Any], probs: Sequence[tuple[Any, Any]] | None,
             shares: Sequence[float] = SHARES) -> tuple[Any, Any]:  # fmt: skip
    """(B, D) size-weighted mean of the final tokens, and the FLOPs of the batch (tensor), under masks π.

    Args:
        adapter: a block adapter (`blocks.adapter_for`).
        inputs: the model's inputs for one batch.
        probs: per layer (π prune, π merge); None runs unreduced.
        shares: the candidate shares.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.blocks import toy_adapter
        >>> from tokensmith.reduce.patch import apply, mean_pool
        >>> ad = toy_adapter("bert")
        >>> ids = {"input_ids": torch.ones(1, 6, dtype=torch.long), "attention_mask": torch.ones(1, 6)}
        >>> emb, _ = soft_run(ad, ids, None)
        >>> torch.allclose(emb, mean_pool(apply(ad.model, "none", ratio=0)[0].run(**ids)), atol=1e-5)
        True
    """
    hidden, mask, protected = adapter.embed(**inputs)
    size, alive = mask.to(hidden.dtype), mask.clone()
    presence = size
    dims = adapter.dims()
    flops = hidden.new_zeros(())
    for layer, block in enumerate(adapter.blocks):
        x = hidden
        q, k, v = adapter.qkv(block, x)
        n_attention = presence.sum(dim=1)
        attn, cls = weighted_attention(q, k, v, size, mask)
        hidden = adapter.after_attention(block, x, attn)
        if probs is not None:
            hidden, size, alive, keep = soft_layer(hidden, size, alive, protected, cls, k.mean(dim=1).detach(),
                                                   probs[layer], shares)  # fmt: skip
            presence = presence * keep
        flops = flops + layer_flops(n_attention, presence.sum(dim=1), hidden=dims["hidden"],
                                    intermediate=dims["intermediate"]).sum()  # fmt: skip
        hidden = adapter.mlp(block, hidden)
    hidden = adapter.finish(hidden)
    weight = size.unsqueeze(-1)
    return (hidden * weight).sum(dim=1) / weight.sum(dim=1).clamp(min=1e-9), flops


def search(model: Any, batches: Sequence[dict[str, Any]], *, ratio: float,
           config: SearchConfig = SearchConfig()) -> SearchResult:  # fmt: skip
    """Learn per-layer (prune, merge) shares that remove `ratio` of the FLOPs on these batches.

    Args:
        model: a supported encoder in eval mode (its weights are not changed).
        batches: the search data, as the model's inputs, one dict per batch of `config.batch` texts.
        ratio: R, the share of FLOPs to remove, in (0, 1).
        config: the search settings.

    Raises:
        ModelError: a ratio outside (0, 1), or no search data.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.blocks import toy_adapter
        >>> ids = {"input_ids": torch.ones(2, 12, dtype=torch.long), "attention_mask": torch.ones(2, 12)}
        >>> out = search(toy_adapter("bert").model, [ids], ratio=0.3, config=SearchConfig(steps=3))
        >>> len(out.rates), abs(out.flops_kept - 0.7) <= 0.05
        (1, True)
    """
    import torch

    check_search(ratio, batches, "a DiffRate search")
    adapter = adapter_for(model)
    layers, shares = adapter.dims()["layers"], list(config.shares)
    frozen = [p.requires_grad for p in model.parameters()]
    for p in model.parameters():
        p.requires_grad_(False)
    uniform = refit(model, [(0.2, 0.2)] * layers, batches, ratio=ratio)[0][0][0]  # the same share everywhere
    grid = torch.tensor(shares)
    logits = (-config.prior * (grid - uniform).abs()).expand(2, layers, -1).clone().requires_grad_(True)  # (2, L, S)
    optimiser = torch.optim.Adam([logits], lr=config.lr)
    with torch.no_grad():
        targets = [soft_run(adapter, b, None, shares) for b in batches]  # unreduced outputs and FLOPs
    order = torch.randperm(len(batches), generator=torch.Generator().manual_seed(config.seed)).tolist()
    losses = []
    try:
        for step in range(config.steps):
            i = order[step % len(order)]
            probs = torch.softmax(logits, dim=-1)
            emb, flops = soft_run(adapter, batches[i], [(probs[0, l], probs[1, l]) for l in range(layers)], shares)
            dist, kept = distance(emb, targets[i][0], config.distance), flops / targets[i][1]
            loss = dist + config.flops_weight * (kept - (1.0 - ratio)) ** 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append([round(float(dist.detach()), 5), round(float(kept.detach()), 4)])
    finally:
        for p, flag in zip(model.parameters(), frozen, strict=True):
            p.requires_grad_(flag)
    probs = torch.softmax(logits.detach(), dim=-1)
    learned = [(shares[int(probs[0, l].argmax())], shares[int(probs[1, l].argmax())]) for l in range(layers)]
    if all(p == m == 0.0 for p, m in learned):  # nothing learned: fall back on the expected shares
        mean = (probs * torch.tensor(shares)).sum(dim=-1)
        learned = [(float(mean[0, l]), float(mean[1, l])) for l in range(layers)]
    rates, kept = refit(model, learned, batches, ratio=ratio)
    return SearchResult(rates=rates, flops_kept=kept, learned=learned, losses=losses)


def check_search(ratio: float, batches: Sequence[Any], what: str) -> None:
    """Refuse a search without data or with a FLOPs share outside (0, 1).

    Args:
        ratio: R.
        batches: the search inputs.
        what: the search's name, for the message.

    Example:
        >>> check_search(0.0, [{}], "the greedy search")
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: the greedy search needs a FLOPs share in (0, 1) (not 0.0) and search data (1 batches).
    """
    if not 0.0 < ratio < 1.0 or not batches:
        raise ModelError(f"{what} needs a FLOPs share in (0, 1) (not {ratio}) and search data ({len(batches)} "
                         "batches).")  # fmt: skip


def distance(a: Any, b: Any, kind: str = "cosine") -> Any:
    """Mean distance between rows: 1 − cosine, or the mean squared error.

    Args:
        a: (N, D).
        b: (N, D).
        kind: 'cosine' or 'mse'.

    Example:
        >>> import torch
        >>> float(distance(torch.eye(2), torch.eye(2))), float(distance(torch.eye(2), torch.zeros(2, 2), "mse"))
        (0.0, 0.5)
    """
    import torch

    if kind == "mse":
        return ((a - b) ** 2).mean()
    if kind != "cosine":
        raise ModelError(f"distance {kind!r} is not one of: cosine, mse.")
    return (1 - torch.nn.functional.cosine_similarity(a, b, dim=-1)).mean()


def refit(model: Any, rates: Sequence[tuple[float, float]], batches: Sequence[dict[str, Any]], *,
          ratio: float) -> tuple[list[tuple[float, float]], float]:  # fmt: skip
    """The shares rescaled (`PruneMerge.family`) to remove `ratio` of the FLOPs on these batches, and the FLOPs kept.

    Args:
        model: the encoder.
        rates: per-layer (prune, merge) shares.
        batches: the model's inputs (their masks give the lengths).
        ratio: R.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.blocks import toy_adapter
        >>> ids = {"input_ids": torch.ones(1, 40, dtype=torch.long), "attention_mask": torch.ones(1, 40)}
        >>> rates, kept = refit(toy_adapter("bert").model, [(0.3, 0.0)], [ids], ratio=0.2)
        >>> rates[0][1], abs(kept - 0.8) < 0.05
        (0.0, True)
    """
    import torch

    from tokensmith.reduce.methods import build
    from tokensmith.reduce.patch import input_defaults
    from tokensmith.reduce.schedule import solve

    adapter = adapter_for(model)
    lengths = torch.cat([adapter.embed(**b)[1].sum(dim=1) for b in batches])
    protected = lengths.clamp(max=input_defaults(adapter)[1])
    schedule, kept = solve(build("diffrate", rates=rates), ratio=ratio, lengths=lengths, protected=protected,
                           dims=adapter.dims())  # fmt: skip
    return [(r.prune, r.merge) for r in schedule.layers], kept


def fingerprint(model: Any) -> str:
    """sha256 of a model's config and weights (a float64 sum and the first values of every tensor): its cache key.

    Args:
        model: a torch module with a `config`.

    Example:
        >>> from tokensmith.reduce.blocks import toy_adapter
        >>> len(fingerprint(toy_adapter("bert").model))
        64
    """
    import torch

    h = hashlib.sha256(model.config.to_json_string(use_diff=False).encode("utf-8"))
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            flat = tensor.detach().flatten()
            h.update(f"{name}:{tuple(tensor.shape)}:{float(flat.to(torch.float64).sum()):.9e}:".encode())
            h.update(flat[:16].to(torch.float64).numpy().tobytes())
    return h.hexdigest()


def cache_key(model: Any, *, method: str, ratio: float, data_digest: str, config: SearchConfig) -> str:
    """The cache file name of a searched schedule.

    Args:
        model: the encoder.
        method: 'diffrate' or 'greedy'.
        ratio: R.
        data_digest: the search texts' hash.
        config: the search settings.

    Example:
        >>> from tokensmith.reduce.blocks import toy_adapter
        >>> cache_key(toy_adapter("bert").model, method="diffrate", ratio=0.4, data_digest="ab" * 32,
        ...           config=SearchConfig()).startswith("diffrate-")
        True
    """
    settings = json.dumps(asdict(config), sort_keys=True)
    digest = hashlib.sha256(f"{fingerprint(model)}|{ratio!r}|{data_digest}|{settings}".encode()).hexdigest()
    return f"{method}-R{ratio:g}-{digest[:24]}.json"
