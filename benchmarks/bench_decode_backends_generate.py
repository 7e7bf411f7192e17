"""Greedy vs speculative generation on the llama.cpp backend (SmolLM2-135M-Instruct requantized to Q8_0, CPU).

Claim: with a backend whose small multi-token passes are cheap (bench_decode_forward_cost.py --backend), drafting
pays: lookup+recycling trees give the backend's own greedy tokens in less time. Every method runs in one process on
the same prompts (the chat template applied, as `tokensmith generate` does), the method order rotating from prompt
to prompt; tokens/s over total wall time and over process CPU time (the loaded 2-core machine: CPU time is the
work done). Output identity with the backend's greedy run is checked per prompt.

Run: nice -n 10 .venv/bin/python benchmarks/bench_decode_backends_generate.py [--per-kind 2] [--max-new-tokens 64]
Writes benchmarks/results/decode_backends_generate.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "results" / "decode_backends_generate.json"
PROMPTS = HERE / "prompts" / "speculative.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--per-kind", type=int, default=2, help="prompts of each kind (0: all)")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--trees", default="2,4,8,16", help="lookup+recycling tree sizes")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quant", default="q8_0")
    args = parser.parse_args()

    from tokensmith import atomic
    from tokensmith.decode.backend_llamacpp import load_scorer
    from tokensmith.decode.chat import chat_template_of, encode_prompt
    from tokensmith.decode.drafters import make_drafter
    from tokensmith.decode.speculative import NullDrafter, speculative_generate
    from tokensmith.formats.gguf import tokenizer_from_gguf
    from tokensmith.models import resolve_model_path

    scorer = load_scorer(args.model, quant=args.quant, threads=args.threads)
    where, gguf = resolve_model_path(args.model)
    tok = tokenizer_from_gguf(Path(where) / str(gguf), name=args.model)
    template = chat_template_of(args.model)
    rows = [json.loads(line) for line in PROMPTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_kind: dict[str, list[dict]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row)
    chosen = [r for k in by_kind.values() for r in (k[: args.per_kind] if args.per_kind else k)]
    methods = {"greedy": (NullDrafter(), 0)}
    for tree in (int(t) for t in args.trees.split(",")):
        methods[f"lookup+recycling-{tree}"] = (make_drafter("lookup+recycling", vocab_size=scorer.vocab_size,
                                                            tree=tree), tree)  # fmt: skip
    totals = {m: {"new_tokens": 0, "wall_s": 0.0, "cpu_s": 0.0, "steps": 0, "identical": 0} for m in methods}
    names = list(methods)
    for p, row in enumerate(chosen):
        ids = encode_prompt(tok, row["prompt"], template=template, config=scorer.config)
        order = names[p % len(names) :] + names[: p % len(names)]
        outs = {}
        for name in order:
            drafter, budget = methods[name]
            wall, cpu = time.perf_counter(), time.process_time()
            out, stats = speculative_generate(scorer, ids, drafter, args.max_new_tokens, budget=budget)
            t = totals[name]
            t["wall_s"] += time.perf_counter() - wall
            t["cpu_s"] += time.process_time() - cpu
            t["new_tokens"] += stats.new_tokens
            t["steps"] += stats.steps
            outs[name] = out
        for name in names:
            totals[name]["identical"] += int(outs[name] == outs["greedy"])
    base = totals["greedy"]
    summary = {}
    for name, t in totals.items():
        summary[name] = {**t, "tokens_per_s": t["new_tokens"] / t["wall_s"], "cpu_tokens_per_s": t["new_tokens"] / t["cpu_s"],
                         "speedup_vs_greedy": base["wall_s"] / t["wall_s"] * t["new_tokens"] / base["new_tokens"],
                         "cpu_speedup_vs_greedy": base["cpu_s"] / t["cpu_s"] * t["new_tokens"] / base["new_tokens"],
                         "mean_accepted": (t["new_tokens"] - len(chosen)) / t["steps"] if t["steps"] else 0.0}  # fmt: skip
    result = {
        "benchmark": "decode_backends_generate",
        "model": args.model,
        "backend": "llamacpp",
        "gguf": scorer.path.name,
        "threads": args.threads,
        "max_new_tokens": args.max_new_tokens,
        "prompts_done": len(chosen),
        "prompts_in_file": len(rows),
        "reduced": bool(args.per_kind),
        "command": "nice -n 10 .venv/bin/python benchmarks/bench_decode_backends_generate.py " + " ".join(sys.argv[1:]),
        "load_avg": os.getloadavg(),
        "invariance": {"same_argmax": scorer.invariance.same_argmax, "max_rel_diff": scorer.invariance.max_rel_diff},
        "summary": summary,
    }
    atomic.write_text(OUT, json.dumps(result, indent=2) + "\n")
    for name, s in summary.items():
        print(f"{name:22s} {s['tokens_per_s']:7.1f} tok/s  cpu {s['cpu_tokens_per_s']:7.1f} tok/s  "
              f"x{s['speedup_vs_greedy']:.2f} (cpu x{s['cpu_speedup_vs_greedy']:.2f})  tokens/step "
              f"{s['mean_accepted']:.2f}  identical {s['identical']}/{len(chosen)}")


if __name__ == "__main__":
    main()
