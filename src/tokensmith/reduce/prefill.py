"""The prefill runner of a decoder with token reduction: `apply_decoder(model, method, ratio=R, ...)`.

`ReducedDecoder.tail_logits(input_ids)` runs a `LlamaForCausalLM` (SmolLM2) block by block (`decoder.py`: the
adapter, the causal position-keyed mask, the scores), reduces the context between attention and MLP as the method's
schedule says, and returns the logits of the protected query tail only (the positions whose next-token
distributions are read; the LM head never runs on the context). The `TokenRecord` gets, per layer, the real-token
counts of every sequence and the padded tensor lengths, as `patch.ReducedEncoder` records them.

The schedule removes the share R of the unreduced *layer* FLOPs (`flops.py` with the decoder's shape: grouped-query
K/V, gated MLP) over the given input lengths, with the protected head and tail counted as never removable
(`schedule.solve`). With R = 0 no operator runs and no extra score is computed: the logits are those of the
unreduced runner bit for bit, and those match the model's own forward to float rounding (tested).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tokensmith.errors import ModelError
from tokensmith.reduce.decoder import LlamaBlocks, build_decoder, causal_attend, last_source
from tokensmith.reduce.flops import TokenRecord
from tokensmith.reduce.methods import Method
from tokensmith.reduce.operators import Scores
from tokensmith.reduce.patch import check_ratio
from tokensmith.reduce.schedule import Schedule, solve
from tokensmith.reduce.state import TokenState, start


class ReducedDecoder:
    """A causal LM whose prefill runs on fewer and fewer context tokens (see the module docstring).

    Args:
        model: a `LlamaForCausalLM` in eval mode.
        method: the method (None: unreduced).
        schedule: per-layer ratios.
        head: protected tokens at the front (the start-of-text ids).
        tail: protected tokens at the end (the query whose logits are read), at least 1.

    Example:
        >>> import torch
        >>> dec, record = apply_decoder(tiny_causal_lm(), "tome", ratio=0.3, lengths=[40], head=1, tail=4)
        >>> dec.tail_logits(torch.arange(40)[None]).shape, record.attention[1][0] < 40
        (torch.Size([1, 4, 320]), True)
    """

    def __init__(self, model: Any, method: Method | None, schedule: Schedule, *, head: int, tail: int) -> None:
        if tail < 1 or head < 0:
            raise ModelError(f"the protected query tail must hold at least 1 token and the head at least 0, not "
                             f"tail={tail}, head={head}.")  # fmt: skip
        self.adapter = LlamaBlocks(model)
        self.method, self.schedule, self.head, self.tail = method, schedule, head, tail
        self.dims = self.adapter.dims()
        self.record = TokenRecord(layers=self.dims["layers"])

    def run(self, input_ids: Any) -> TokenState:
        """The state after the last block (before the final norm) of a batch of equal-length inputs.

        Args:
            input_ids: (B, T0) long, no padding; T0 > head + tail.

        Raises:
            ModelError: an input too short for its protected head and tail.

        Example:
            >>> import torch
            >>> dec, _ = apply_decoder(tiny_causal_lm(), "none", ratio=0.0, head=1, tail=2)
            >>> dec.run(torch.arange(6)[None]).hidden.shape
            torch.Size([1, 6, 64])
        """
        import torch

        batch, length = input_ids.shape
        if length <= self.head + self.tail:
            raise ModelError(f"an input of {length} tokens leaves no context to reduce after {self.head} protected "
                             f"start tokens and a {self.tail}-token query; give more context.")  # fmt: skip
        index = torch.arange(length, device=input_ids.device).expand(batch, length)
        protected = (index < self.head) | (index >= length - self.tail)
        hidden = self.adapter.base.embed_tokens(input_ids)  # (B, T0, D)
        state = start(hidden, torch.ones_like(input_ids), protected=protected)
        if self.method is not None and self.schedule.input > 0:
            state = self.method.operator(state, Scores(), ratio=self.schedule.input)
        for layer, block in enumerate(self.adapter.blocks):
            state = self._block(layer, block, state, query_limit=length - self.tail)
        return state

    def _block(self, layer: int, block: Any, state: TokenState, *, query_limit: int) -> TokenState:
        ratio = self.schedule.layers[layer] if self.method is not None else 0.0
        needs = self.method.operator.needs if ratio > 0 else frozenset()  # type: ignore[union-attr]
        position = last_source(state)  # (B, T)
        visible = state.mask[:, None, :] & (position[:, None, :] <= position[:, :, None])  # (B, T_q, T_k)
        x = state.hidden
        q, k, v, raw_keys = self.adapter.qkv(block, x, position)
        queries = state.mask & (position < query_limit)  # the context's queries, never the tail's
        attn, received = causal_attend(q, k, v, visible=visible, size=state.size, queries=queries, needs=needs)
        self.record.note("attention", layer, state.lengths.tolist(), int(x.shape[1]))
        state = replace(state, hidden=self.adapter.after_attention(block, x, attn))
        if ratio > 0:
            keys = raw_keys.mean(dim=1) if "keys" in needs else None  # (B, T, d), before RoPE
            state = self.method.operator(state, Scores(keys=keys, received=received), ratio=ratio)  # type: ignore[union-attr]
        self.record.note("mlp", layer, state.lengths.tolist(), int(state.hidden.shape[1]))
        return replace(state, hidden=self.adapter.mlp(block, state.hidden))

    def tail_logits(self, input_ids: Any) -> Any:
        """(B, tail, V) logits at the last `tail` input positions, without gradients.

        Args:
            input_ids: (B, T0) long, no padding.

        Example:
            >>> import torch
            >>> dec, _ = apply_decoder(tiny_causal_lm(), "prune", ratio=0.2, lengths=[30], head=1, tail=3)
            >>> dec.tail_logits(torch.arange(30)[None]).shape
            torch.Size([1, 3, 320])
        """
        import torch

        with torch.inference_mode():
            state = self.run(input_ids)
            at = state.origin[:, -self.tail :]  # (B, tail): the current index of each query token (never -1)
            hidden = torch.gather(state.hidden, 1, at.unsqueeze(-1).expand(-1, -1, state.hidden.shape[-1]))
            return self.adapter.logits(hidden)


def apply_decoder(model: Any, method: str, *, ratio: float, lengths: list[int] | None = None, head: int = 1,
                  tail: int = 32, seed: int = 0, fuse: bool = False) -> tuple[ReducedDecoder, TokenRecord]:  # fmt: skip
    """A prefill runner whose schedule removes the share `ratio` of the layer FLOPs over inputs of these lengths.

    Args:
        model: a `LlamaForCausalLM` in eval mode (`tokensmith.models.load_model('smollm2').model`).
        method: one of `decoder.DECODER_METHODS`, or 'none' for the unreduced runner.
        ratio: R, the share of the unreduced FLOPs to remove, in [0, 1).
        lengths: input lengths the schedule is fitted to (default: one of head + tail + 256 tokens).
        head: protected start tokens (the model's start-of-text ids).
        tail: protected query tokens at the end.
        seed: seed of 'random'.
        fuse: 'prune' fuses its pruned tokens (EViT).

    Raises:
        ModelError: ratio outside [0, 1), unknown or inapplicable method, not a Llama causal LM, or a cut the method
            cannot reach with this much context.

    Example:
        >>> apply_decoder(tiny_causal_lm(), "fopru", ratio=0.3)
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: method 'fopru' keeps whole rows of an image grid; it needs an image encoder (--model dinov2). For text use 'prune'.
    """
    import torch

    check_ratio(ratio)
    adapter = LlamaBlocks(model)
    if method == "none":
        decoder = ReducedDecoder(model, None, Schedule.none(adapter.dims()["layers"]), head=head, tail=tail)
        return decoder, decoder.record
    built = build_decoder(method, seed=seed, fuse=fuse)
    sizes = torch.tensor(lengths if lengths is not None else [head + tail + 256], dtype=torch.long)
    schedule, _ = solve(built, ratio=ratio, lengths=sizes, protected=sizes.clamp(max=head + tail),
                        dims=adapter.dims())  # fmt: skip
    decoder = ReducedDecoder(model, built, schedule, head=head, tail=tail)
    return decoder, decoder.record
