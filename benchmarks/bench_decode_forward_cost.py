"""Forward cost of scoring n tokens in one pass with a warm KV cache, relative to one token: t(n) / t(1).

Claim: on this CPU, how many draft nodes a step can score before it costs more than it can save. A tree of n nodes
that yields a tokens per step (accepted drafts + bonus) beats greedy only if a / (t(n+1)/t(1)) > 1, so the curve
bounds the useful tree size. Sizes are interleaved round-robin so load from other processes hits all sizes alike.

Run: nice -n 10 .venv/bin/python benchmarks/bench_decode_forward_cost.py [--model smollm2] [--reps 7] [--context 256]
Writes benchmarks/results/decode_forward_cost.json (torch, the curve the docs' tree-size choice reads).

Side by side: `--backend torch,llamacpp --threads 1,2` times every backend and thread count in one run, sizes
n = 1..32 (BACKEND_SIZES) interleaved round-robin over all configurations, and writes
benchmarks/results/decode_forward_cost_backends.json: t(n)/t(1) and the absolute t(1) per configuration, with each
backend's batch-invariance probe (a token alone vs inside a 16-node tree).
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

from tokensmith.decode.trees import DraftTree

SIZES = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96)
BACKEND_SIZES = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32)
OUT = Path(__file__).parent / "results" / "decode_forward_cost.json"
OUT_BACKENDS = Path(__file__).parent / "results" / "decode_forward_cost_backends.json"


def time_forward(model: object, cache: object, *, prefix_len: int, n: int) -> tuple[float, float]:
    """(wall, CPU) seconds for one tree forward of n nodes (a chain: the shape does not change the cost).

    The cache is cropped back afterwards. With one torch thread the CPU time is the work done, which time spent
    descheduled on a loaded machine does not inflate."""
    import torch

    from tokensmith.decode.speculative import _forward
    from tokensmith.decode.trees import tree_attention_mask

    tree = DraftTree.chain(1, [2] * (n - 1))
    start, cpu = time.perf_counter(), time.process_time()
    mask = tree_attention_mask(tree, prefix_len=prefix_len, dtype=torch.float32)
    _forward(model, cache, torch.from_numpy(tree.tokens), torch.from_numpy(prefix_len + tree.depth), mask)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    cache.crop(-n)
    return elapsed, cpu


class TorchTimer:
    """The torch fp32 model with a warm DynamicCache of `context` tokens."""

    def __init__(self, model_name: str, context: int) -> None:
        import torch
        from transformers import DynamicCache

        from tokensmith.decode.speculative import _forward
        from tokensmith.models import load_model

        self.model = load_model(model_name).model
        self.cache = DynamicCache(config=self.model.config)
        self.context = context
        _forward(self.model, self.cache, torch.arange(100, 100 + context), torch.arange(context), None)

    def threads(self, n: int) -> None:
        import torch

        torch.set_num_threads(n)

    def time(self, n: int) -> tuple[float, float]:
        return time_forward(self.model, self.cache, prefix_len=self.context, n=n)

    def invariance(self) -> dict[str, object]:
        """A token alone vs inside the 16-node probe tree, on the same cache."""
        import numpy as np

        from tokensmith.decode.invariance import compare_logits, probe_tree
        from tokensmith.decode.speculative import tree_forward

        tree = probe_tree(7)
        in_tree = tree_forward(self.model, self.cache, tree, prefix_len=self.context).numpy()
        self.cache.crop(-tree.size)
        alone = np.empty_like(in_tree)
        for node in range(tree.size):
            path = tree.path_to(node)
            chain = DraftTree.chain(int(tree.tokens[path[0]]), tree.tokens[path[1:]].tolist())
            alone[node] = tree_forward(self.model, self.cache, chain, prefix_len=self.context).numpy()[-1]
            self.cache.crop(-chain.size)
        result = compare_logits(alone, in_tree)
        return {"same_argmax": result.same_argmax, "max_rel_diff": result.max_rel_diff, "ok": result.ok}


class LlamaCppTimer:
    """The llama.cpp scorer (Q8_0 requantized GGUF) with `context` tokens in sequence 0."""

    def __init__(self, model_name: str, context: int, quant: str) -> None:
        import numpy as np

        from tokensmith.decode.backend_llamacpp import load_scorer

        self.scorer = load_scorer(model_name, quant=quant, n_ctx=context + 256)
        self.context = context
        self.scorer.prefill(np.arange(100, 100 + context))

    def threads(self, n: int) -> None:
        self.scorer.set_threads(n)

    def time(self, n: int) -> tuple[float, float]:
        tree = DraftTree.chain(1, [2] * (n - 1))
        start, cpu = time.perf_counter(), time.process_time()
        self.scorer.score(tree, prefix_len=self.context)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        self.scorer.rollback(self.context)
        return elapsed, cpu

    def invariance(self) -> dict[str, object]:
        inv = self.scorer.invariance
        return {"same_argmax": inv.same_argmax, "max_rel_diff": inv.max_rel_diff, "ok": inv.ok,
                "gguf": self.scorer.path.name}


def _summary(samples: list[tuple[float, float]], base: list[tuple[float, float]]) -> dict[str, object]:
    wall1, cpu1 = statistics.median(w for w, _ in base), statistics.median(c for _, c in base)
    wall, cpu = statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)
    return {"median_ms": 1000 * wall, "ratio": wall / wall1, "cpu_median_ms": 1000 * cpu, "cpu_ratio": cpu / cpu1,
            "samples_ms": [round(1000 * w, 3) for w, _ in samples]}


def side_by_side(args: argparse.Namespace) -> None:
    """Every backend x thread count, sizes interleaved; writes OUT_BACKENDS."""
    from tokensmith import atomic

    timers: dict[str, object] = {}
    for name in args.backend.split(","):
        backend, _, quant = name.partition(":")  # llamacpp:q4_0 = another requantization side by side
        timers[name] = TorchTimer(args.model, args.context) if backend == "torch" else \
            LlamaCppTimer(args.model, args.context, quant or args.quant)  # fmt: skip
    threads = [int(t) for t in args.threads.split(",")]
    configs = [(b, t) for b in timers for t in threads]
    for b, t in configs:  # warm-up: every shape once
        timers[b].threads(t)
        for n in BACKEND_SIZES:
            timers[b].time(n)
    times = {(b, t, n): [] for b, t in configs for n in BACKEND_SIZES}
    for _ in range(args.reps):
        for b, t in configs:
            timers[b].threads(t)
            for n in BACKEND_SIZES:
                times[b, t, n].append(timers[b].time(n))
    rows = []
    for b, t in configs:
        for n in BACKEND_SIZES:
            rows.append({"backend": b, "threads": t, "n": n, **_summary(times[b, t, n], times[b, t, 1])})
    result = {
        "benchmark": "decode_forward_cost_backends",
        "model": args.model,
        "context": args.context,
        "reps": args.reps,
        "llamacpp_quant": args.quant,
        "command": "nice -n 10 .venv/bin/python benchmarks/bench_decode_forward_cost.py " + " ".join(sys.argv[1:]),
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_avg": os.getloadavg(),
        "invariance": {b: timer.invariance() for b, timer in timers.items()},
        "rows": rows,
    }
    atomic.write_text(OUT_BACKENDS, json.dumps(result, indent=2) + "\n")
    for row in rows:
        print(f"{row['backend']:9s} threads={row['threads']} n={row['n']:3d}  {row['median_ms']:8.2f} ms  "
              f"t(n)/t(1)={row['ratio']:.2f}  cpu ratio {row['cpu_ratio']:.2f}")
    print(json.dumps(result["invariance"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--context", type=int, default=256, help="tokens in the warm cache")
    parser.add_argument("--threads", default="1", help="threads (1: steadier on a loaded CPU); a list with --backend")
    parser.add_argument("--backend", default=None,
                        help="side by side: e.g. torch,llamacpp,llamacpp:q4_0 (writes *_backends.json)")
    parser.add_argument("--quant", default="q8_0", help="llama.cpp requantization of the GGUF: q8_0 or q4_0")
    args = parser.parse_args()
    if args.backend:
        side_by_side(args)
        return
    args.threads = int(args.threads)

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
