"""Fidelity of a reduced decoder prefill: KL to the unreduced next-token distribution, bits per byte, FLOPs, time.

The protocol (what `tokensmith reduce eval --model smollm2` and `benchmarks/bench_reduce_prefill.py` report):
- the text is tokenized (`Tokenizer.encode`, no special tokens) and cut into consecutive, non-overlapping chunks of
  C + K tokens (`context` + `continuation`; a last partial chunk is dropped), at most `max_chunks` of them;
- a chunk's model input is the model's start-of-text ids + its first C + K − 1 tokens; the protected query is the
  last K input positions (the context's last token and the continuation's first K − 1), whose next-token
  distributions predict the K continuation tokens; the reducible candidates are the other C − 1 context tokens;
- `kl`: KL(p_unreduced ‖ p_reduced) in nats at each of those K positions, averaged over every position of every
  chunk; `kl_p95` its 95th percentile over positions; `top1_agreement` the share of positions whose most likely
  next token is the same;
- `bits_per_byte`: the continuation's −log2 p summed over its tokens / its UTF-8 bytes (`Tokenizer.decode_bytes`
  of the continuation ids), over all chunks;
- `gflops`: analytic layer FLOPs (`flops.py`, the decoder's shape), totals over the chunks; `flops_kept` is measured
  from the run's token record (within ±0.05 of 1 − R: `schedule.TOLERANCE`);
- `seconds`: prefill wall time over the chunks at batch 1 (one chunk per pass, after one untimed warm-up pass);
  the unreduced prefill is the model's own forward (`LlamaModel`, then the LM head on the K query positions), the
  reduced one the runner (`prefill.py`), operators included.
Not handled: generation after the prefill (the continuation is teacher-forced), chunks that overlap or that start
at document boundaries.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokensmith.errors import CorpusError, ModelError

CONTEXT = 256  # C: context tokens per chunk
CONTINUATION = 32  # K: continuation tokens per chunk (the protected query)


def read_text(path: str | Path) -> str:
    """A UTF-8 text file's content.

    Args:
        path: the file.

    Raises:
        CorpusError: missing, not UTF-8, or empty.

    Example:
        >>> read_text("no-such-file.txt")
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: text file no-such-file.txt does not exist; pass a UTF-8 text file with --data.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError) as e:
        raise CorpusError(f"text file {path} does not exist; pass a UTF-8 text file with --data.") from e
    except UnicodeDecodeError as e:
        raise CorpusError(f"text file {path} is not UTF-8 (byte {e.start}); re-save it as UTF-8.") from e
    if not text.strip():
        raise CorpusError(f"text file {path} is empty; --data needs running text (a few thousand words).")
    return text


def chunk_ids(ids: Sequence[int], *, context: int, continuation: int, max_chunks: int | None = None) -> list[list[int]]:
    """Consecutive, non-overlapping chunks of `context + continuation` ids (a last partial one dropped).

    Args:
        ids: the text's token ids.
        context: C, at least 2 (one candidate besides the query's first token).
        continuation: K, at least 1.
        max_chunks: keep at most this many (None: all).

    Raises:
        ModelError: sizes out of range, or the text is shorter than one chunk.

    Example:
        >>> chunk_ids(list(range(10)), context=3, continuation=1)
        [[0, 1, 2, 3], [4, 5, 6, 7]]
        >>> chunk_ids(list(range(3)), context=3, continuation=1)
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: the text has 3 tokens but one chunk needs --context 3 + --continuation 1 = 4; give a longer text (--data) or smaller sizes.
    """
    if context < 2 or continuation < 1:
        raise ModelError(f"--context must be at least 2 and --continuation at least 1 tokens, not {context} and "
                         f"{continuation}.")  # fmt: skip
    size = context + continuation
    if len(ids) < size:
        raise ModelError(f"the text has {len(ids)} tokens but one chunk needs --context {context} + --continuation "
                         f"{continuation} = {size}; give a longer text (--data) or smaller sizes.")  # fmt: skip
    chunks = [list(ids[i : i + size]) for i in range(0, len(ids) - size + 1, size)]
    return chunks if max_chunks is None else chunks[:max_chunks]


