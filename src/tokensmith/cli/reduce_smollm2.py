"""The SmolLM2 branch of `tokensmith reduce eval` (`--model smollm2`): prefill reduction on a text file.

Examples:
    tokensmith reduce eval --model smollm2 --method tome --ratio 0.4
    tokensmith reduce eval --model smollm2 --method prune --ratio 0.25 --data wiki.test.txt --context 512 --json

A helper of `cli/reduce.py`, not a command group of its own: it loads SmolLM2-135M (`tokensmith.models`), reads the
text, calls `tokensmith.reduce.prefill_eval.evaluate_prefill` and prints the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokensmith.cli.output import console
from tokensmith.errors import ModelError

ATTENTION = ("sdpa", "eager")  # of the unreduced reference forward; the runner computes its own attention


def eval_prefill(*, method: str, ratio: float, data: Path | None, attn: str, seed: int, fuse: bool, context: int,
                 continuation: int, chunks: int | None) -> dict[str, Any]:  # fmt: skip
    """`{"unreduced": {...}, "reduced": {...}}` of SmolLM2-135M's prefill on `--data` (the `--json` shape).

    Args:
        method: `--method` (tome, prune, random, truncate, pool).
        ratio: `--ratio`, the share of the layer FLOPs to remove.
        data: `--data`, a UTF-8 text file (None: the built-in sample text).
        attn: `--attn-implementation` of the unreduced reference ('sdpa' or 'eager').
        seed: seed of 'random'.
        fuse: 'prune' fuses the pruned tokens.
        context: `--context`, C tokens per chunk.
        continuation: `--continuation`, K tokens per chunk.
        chunks: `--chunks`, at most this many chunks (None: all).

    Raises:
        ModelError: a bad option, or the model cannot load (the message says how to install it).
        CorpusError: an unreadable `--data` file.

    Example:
        >>> eval_prefill(method="tome", ratio=0.4, data=None, attn="flash_attention_2", seed=0, fuse=False,
        ...              context=256, continuation=32, chunks=None)
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: --attn-implementation 'flash_attention_2' is not one the runner reproduces; use one of: sdpa, eager.
    """
    if attn not in ATTENTION:
        raise ModelError(f"--attn-implementation {attn!r} is not one the runner reproduces; use one of: "
                         f"{', '.join(ATTENTION)}.")  # fmt: skip
    from tokensmith.models import load_model
    from tokensmith.reduce.prefill_eval import chunk_ids, evaluate_prefill, read_text
    from tokensmith.reduce.prefill_sample import SAMPLE_TEXT
    from tokensmith.tokenlm import HFTokenLM

    text = read_text(data) if data is not None else SAMPLE_TEXT
    chunk_ids([0] * (context + continuation), context=context, continuation=continuation)  # sizes, before loading
    loaded = load_model("smollm2")
    loaded.model.set_attn_implementation(attn)
    start = HFTokenLM.from_loaded(loaded).start_ids
    result = evaluate_prefill(loaded.model, loaded.tokenizer, text, method=method, ratio=ratio, start_ids=start,
                              context=context, continuation=continuation, max_chunks=chunks, seed=seed, fuse=fuse)  # fmt: skip
    return {"model": "smollm2", "data": str(data) if data is not None else "built-in sample text", **result}


def print_prefill(result: dict[str, Any]) -> None:
    """The human form of `eval_prefill`'s result: the two prefills side by side.

    Args:
        result: what `eval_prefill` returned.

    Example:
        >>> row = {"kl": 0.0, "bits_per_byte": 1.0, "gflops": 10.0, "flops_kept": 1.0, "seconds": 2.0}
        >>> reduced = {**row, "kl": 0.05, "kl_p95": 0.2, "top1_agreement": 0.9, "bits_per_byte": 1.1, "gflops": 6.0,
        ...            "flops_kept": 0.6, "seconds": 1.5, "method": "tome", "ratio": 0.4}
        >>> print_prefill({"chunks": 2, "context": 256, "continuation": 32, "data": "sample", "unreduced": row,
        ...                "reduced": reduced})
        smollm2 prefill on sample (2 chunks of 256 + 32 tokens), tome at a 40% FLOPs cut:
                           kl  bits/byte    gflops    kept   seconds
          unreduced    0.0000     1.0000     10.00   1.000      2.00
          reduced      0.0500     1.1000      6.00   0.600      1.50
          KL 95th percentile 0.2000; top-1 next token agreement 0.90
    """
    u, r = result["unreduced"], result["reduced"]
    console.print(f"smollm2 prefill on {result['data']} ({result['chunks']} chunks of {result['context']} + "
                  f"{result['continuation']} tokens), {r['method']} at a {r['ratio']:.0%} FLOPs cut:",
                  highlight=False)  # fmt: skip
    console.print(f"  {'':<10}{'kl':>10}{'bits/byte':>11}{'gflops':>10}{'kept':>8}{'seconds':>10}", highlight=False)
    for name, row in (("unreduced", u), ("reduced", r)):
        console.print(f"  {name:<10}{row['kl']:>10.4f}{row['bits_per_byte']:>11.4f}{row['gflops']:>10.2f}"
                      f"{row['flops_kept']:>8.3f}{row['seconds']:>10.2f}", highlight=False)  # fmt: skip
    console.print(f"  KL 95th percentile {r['kl_p95']:.4f}; top-1 next token agreement {r['top1_agreement']:.2f}",
                  highlight=False)  # fmt: skip
