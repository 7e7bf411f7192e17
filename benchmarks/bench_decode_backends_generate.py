"""Greedy vs speculative generation on the llama.cpp backend (SmolLM2-135M-Instruct requantized to Q8_0, CPU).

Claim: with a backend whose small multi-token passes are cheap (bench_decode_forward_cost.py --backend), drafting
pays: draft trees give the backend's own greedy tokens in less time. Every method runs in one process on the same
prompts (the chat template applied, as `tokensmith generate` does), the method order rotating from prompt to
prompt; tokens/s over total wall time and over process CPU time (on a loaded machine CPU time is the work done).
Output identity with the backend's greedy run is checked per prompt.

Methods: greedy, prompt lookup, Token Recycling (`--recycling` sizes, hot), lookup+recycling (`--trees` sizes) and
`--extra` drafters as name:budget (dyspec: its cost curve is the llama.cpp 1-thread rows of `--cost-curve`, the
backends' forward-cost JSON; rest: the package's text as datastore, as in bench_decode_speculative.py).
With `--sampling 0.7,1.0` the samplers of bench_decode_speculative.py run instead (exact sampling on this backend;
tokens/step and speed-up against plain sampling).

Run (full size): nice -n 10 .venv/bin/python benchmarks/bench_decode_backends_generate.py --per-kind 0 --max-new-tokens 128
  ... --per-kind 0 --max-new-tokens 128 --sampling 0.7,1.0
Writes benchmarks/results/decode_backends_generate.json (sampling: decode_backends_sampling.json) after every prompt.
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
OUT_SAMPLING = HERE / "results" / "decode_backends_sampling.json"
COST = HERE / "results" / "decode_forward_cost_backends.json"
PROMPTS = HERE / "prompts" / "speculative.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--per-kind", type=int, default=2, help="prompts of each kind (0: all)")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--trees", default="2,4,8,16", help="lookup+recycling tree sizes")
    parser.add_argument("--recycling", default="2,8", help="Token Recycling tree sizes (hot)")
    parser.add_argument("--extra", default="dyspec:64,rest:3,rest:8", help="more drafters, name:budget")
    parser.add_argument("--cost-curve", type=Path, default=COST, help="DySpec's forward-cost JSON (llamacpp rows)")
    parser.add_argument("--sampling", default="", help="temperatures, e.g. 0.7,1.0: the sampling benchmark instead")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quant", default="q8_0")
    args = parser.parse_args()

    from tokensmith.decode.backend_llamacpp import load_scorer
    from tokensmith.decode.chat import chat_template_of, encode_prompt
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
    prompts = [encode_prompt(tok, r["prompt"], template=template, config=scorer.config) for r in chosen]
    head = {
        "model": args.model,
        "backend": "llamacpp",
        "gguf": scorer.path.name,
        "threads": args.threads,
        "max_new_tokens": args.max_new_tokens,
        "prompts_in_file": len(rows),
        "reduced": bool(args.per_kind) or args.max_new_tokens < 128,
        "command": "nice -n 10 .venv/bin/python benchmarks/bench_decode_backends_generate.py " + " ".join(sys.argv[1:]),
        "invariance": {"same_argmax": scorer.invariance.same_argmax, "max_rel_diff": scorer.invariance.max_rel_diff},
    }
    if args.sampling:
        run_sampling(scorer, prompts, head, args)
    else:
        run_greedy(scorer, tok, prompts, head, args)


def build_methods(scorer: object, tok: object, args: argparse.Namespace) -> dict[str, tuple[object, int]]:
    """name -> (drafter, budget): greedy first, then every drafter the flags name."""
    from bench_decode_speculative import package_corpus

    from tokensmith.decode.draft_rest import datastore_from_file
    from tokensmith.decode.drafters import make_drafter
    from tokensmith.decode.dyspec import load_cost_points
    from tokensmith.decode.speculative import NullDrafter

    vocab = scorer.vocab_size
    methods: dict[str, tuple[object, int]] = {"greedy": (NullDrafter(), 0), "lookup": (make_drafter("lookup", vocab_size=vocab), 10)}
    for tree in (int(t) for t in args.recycling.split(",") if t):
        methods[f"recycling-{tree}"] = (make_drafter("recycling", vocab_size=vocab, tree=tree), tree)
    for tree in (int(t) for t in args.trees.split(",") if t):
        methods[f"lookup+recycling-{tree}"] = (make_drafter("lookup+recycling", vocab_size=vocab, tree=tree), tree)
    extra = [e.split(":") for e in args.extra.split(",") if e]
    cost = load_cost_points(args.cost_curve, backend="llamacpp" if args.quant == "q8_0" else f"llamacpp:{args.quant}",
                            threads=args.threads) if any(n == "dyspec" for n, _ in extra) else None  # fmt: skip
    store = datastore_from_file(package_corpus(), tok) if any(n == "rest" for n, _ in extra) else None
    for name, tree in extra:
        methods[f"{name}-{tree}"] = (make_drafter(name, vocab_size=vocab, tree=int(tree), cost=cost, datastore=store),
                                     int(tree))
    return methods


def run_greedy(scorer: object, tok: object, prompts: list[list[int]], head: dict, args: argparse.Namespace) -> None:
    """Every drafter against the backend's greedy run, order rotating per prompt; results after every prompt."""
    from tokensmith import atomic
    from tokensmith.decode.speculative import speculative_generate

    methods = build_methods(scorer, tok, args)
    totals = {m: {"new_tokens": 0, "wall_s": 0.0, "cpu_s": 0.0, "steps": 0, "identical": 0} for m in methods}
    names = list(methods)
    for p, ids in enumerate(prompts):
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
                             "mean_accepted": (t["new_tokens"] - p - 1) / t["steps"] if t["steps"] else 0.0}  # fmt: skip
        result = {"benchmark": "decode_backends_generate", **head, "prompts_done": p + 1, "load_avg": os.getloadavg(),
                  "summary": summary}  # fmt: skip
        atomic.write_text(OUT, json.dumps(result, indent=2) + "\n")
        print(f"prompt {p + 1}/{len(prompts)} done", flush=True)
    for name, s in result["summary"].items():
        print(f"{name:22s} {s['tokens_per_s']:7.1f} tok/s  cpu {s['cpu_tokens_per_s']:7.1f} tok/s  "
              f"x{s['speedup_vs_greedy']:.2f} (cpu x{s['cpu_speedup_vs_greedy']:.2f})  tokens/step "
              f"{s['mean_accepted']:.2f}  identical {s['identical']}/{len(prompts)}")


def run_sampling(scorer: object, prompts: list[list[int]], head: dict, args: argparse.Namespace) -> None:
    """The samplers of bench_decode_speculative.py on this backend: tokens/step and speed-up against plain sampling."""
    from bench_decode_speculative import run_samplers

    result = {"benchmark": "decode_backends_sampling", **head, "seed": args.seed, "prompts_total": len(prompts)}
    run_samplers(scorer, prompts, temps=[float(t) for t in args.sampling.split(",")], vocab=scorer.vocab_size,
                 max_new=args.max_new_tokens, seed=args.seed, result=result, out=OUT_SAMPLING)  # fmt: skip


if __name__ == "__main__":
    main()