def position_stats(unreduced: Any, reduced: Any) -> tuple[Any, Any]:
    """Per position: KL(p_u ‖ p_r) in nats and whether the most likely tokens agree, from (N, V) logits.

    Args:
        unreduced: (N, V) logits of the unreduced model.
        reduced: (N, V) logits of the reduced model at the same positions.

    Example:
        >>> import torch
        >>> kl, same = position_stats(torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, 2.0]]))
        >>> round(float(kl[0]), 4), same.tolist()  # 0.5·log(0.5/0.1192) + 0.5·log(0.5/0.8808)
        (0.4338, [False])
    """
    import torch

    lp_u = torch.log_softmax(unreduced.to(torch.float64), dim=-1)
    lp_r = torch.log_softmax(reduced.to(torch.float64), dim=-1)
    kl = (lp_u.exp() * (lp_u - lp_r)).sum(dim=-1).clamp(min=0.0)
    return kl, unreduced.argmax(dim=-1) == reduced.argmax(dim=-1)


def continuation_bits(logits: Any, targets: Any) -> float:
    """Σ −log2 p(target) over positions: (N, V) logits, (N,) target ids.

    Args:
        logits: (N, V).
        targets: (N,) long.

    Example:
        >>> import torch
        >>> continuation_bits(torch.zeros(2, 4), torch.tensor([0, 3]))  # uniform over 4: 2 bits each
        4.0
    """
    import math

    import torch

    lp = torch.log_softmax(logits.to(torch.float64), dim=-1)
    return float(-lp.gather(1, targets.view(-1, 1)).sum()) / math.log(2)


@dataclass(frozen=True)
class Pass:
    """One prefill over every chunk: the query logits (K, V) of each chunk, the timed wall time, the layer FLOPs."""

    logits: list[Any]
    seconds: float
    flops: int
    mean_tokens: list[float]


def prefill_inputs(tokenizer: Any, text: str, *, start_ids: Sequence[int] = (), context: int = CONTEXT,
                   continuation: int = CONTINUATION, max_chunks: int | None = None) -> tuple[list[list[int]], list[Any]]:  # fmt: skip
    """(chunks of C + K ids, model inputs (1, S + C + K − 1) long: start ids + all of a chunk but its last token).

    Args:
        tokenizer: has `encode(text)`.
        text: the running text.
        start_ids: the model's start-of-text ids.
        context: C.
        continuation: K.
        max_chunks: at most this many chunks.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> chunks, inputs = prefill_inputs(NS(encode=lambda t: list(range(len(t)))), "abcdefgh", start_ids=(9,),
        ...                                 context=3, continuation=1)
        >>> chunks, [x.tolist() for x in inputs]
        ([[0, 1, 2, 3], [4, 5, 6, 7]], [[[9, 0, 1, 2]], [[9, 4, 5, 6]]])
    """
    import torch

    chunks = chunk_ids(tokenizer.encode(text), context=context, continuation=continuation, max_chunks=max_chunks)
    return chunks, [torch.tensor([list(start_ids) + c[:-1]], dtype=torch.long) for c in chunks]


def unreduced_forward(model: Any, *, tail: int) -> Any:
    """ids (B, T) → the model's own logits (B, tail, V) at the last `tail` positions (`LlamaModel` + LM head there).

    Args:
        model: a `LlamaForCausalLM`.
        tail: K.

    Example:
        >>> import torch
        >>> unreduced_forward(tiny_causal_lm(), tail=3)(torch.arange(10)[None]).shape
        torch.Size([1, 3, 320])
    """
    import torch

    def forward(ids: Any) -> Any:
        with torch.inference_mode():
            hidden = model.model(input_ids=ids).last_hidden_state[:, -tail:]  # after the final norm
            return model.lm_head(hidden)

    return forward


