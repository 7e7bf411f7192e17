"""Forward cost of scoring n tokens in one pass with a warm KV cache, relative to one token: t(n) / t(1).

Claim: on this CPU, how many draft nodes a step can score before it costs more than it can save. A tree of n nodes
that yields a tokens per step (accepted drafts + bonus) beats greedy only if a / (t(n+1)/t(1)) > 1, so the curve
bounds the useful tree size. Sizes are interleaved round-robin so load from other processes hits all sizes alike.

Run: nice -n 10 .venv/bin/python benchmarks/bench_decode_forward_cost.py [--model smollm2] [--reps 7] [--context 256]
Writes benchmarks/results/decode_forward_cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import platform
import statistics
import time
from pathlib import Path

SIZES = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96)
OUT = Path(__file__).parent / "results" / "decode_forward_cost.json"


def time_forward(model: object, cache: object, *, prefix_len: int, n: int) -> tuple[float, float]:
    """(wall, CPU) seconds for one tree forward of n nodes (a chain: the shape does not change the cost).

    The cache is cropped back afterwards. With one torch thread the CPU time is the work done, which time spent
    descheduled on a loaded machine does not inflate."""
    import torch

    from tokensmith.decode.speculative import _forward
    from tokensmith.decode.trees import DraftTree, tree_attention_mask

    tree = DraftTree.chain(1, [2] * (n - 1))
    start, cpu = time.perf_counter(), time.process_time()
    mask = tree_attention_mask(tree, prefix_len=prefix_len, dtype=torch.float32)
    _forward(model, cache, torch.from_numpy(tree.tokens), torch.from_numpy(prefix_len + tree.depth), mask)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    cache.crop(-n)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--context", type=int, default=256, help="tokens in the warm cache")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: steadier on a loaded CPU)")
    args = parser.parse_args()

    import torch
    from transformers import DynamicCache

    from tokensmith import atomic
    from tokensmith.models import load_model
    from tokensmith.decode.speculative import _forward

    torch.set_num_threads(args.threads)
    lm = load_model(args.model)
    cache = DynamicCache(config=lm.model.config)
    prompt = torch.arange(100, 100 + args.context)
    _forward(lm.model, cache, prompt, torch.arange(args.context), None)
    for n in SIZES:  # warm-up: allocator and kernels for every shape
        time_forward(lm.model, cache, prefix_len=args.context, n=n)
    times: dict[int, list[tuple[float, float]]] = {n: [] for n in SIZES}
    for _ in range(args.reps):
        for n in SIZES:
            times[n].append(time_forward(lm.model, cache, prefix_len=args.context, n=n))
    wall1 = statistics.median(w for w, _ in times[1])
    cpu1 = statistics.median(c for _, c in times[1])
    rows = []
    for n, samples in times.items():
        wall, cpu = statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)
        rows.append({"n": n, "median_ms": 1000 * wall, "ratio": wall / wall1, "cpu_median_ms": 1000 * cpu,
                     "cpu_ratio": cpu / cpu1, "samples_ms": [round(1000 * w, 2) for w, _ in samples]})
    result = {
        "benchmark": "decode_forward_cost",
        "model": args.model,
        "context": args.context,
        "reps": args.reps,
        "torch_threads": torch.get_num_threads(),
        "command": "nice -n 10 .venv/bin/python benchmarks/bench_decode_forward_cost.py " + " ".join(sys.argv[1:]),
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_avg": os.getloadavg(),
        "rows": rows,
    }
    atomic.write_text(OUT, json.dumps(result, indent=2) + "\n")
    for row in rows:
        print(f"n={row['n']:3d}  {row['median_ms']:8.1f} ms  t(n)/t(1)={row['ratio']:.2f}  "
              f"cpu {row['cpu_median_ms']:8.1f} ms  ratio {row['cpu_ratio']:.2f}")


if __name__ == "__main__":
    main()
