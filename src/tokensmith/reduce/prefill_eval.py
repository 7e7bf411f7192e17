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


def _unreduced_logits(model: Any, ids: Any, tail: int) -> Any:
    import torch

    with torch.inference_mode():
        hidden = model.model(input_ids=ids).last_hidden_state[:, -tail:]  # after the final norm
        return model.lm_head(hidden)


def _timed(forward: Any, ids: Any) -> tuple[Any, float]:
    begin = time.perf_counter()
    out = forward(ids)
    return out, time.perf_counter() - begin


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
    import torch

    from tokensmith.reduce.flops import shape_of, unreduced_flops
    from tokensmith.reduce.prefill import apply_decoder

    chunks = chunk_ids(tokenizer.encode(text), context=context, continuation=continuation, max_chunks=max_chunks)
    head, tail = len(start_ids), continuation
    inputs = [torch.tensor([list(start_ids) + c[:-1]], dtype=torch.long) for c in chunks]  # (1, S + C + K − 1)
    length = int(inputs[0].shape[1])
    decoder, record = apply_decoder(model, method, ratio=ratio, lengths=[length] * len(chunks), head=head, tail=tail,
                                    seed=seed, fuse=fuse)  # fmt: skip
    forwards = {"unreduced": lambda ids: _unreduced_logits(model, ids, tail), "reduced": decoder.tail_logits}
    for forward in forwards.values():  # warm-up, untimed; the record is read relative to it below
        forward(inputs[0])
    warm = [list(layer) for layer in record.attention], [list(layer) for layer in record.mlp]
    logits: dict[str, list[Any]] = {"unreduced": [], "reduced": []}
    seconds = {"unreduced": 0.0, "reduced": 0.0}
    for ids in inputs:
        for name, forward in forwards.items():
            out, spent = _timed(forward, ids)
            logits[name].append(out[0])  # (K, V)
            seconds[name] += spent
    return _summary(chunks, logits, seconds, tokenizer=tokenizer, decoder=decoder, warm=warm, length=length,
                    context=context, method=method, ratio=ratio,
                    total=unreduced_flops([length] * len(chunks), layers=decoder.dims["layers"],
                                          **shape_of(decoder.dims)))  # fmt: skip


def _summary(chunks: list[list[int]], logits: dict[str, list[Any]], seconds: dict[str, float], *, tokenizer: Any,
             decoder: Any, warm: tuple[list[list[int]], list[list[int]]], length: int, context: int, method: str,
             ratio: float, total: int) -> dict[str, Any]:  # fmt: skip
    import torch

    from tokensmith.reduce.flops import TokenRecord, shape_of

    record = decoder.record  # drop the warm-up pass's counts (one sequence per layer)
    timed = TokenRecord(layers=record.layers, attention=[a[len(w):] for a, w in zip(record.attention, warm[0])],
                        mlp=[m[len(w):] for m, w in zip(record.mlp, warm[1])])  # fmt: skip
    reduced_flops = timed.flops(**shape_of(decoder.dims))
    targets = [torch.tensor(c[context:], dtype=torch.long) for c in chunks]
    n_bytes = sum(len(tokenizer.decode_bytes(c[context:])) for c in chunks)
    bits = {name: sum(continuation_bits(lg, t) for lg, t in zip(rows, targets)) for name, rows in logits.items()}
    kl, same = position_stats(torch.cat(logits["unreduced"]), torch.cat(logits["reduced"]))
    common = {"gflops": round(total / 1e9, 6)}
    unreduced = {"kl": 0.0, "bits_per_byte": round(bits["unreduced"] / n_bytes, 6), **common, "flops_kept": 1.0,
                 "seconds": round(seconds["unreduced"], 4)}  # fmt: skip
    reduced = {"kl": round(float(kl.mean()), 6), "kl_p95": round(float(torch.quantile(kl, 0.95)), 6),
               "top1_agreement": round(float(same.double().mean()), 6),
               "bits_per_byte": round(bits["reduced"] / n_bytes, 6), "gflops": round(reduced_flops / 1e9, 6),
               "flops_kept": round(reduced_flops / total, 4), "seconds": round(seconds["reduced"], 4),
               "method": method, "ratio": ratio, "mean_tokens_per_layer": [round(t, 1) for t in timed.mean_tokens()]}
    return {"chunks": len(chunks), "context": context, "continuation": len(targets[0]), "input_tokens": length,
            "continuation_bytes": n_bytes, "unreduced": unreduced, "reduced": reduced}  # fmt: skip
