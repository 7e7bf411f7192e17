"""Run a Hugging Face encoder with real token reduction between its blocks, without editing transformers' files.

`apply(model, method, ratio=R)` returns a `ReducedEncoder` and its `TokenRecord`. The encoder runs the model's own
modules block by block through an adapter (`blocks.py`), computes attention itself (`attention.py`: SDPA with the
proportional-attention bias; the extra scores only in the layers whose operator needs them), and calls the method's
operator between a block's attention and its MLP (or once on the embeddings), so every later matrix product runs on
shorter tensors. The record gets, per layer, the real-token counts of every sequence and the padded tensor lengths.

Sentence embeddings are the size-weighted mean of the final tokens (Bolya et al. 2023, section 3, size tracking:
a token that holds s originals counts s times), which is exactly sentence-transformers' mean pooling when nothing
is reduced. With R = 0 the encoder runs no operator and computes no extra score: its outputs are those of the
unreduced runner bit for bit, and match the model's own forward to float rounding (tested).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tokensmith.errors import ModelError
from tokensmith.reduce.attention import attend, key_bias
from tokensmith.reduce.blocks import adapter_for
from tokensmith.reduce.flops import TokenRecord
from tokensmith.reduce.methods import Method, build
from tokensmith.reduce.operators import Scores, at_layer
from tokensmith.reduce.schedule import Schedule, solve
from tokensmith.reduce.state import TokenState, start

SCORE_IMPLEMENTATIONS = ("eager", "sdpa")  # attention our runner reproduces exactly


class ReducedEncoder:
    """An encoder whose blocks run on fewer and fewer tokens (see the module docstring).

    Args:
        model: a supported Hugging Face encoder (`blocks.ADAPTERS`).
        method: the method (None: unreduced).
        schedule: per-layer ratios (`schedule.solve`).

    Example:
        >>> import torch
        >>> from transformers import BertConfig, BertModel
        >>> tiny = BertModel(BertConfig(hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16))
        >>> enc, record = apply(tiny.eval(), "tome", ratio=0.3, lengths=[12])
        >>> enc.embed(input_ids=torch.ones(1, 12, dtype=torch.long), attention_mask=torch.ones(1, 12)).shape
        torch.Size([1, 8])
        >>> record.attention[0], record.attention[1][0] < 12
        ([12], True)
    """

    def __init__(self, model: Any, method: Method | None, schedule: Schedule) -> None:
        self.model = model
        self.adapter = adapter_for(model)
        self.method, self.schedule = method, schedule
        self.dims = self.adapter.dims()
        self.record = TokenRecord(layers=self.dims["layers"])

    def run(self, **inputs: Any) -> TokenState:
        """The final state (hidden states after the last block and the final norm) of one batch.

        Args:
            inputs: the model's inputs (`input_ids`, `attention_mask`, ... or `pixel_values`).

        Example:
            >>> import torch
            >>> from transformers import BertConfig, BertModel
            >>> tiny = BertModel(BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2)).eval()
            >>> enc, _ = apply(tiny, "random", ratio=0.0)
            >>> enc.run(input_ids=torch.ones(2, 5, dtype=torch.long), attention_mask=torch.ones(2, 5)).hidden.shape
            torch.Size([2, 5, 8])
        """
        hidden, mask, protected = self.adapter.embed(**inputs)
        state = start(hidden, mask, protected=protected)  # (B, T, D)
        if self.method is not None and self.schedule.input > 0:
            state = self.method.operator(state, Scores(), ratio=self.schedule.input)
        for layer, block in enumerate(self.adapter.blocks):
            state = self._block(layer, block, state)
        return replace(state, hidden=self.adapter.finish(state.hidden))

    def _block(self, layer: int, block: Any, state: TokenState) -> TokenState:
        ratio = self.schedule.layers[layer] if self.method is not None else 0.0
        operator = at_layer(self.method.operator, layer) if ratio > 0 else None  # type: ignore[union-attr]
        needs = operator.needs if operator is not None else frozenset()
        x = state.hidden  # (B, T, D)
        q, k, v = self.adapter.qkv(block, x)  # (B, H, T, d)
        attn, scores = attend(q, k, v, bias=key_bias(state.size, state.mask, x.dtype), mask=state.mask, needs=needs)
        self._note(self.record.attention, self.record.padded_attention, layer, state)
        state = replace(state, hidden=self.adapter.after_attention(block, x, attn))
        if operator is not None:
            state = operator(state, scores, ratio=ratio)
        self._note(self.record.mlp, self.record.padded_mlp, layer, state)
        return replace(state, hidden=self.adapter.mlp(block, state.hidden))

    @staticmethod
    def _note(counts: list[list[int]], padded: list[list[int]], layer: int, state: TokenState) -> None:
        counts[layer].extend(state.lengths.tolist())
        padded[layer].append(int(state.hidden.shape[1]))

    def embed(self, **inputs: Any) -> Any:
        """(B, D) size-weighted mean of the final tokens (padding excluded), without gradients.

        Args:
            inputs: the model's inputs.

        Example:
            >>> import torch
            >>> from transformers import BertConfig, BertModel
            >>> tiny = BertModel(BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2)).eval()
            >>> enc, _ = apply(tiny, "pool", ratio=0.0)
            >>> enc.embed(input_ids=torch.ones(1, 4, dtype=torch.long), attention_mask=torch.ones(1, 4)).shape
            torch.Size([1, 8])
        """
        import torch

        with torch.inference_mode():
            return mean_pool(self.run(**inputs))


def mean_pool(state: TokenState) -> Any:
    """(B, D) size-weighted mean of the real tokens of a state.

    Args:
        state: a final state.

    Example:
        >>> import torch
        >>> from tokensmith.reduce.state import combine
        >>> s = start(torch.tensor([[[1.0], [3.0], [8.0]]]), torch.ones(1, 3))
        >>> merged = combine(s, target=torch.tensor([[0, 0, 2]]), keep=torch.tensor([[True, False, True]]))
        >>> mean_pool(merged).tolist(), mean_pool(s).tolist()  # the merge kept the mean: (2·2 + 8) / 3 = 4
        ([[4.0]], [[4.0]])
    """
    weight = (state.size * state.mask).unsqueeze(-1)  # (B, T, 1)
    return (state.hidden * weight).sum(dim=1) / weight.sum(dim=1).clamp(min=1e-9)


def apply(model: Any, method: str, *, ratio: float, lengths: list[int] | None = None, seed: int = 0,
          fuse: bool = False, by: str = "cls", rates: Any = None) -> tuple[ReducedEncoder, TokenRecord]:  # fmt: skip
    """Patch an encoder with a method whose schedule removes the share `ratio` of its FLOPs.

    Args:
        model: a supported Hugging Face encoder in eval mode (`BertModel`, `Dinov2Model`).
        method: a built method name (`methods.METHODS`), or 'none' for the unreduced runner.
        ratio: R, the share of the unreduced FLOPs to remove, in [0, 1).
        lengths: real-token lengths of the inputs the schedule is fitted to (text default: 128 tokens each; an
            image encoder's is its full grid). Pass the data's lengths to meet R over that data.
        seed: seed of 'random'.
        fuse: 'prune' fuses its pruned tokens (EViT).
        by: 'prune'/'fopru' rank by 'cls' or 'received' attention.
        rates: 'diffrate'/'greedy': the searched per-layer (prune, merge) shares (`diffrate.search`).

    Raises:
        ModelError: ratio outside [0, 1), unknown or unbuilt method, unsupported architecture, or an attention
            implementation whose scores the runner cannot reproduce.

    Example:
        >>> from transformers import BertConfig, BertModel
        >>> tiny = BertModel(BertConfig(hidden_size=8, num_hidden_layers=2, num_attention_heads=2)).eval()
        >>> apply(tiny, "tome", ratio=1.0)
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: --ratio is the share of FLOPs to remove and must be in [0, 1), not 1.0 (0 runs the unreduced model; 0.4 removes 40%).
    """
    import torch

    check_ratio(ratio)
    adapter = adapter_for(model)
    if method == "none":
        return _unreduced(model)
    built = build(method, grid=adapter.grid, seed=seed, fuse=fuse, by=by, rates=rates)
    check_attention(getattr(model.config, "_attn_implementation", None) or "eager", built)
    default, protect = input_defaults(adapter)
    sizes = torch.tensor(lengths if lengths is not None else [default], dtype=torch.long)
    protected = sizes.clamp(max=protect)
    schedule, _ = solve(built, ratio=ratio, lengths=sizes, protected=protected, dims=adapter.dims())
    encoder = ReducedEncoder(model, built, schedule)
    return encoder, encoder.record


def _unreduced(model: Any) -> tuple[ReducedEncoder, TokenRecord]:
    layers = adapter_for(model).dims()["layers"]
    encoder = ReducedEncoder(model, None, Schedule.none(layers))
    return encoder, encoder.record


def input_defaults(adapter: Any) -> tuple[int, int]:
    """(tokens per input when no lengths are given, protected tokens per input) of an encoder.

    Text: 128 tokens, [CLS] and [SEP] protected. An image encoder: its full grid plus its prefix, the prefix protected.

    Args:
        adapter: a block adapter.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> input_defaults(NS(grid=None)), input_defaults(NS(grid=(16, 16), prefix=1))
        ((128, 2), (257, 1))
    """
    if adapter.grid is None:
        return 128, 2
    return adapter.prefix + adapter.grid[0] * adapter.grid[1], adapter.prefix


def check_ratio(ratio: float) -> None:
    """Refuse a FLOPs share outside [0, 1).

    Args:
        ratio: R.

    Example:
        >>> check_ratio(0.0)
        >>> check_ratio(-0.5)
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: --ratio is the share of FLOPs to remove and must be in [0, 1), not -0.5 (0 runs the unreduced model; 0.4 removes 40%).
    """
    if not 0.0 <= ratio < 1.0:
        raise ModelError(f"--ratio is the share of FLOPs to remove and must be in [0, 1), not {ratio} "
                         "(0 runs the unreduced model; 0.4 removes 40%).")  # fmt: skip


def check_attention(kind: str, method: Method) -> None:
    """Refuse an attention implementation whose scores the runner cannot reproduce, for a method that needs them.

    Args:
        kind: the model's attention implementation ('sdpa', 'eager', 'flash_attention_2', ...).
        method: the built method.

    Raises:
        ModelError: the method needs [CLS] or received attention and `kind` is not eager or sdpa.

    Example:
        >>> check_attention("flash_attention_2", build("tome"))  # ToMe needs only keys: fine
        >>> check_attention("flash_attention_2", build("prune"))
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: method 'prune' needs attention scores, and the runner reproduces only eager and sdpa attention, not this model's 'flash_attention_2'. Load the model with attn_implementation='sdpa' (or 'eager').
    """
    if method.operator.needs - {"keys"} and kind not in SCORE_IMPLEMENTATIONS:
        raise ModelError(
            f"method '{method.name}' needs attention scores, and the runner reproduces only "
            f"{' and '.join(SCORE_IMPLEMENTATIONS)} attention, not this model's '{kind}'. Load the model with "
            "attn_implementation='sdpa' (or 'eager')."
        )