def unreduced_pass(model: Any, inputs: list[Any], *, tail: int) -> Pass:
    """The model's own prefill (`LlamaModel`, then the LM head on the last `tail` positions) over the inputs.

    Args:
        model: a `LlamaForCausalLM`.
        inputs: from `prefill_inputs` (equal lengths).
        tail: K, the query positions whose logits are kept.

    Example:
        >>> import torch
        >>> got = unreduced_pass(tiny_causal_lm(), [torch.arange(20)[None]] * 2, tail=4)
        >>> len(got.logits), tuple(got.logits[0].shape), got.mean_tokens[0]
        (2, (4, 320), 20.0)
    """
    from tokensmith.reduce.decoder import LlamaBlocks
    from tokensmith.reduce.flops import shape_of, unreduced_flops

    logits, seconds = _timed_all(unreduced_forward(model, tail=tail), inputs)
    dims = LlamaBlocks(model).dims()
    length = int(inputs[0].shape[1])
    flops = unreduced_flops([length] * len(inputs), layers=dims["layers"], **shape_of(dims))
    return Pass(logits=logits, seconds=seconds, flops=flops, mean_tokens=[float(length)] * dims["layers"])


def reduced_pass(model: Any, inputs: list[Any], *, method: str, ratio: float, head: int, tail: int, seed: int = 0,
                 fuse: bool = False) -> Pass:  # fmt: skip
    """The reduced prefill (`prefill.apply_decoder`, fitted to the inputs' lengths) over the inputs.

    Args:
        model: a `LlamaForCausalLM`.
        inputs: from `prefill_inputs` (equal lengths).
        method: one of `decoder.DECODER_METHODS`.
        ratio: R, the share of the layer FLOPs to remove.
        head: protected start tokens.
        tail: K, the protected query.
        seed: seed of 'random'.
        fuse: 'prune' fuses its pruned tokens.

    Example:
        >>> import torch
        >>> got = reduced_pass(tiny_causal_lm(), [torch.arange(40)[None]] * 2, method="pool", ratio=0.4, head=1, tail=4)
        >>> len(got.logits), got.mean_tokens[0] == 40, got.mean_tokens[1] < 40
        (2, True, True)
    """
    from tokensmith.reduce.flops import TokenRecord, shape_of
    from tokensmith.reduce.prefill import apply_decoder

    length = int(inputs[0].shape[1])
    decoder, _ = apply_decoder(model, method, ratio=ratio, lengths=[length] * len(inputs), head=head, tail=tail,
                               seed=seed, fuse=fuse)  # fmt: skip
    decoder.tail_logits(inputs[0])  # warm-up, untimed and not recorded (the record is replaced below)
    decoder.record = TokenRecord(layers=decoder.dims["layers"])
    logits, seconds = _timed_all(decoder.tail_logits, inputs, warm_up=False)
    return Pass(logits=logits, seconds=seconds, flops=decoder.record.flops(**shape_of(decoder.dims)),
                mean_tokens=decoder.record.mean_tokens())  # fmt: skip


def _timed_all(forward: Any, inputs: list[Any], *, warm_up: bool = True) -> tuple[list[Any], float]:
    if warm_up:
        forward(inputs[0])
    logits, seconds = [], 0.0
    for ids in inputs:
        begin = time.perf_counter()
        logits.append(forward(ids)[0])  # (K, V)
        seconds += time.perf_counter() - begin
    return logits, seconds


def compare(chunks: list[list[int]], unreduced: Pass, reduced: Pass, *, tokenizer: Any, context: int) -> dict[str, Any]:
    """The `unreduced` and `reduced` rows (kl, bits_per_byte, gflops, flops_kept, seconds, ...) of two passes.

    Args:
        chunks: from `prefill_inputs`.
        unreduced: `unreduced_pass` over them.
        reduced: `reduced_pass` over them.
        tokenizer: has `decode_bytes(ids)`.
        context: C (the continuation is each chunk's ids after the first C).

    Example:
        >>> import torch
        >>> same = Pass(logits=[torch.zeros(1, 4)], seconds=1.0, flops=10**9, mean_tokens=[3.0])
        >>> rows = compare([[0, 1]], same, same, tokenizer=type("T", (), {"decode_bytes": lambda self, ids: b"ab"})(),
        ...                context=1)
        >>> rows["reduced"]["kl"], rows["reduced"]["bits_per_byte"]  # uniform over 4: 2 bits for 2 bytes
        (0.0, 1.0)
    """
    import torch

    targets = [torch.tensor(c[context:], dtype=torch.long) for c in chunks]
    n_bytes = sum(len(tokenizer.decode_bytes(c[context:])) for c in chunks)
    kl, same = position_stats(torch.cat(unreduced.logits), torch.cat(reduced.logits))
    rows = {}
    for name, run in (("unreduced", unreduced), ("reduced", reduced)):
        bits = sum(continuation_bits(lg, t) for lg, t in zip(run.logits, targets, strict=True))
        rows[name] = {"kl": 0.0, "bits_per_byte": round(bits / n_bytes, 6), "gflops": round(run.flops / 1e9, 6),
                      "flops_kept": round(run.flops / unreduced.flops, 4), "seconds": round(run.seconds, 4)}  # fmt: skip
    rows["reduced"].update(kl=round(float(kl.mean()), 6), kl_p95=round(float(torch.quantile(kl, 0.95)), 6),
                           top1_agreement=round(float(same.double().mean()), 6),
                           mean_tokens_per_layer=[round(t, 1) for t in reduced.mean_tokens])  # fmt: skip
    return {"chunks": len(chunks), "context": context, "continuation": len(targets[0]), "continuation_bytes": n_bytes,
            **rows}  # fmt: skip


def evaluate_prefill(model: Any, tokenizer: Any, text: str, *, method: str, ratio: float, start_ids: Sequence[int] = (),
                     context: int = CONTEXT, continuation: int = CONTINUATION, max_chunks: int | None = None,
                     seed: int = 0, fuse: bool = False) -> dict[str, Any]:  # fmt: skip
    """`{"unreduced": {...}, "reduced": {...}}` of a decoder's prefill on a text (see the module docstring).

    Args:
        model: a `LlamaForCausalLM` in eval mode (`tokensmith.models.load_model('smollm2').model`).
        tokenizer: its `tokensmith.Tokenizer` (`encode`, `decode_bytes`).
        text: the running text.
        method: one of `decoder.DECODER_METHODS`.
        ratio: R, the share of the unreduced layer FLOPs to remove, in [0, 1).
        start_ids: the model's start-of-text ids (protected, never scored).
        context: C.
        continuation: K.
        max_chunks: at most this many chunks.
        seed: seed of 'random'.
        fuse: 'prune' fuses its pruned tokens (EViT).

    Example:
        >>> from types import SimpleNamespace as NS
        >>> toy = NS(encode=lambda t: [ord(c) % 320 for c in t], decode_bytes=lambda ids: bytes(len(ids)))
        >>> out = evaluate_prefill(tiny_causal_lm(), toy, "abcdefgh" * 30, method="tome", ratio=0.3, start_ids=(0,),
        ...                        context=48, continuation=8)
        >>> out["chunks"], out["unreduced"]["kl"], out["reduced"]["kl"] > 0, abs(out["reduced"]["flops_kept"] - 0.7) <= 0.05
        (4, 0.0, True, True)
    """
    from tokensmith.reduce.patch import check_ratio

    check_ratio(ratio)
    chunks, inputs = prefill_inputs(tokenizer, text, start_ids=start_ids, context=context, continuation=continuation,
                                    max_chunks=max_chunks)  # fmt: skip
    reference = unreduced_pass(model, inputs, tail=continuation)
    reduced = reduced_pass(model, inputs, method=method, ratio=ratio, head=len(start_ids), tail=continuation,
                           seed=seed, fuse=fuse)  # fmt: skip
    out = compare(chunks, reference, reduced, tokenizer=tokenizer, context=context)
    out["reduced"].update(method=method, ratio=ratio)
    return {"input_tokens": int(inputs[0].shape[1]), **out}
