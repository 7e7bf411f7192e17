"""Speculative decoding vs greedy on SmolLM2-135M-Instruct (fp32, CPU): speed, tokens per step, exactness.

Claim: Token Recycling and prompt lookup give the same tokens as HF greedy `generate` with fewer forward passes;
how much faster that is depends on the forward-cost curve (bench_decode_forward_cost.py). All methods run in the
same process on the same prompts; the method order rotates from prompt to prompt so load from other processes hits
every method alike. Hot-start drafters keep their matrix from prompt to prompt (in file order); cold ones reset.

Prompts go through the chat template the model's tokenizer ships (`decode.chat`; SmolLM2-Instruct's adds its
default system turn), as `tokensmith generate` feeds them.

Run (full size, every method of the docs): nice -n 10 .venv/bin/python benchmarks/bench_decode_speculative.py \
    --max-new-tokens 128 --extra recycling:2,lookup+recycling:2,recycling:3,lookup+recycling:3,lookup+recycling:16,\
dyspec:64,rest:3,rest:8
Smaller run (shared CPU): ... --max-new-tokens 64 --per-kind 3
Writes benchmarks/results/decode_speculative.json after every prompt (a partial run is still a valid result).

Cross-vocabulary drafting (`--draft-model M`, `decode/draft_crossvocab.py`): adds `draft-N` methods, the target
verifying chains of up to N tokens re-encoded from M's greedy drafts, e.g. Gemma-3 with SmolLM2 drafts:
  nice -n 10 .venv/bin/python benchmarks/bench_decode_speculative.py --model gemma3 --draft-model smollm2 --trees "" \
      --extra "" --draft-trees 2,4 --max-new-tokens 128 --out benchmarks/results/decode_crossvocab.json
DySpec and REST (`--extra dyspec:64,rest:8`): DySpec's cost curve is the committed forward-cost results JSON
(`--cost-curve`, measured on this CPU with one thread), or with `--cost-curve measure` a short curve timed in CPU
seconds on the loaded model before the prompts (the machine as it is during the run); REST's datastore the text of
`--datastore`, by default the package's own source and docs (src/tokensmith/**/*.py and docs/**/*.md concatenated
in path order: code and English prose, the prompts' domains; benchmarks/prompts/ is not in it).
They run in the full-size run above; the reduced run with the curve measured:
... --max-new-tokens 64 --per-kind 2 --trees "" --extra recycling:3,lookup+recycling:3,dyspec:64 --cost-curve measure
--out benchmarks/results/decode_speculative_dyspec_measured.json

Sampling (`--sampling 0.7,1.0`): exact sampling at each temperature through plain sampling (no draft), Token
Recycling + lookup trees and RSD trees (n-gram q); tokens/step and speed-up against plain sampling in the same
process (total new tokens over total wall time). Exactness is the job of tests/decode_sampling, not of this run.
Writes benchmarks/results/decode_speculative_sampling.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "results" / "decode_speculative.json"
PROMPTS = HERE / "prompts" / "speculative.jsonl"
OUT_SAMPLING = HERE / "results" / "decode_speculative_sampling.json"
SAMPLERS = {  # name -> make_drafter arguments (a fresh drafter per temperature; hot ones carry across prompts)
    "sample-plain": {"name": "none"},
    "sample-lookup+recycling-3": {"name": "lookup+recycling", "tree": 3},
    "sample-rsd-c-ngram-2x1": {"name": "rsd", "rsd_mode": "c", "width": 2, "depth": 1},
    "sample-rsd-c-ngram-1x3": {"name": "rsd", "rsd_mode": "c", "width": 1, "depth": 3},
    "sample-rsd-s-ngram-2x2": {"name": "rsd", "rsd_mode": "s", "width": 2, "depth": 2},
}

Method = Callable[[list[int]], list[int]]


def build_methods(
    model: object, *, vocab: int, max_new: int, trees: list[int], extra: list[str],
    draft: tuple[object, object] | None = None, draft_trees: tuple[int, ...] = (), cost: dict | None = None,
    store: object = None,
) -> dict[str, tuple[Method, object]]:
    """name -> (run(prompt ids) -> output ids, drafter or None). Our drafters are built once (hot ones carry over).
    `draft` = (a loaded draft model, the target's tokenizer) adds one cross-vocabulary method per draft tree;
    `cost` is DySpec's forward-cost points, `store` REST's datastore (needed for rest extras only)."""
    import torch

    from tokensmith.decode.drafters import make_drafter
    from tokensmith.decode.speculative import speculative_generate

    def hf(**kwargs: object) -> Method:
        def run(ids: list[int]) -> list[int]:
            x = torch.tensor([ids])
            with torch.inference_mode():
                out = model.generate(x, attention_mask=torch.ones_like(x), do_sample=False, max_new_tokens=max_new, **kwargs)
            return out[0].tolist()

        return run

    def ours(drafter: object, budget: int) -> Method:
        return lambda ids: speculative_generate(model, ids, drafter, max_new, budget=budget)[0]

    methods: dict[str, tuple[Method, object]] = {
        "hf-greedy": (hf(), None),
        "hf-prompt-lookup": (hf(prompt_lookup_num_tokens=10), None),
    }
    lookup = make_drafter("lookup", vocab_size=vocab)
    methods["lookup"] = (ours(lookup, 10), lookup)
    for tree in trees:
        for hot in (True, False):
            drafter = make_drafter("recycling", vocab_size=vocab, tree=tree, hot=hot)
            methods[f"recycling-{tree}-{'hot' if hot else 'cold'}"] = (ours(drafter, tree), drafter)
    for spec in extra:  # e.g. "lookup+recycling:16" or "recycling:3"
        name, tree = spec.split(":")
        drafter = make_drafter(name, vocab_size=vocab, tree=int(tree), hot=True, cost=cost, datastore=store)
        methods[f"{name}-{tree}-hot"] = (ours(drafter, int(tree)), drafter)
    for tree in draft_trees if draft is not None else ():
        drafter = make_drafter("draft", vocab_size=vocab, tree=tree, draft=draft[0], target_tokenizer=draft[1])
        methods[f"draft-{tree}"] = (ours(drafter, tree), drafter)
    return methods


PACKAGE_CORPUS = "src/tokensmith/**/*.py + docs/**/*.md, concatenated in path order"


def package_corpus() -> Path:
    """REST's default datastore text: the package's source and docs in one file under the cache (not in the repo)."""
    from tokensmith import atomic
    from tokensmith.cache import cache_dir

    root = HERE.parent
    files = sorted([*(root / "src" / "tokensmith").rglob("*.py"), *(root / "docs").rglob("*.md")])
    text = "\n\n".join(f.read_text(encoding="utf-8") for f in files)
    return atomic.write_text(cache_dir("bench") / "rest_corpus.txt", text)


def count_forwards(model: object) -> list[int]:
    """A counter of forward calls of the model (HF assisted decoding does not report its own)."""
    counter = [0]

    def hook(*_: object) -> None:
        counter[0] += 1

    model.register_forward_pre_hook(hook)
    return counter


def summarize(rows: list[dict]) -> dict[str, dict]:
    """Per method: totals, tokens/s, tokens per step, speedup against HF greedy and HF prompt lookup."""
    total = {}
    for name in rows[0]["methods"]:
        runs = [r["methods"][name] for r in rows]
        wall = sum(x["wall_s"] for x in runs)
        cpu = sum(x["cpu_s"] for x in runs)
        new = sum(x["new_tokens"] for x in runs)
        steps = sum(x["forward_passes"] - 1 for x in runs)
        total[name] = {
            "wall_s": wall,
            "cpu_s": cpu,
            "new_tokens": new,
            "forward_passes": sum(x["forward_passes"] for x in runs),
            "mean_accepted": (new - len(runs)) / steps if steps else 0.0,
            "tokens_per_s": new / wall,
            "tokens_per_cpu_s": new / cpu,
            "identical_to_greedy": all(x["identical"] for x in runs),
            "prompts_identical": sum(x["identical"] for x in runs),
        }
    for name, row in total.items():
        row["speedup_vs_greedy"] = total["hf-greedy"]["wall_s"] / row["wall_s"]
        row["speedup_vs_hf_lookup"] = total["hf-prompt-lookup"]["wall_s"] / row["wall_s"]
        # with one torch thread, CPU seconds are the work done, unaffected by time the process spent descheduled
        row["cpu_speedup_vs_greedy"] = total["hf-greedy"]["cpu_s"] / row["cpu_s"]
        row["cpu_speedup_vs_hf_lookup"] = total["hf-prompt-lookup"]["cpu_s"] / row["cpu_s"]
    return total


def run_prompt(methods: dict, ids: list[int], order: list[str], counter: list[int]) -> dict[str, dict]:
    results = {}
    for name in order:
        run, _ = methods[name]
        counter[0] = 0
        start, cpu = time.perf_counter(), time.process_time()
        out = run(ids)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        results[name] = {"wall_s": wall, "cpu_s": cpu, "forward_passes": counter[0], "new_tokens": len(out) - len(ids), "out": out}
    greedy = results["hf-greedy"]["out"]
    for r in results.values():
        r["identical"] = r.pop("out") == greedy
    return results


def load_prompts(per_kind: int) -> list[dict]:
    """The committed prompts; with per_kind, the first N of each kind, kinds interleaved."""
    prompts = [json.loads(line) for line in PROMPTS.read_text().splitlines() if line.strip()]
    if per_kind:
        kinds = sorted({p["kind"] for p in prompts})
        by_kind = [[p for p in prompts if p["kind"] == k][:per_kind] for k in kinds]
        prompts = [group[i] for i in range(per_kind) for group in by_kind if i < len(group)]
    return prompts


def sampling_rates(totals: dict[str, dict]) -> None:
    """Adds tokens/step, tokens/s and the speed-ups (wall, CPU) against plain sampling to each sampler's totals."""
    base = totals["sample-plain"]
    for row in totals.values():
        row["tokens_per_step"] = (row["new_tokens"] - row["prompts"]) / max(row["steps"], 1)
        row["tokens_per_s"] = row["new_tokens"] / row["wall_s"]
        row["speedup_vs_plain_sampling"] = row["tokens_per_s"] / (base["new_tokens"] / base["wall_s"])
        row["cpu_speedup_vs_plain_sampling"] = (row["new_tokens"] / row["cpu_s"]) / (base["new_tokens"] / base["cpu_s"])


def run_samplers(model: object, prompts: list[list[int]], *, temps: list[float], vocab: int, max_new: int, seed: int,
                 result: dict, out: Path) -> None:  # fmt: skip
    """Every sampler of SAMPLERS at each temperature on `model` (a torch model or a scorer), order rotating per
    prompt; `result["temperatures"]` filled and `result` written to `out` after every prompt."""
    from tokensmith import atomic
    from tokensmith.decode.drafters import MAX_RSD_NODES, make_drafter
    from tokensmith.decode.speculative import speculative_generate
    from tokensmith.decode.warp import Warp

    result["temperatures"] = {}
    for temp in temps:
        drafters = {name: make_drafter(vocab_size=vocab, seed=seed, **spec) for name, spec in SAMPLERS.items()}
        totals = {name: {"wall_s": 0.0, "cpu_s": 0.0, "new_tokens": 0, "steps": 0, "prompts": 0} for name in SAMPLERS}
        names = list(SAMPLERS)
        for i, ids in enumerate(prompts):
            for name in names[i % len(names) :] + names[: i % len(names)]:  # rotate, as the greedy run does
                budget = MAX_RSD_NODES if SAMPLERS[name]["name"] == "rsd" else SAMPLERS[name].get("tree", 0)
                wall, cpu = time.perf_counter(), time.process_time()
                _, stats = speculative_generate(model, ids, drafters[name], max_new, budget=budget,
                                                warp=Warp(temperature=temp), seed=seed + i)  # fmt: skip
                row = totals[name]
                row["wall_s"] += time.perf_counter() - wall
                row["cpu_s"] += time.process_time() - cpu
                row["new_tokens"] += stats.new_tokens
                row["steps"] += stats.steps
                row["prompts"] += 1
            sampling_rates(totals)
            result["temperatures"][str(temp)] = {"prompts_done": i + 1, "summary": totals}
            result["load_avg_end"] = os.getloadavg()
            atomic.write_text(out, json.dumps(result, indent=1) + "\n")
            print(f"T={temp} prompt {i + 1}/{len(prompts)} done", flush=True)
        for name, row in totals.items():
            print(f"T={temp} {name:28s} {row['tokens_per_s']:6.2f} tok/s  tokens/step {row['tokens_per_step']:.2f}  "
                  f"x{row['speedup_vs_plain_sampling']:.2f} vs plain sampling")


def run_sampling(lm: object, prompts: list[dict], *, args: argparse.Namespace, template: str | None, vocab: int) -> None:
    """Exact sampling at each temperature: tokens/step and speed-up against plain sampling (same process)."""
    from tokensmith.decode.chat import encode_prompt

    result = {"benchmark": "decode_speculative_sampling", "model": args.model, "max_new_tokens": args.max_new_tokens,
              "torch_threads": args.threads, "chat_template": template is not None, "seed": args.seed,
              "command": "nice -n 10 .venv/bin/python benchmarks/bench_decode_speculative.py " + shlex.join(sys.argv[1:]),
              "prompts_total": len(prompts)}  # fmt: skip
    ids = [encode_prompt(lm.tokenizer, item["prompt"], template=template, config=lm.model.config) for item in prompts]
    run_samplers(lm.model, ids, temps=[float(t) for t in args.sampling.split(",")], vocab=vocab,
                 max_new=args.max_new_tokens, seed=args.seed, result=result,
                 out=args.out if args.out != OUT else OUT_SAMPLING)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--per-kind", type=int, default=0, help="first N prompts of each kind, kinds interleaved (0 = all)")
    parser.add_argument("--trees", default="8,16,32,80")
    parser.add_argument("--extra", default="recycling:3,lookup+recycling:3,lookup+recycling:16")
    parser.add_argument("--out", type=Path, default=OUT, help="results JSON")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: steadier on a loaded CPU)")
    parser.add_argument("--sampling", default="", help="temperatures, e.g. 0.7,1.0: run the sampling benchmark")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed")
    parser.add_argument("--draft-model", default="", help="a draft model of any tokenizer: adds draft-N methods")
    parser.add_argument("--draft-trees", default="4", help="target tokens per step of the draft-N methods")
    parser.add_argument("--cost-curve", default=str(HERE / "results" / "decode_forward_cost.json"),
                        help="DySpec's forward-cost results JSON, or 'measure': CPU time on the loaded model first")
    parser.add_argument("--datastore", type=Path, default=None, help="REST's corpus (default: the package's text)")
    args = parser.parse_args()

    import torch

    from tokensmith import atomic
    from tokensmith.decode.chat import chat_template_of, encode_prompt
    from tokensmith.decode.draft_rest import datastore_from_file
    from tokensmith.decode.dyspec import load_cost_points, measure_cost_points
    from tokensmith.models import load_model

    torch.set_num_threads(args.threads)
    template = chat_template_of(args.model)
    lm = load_model(args.model)
    vocab = lm.model.get_input_embeddings().weight.shape[0]
    prompts = load_prompts(args.per_kind)
    if args.sampling:
        run_sampling(lm, prompts, args=args, template=template, vocab=vocab)
        return
    trees = [int(t) for t in args.trees.split(",") if t]
    extra = [e for e in args.extra.split(",") if e]
    draft = (load_model(args.draft_model), lm.tokenizer) if args.draft_model else None
    cost = None
    if any(e.startswith("dyspec:") for e in extra):
        cost = (measure_cost_points(lm.model, reps=5, clock=time.process_time) if args.cost_curve == "measure"
                else load_cost_points(args.cost_curve))
    corpus = (args.datastore or package_corpus()) if any(e.startswith("rest:") for e in extra) else None
    store = datastore_from_file(corpus, lm.tokenizer) if corpus else None
    methods = build_methods(lm.model, vocab=vocab, max_new=args.max_new_tokens, trees=trees, extra=extra, draft=draft,
                            draft_trees=tuple(int(t) for t in args.draft_trees.split(",") if t), cost=cost,
                            store=store)  # fmt: skip
    counter = count_forwards(lm.model)
    names = list(methods)
    rows = []
    for i, item in enumerate(prompts):
        ids = encode_prompt(lm.tokenizer, item["prompt"], template=template, config=lm.model.config)
        order = names[i % len(names) :] + names[: i % len(names)]  # rotate: contention hits all methods alike
        rows.append({"kind": item["kind"], "prompt_tokens": len(ids), "methods": run_prompt(methods, ids, order, counter)})
        result = {
            "benchmark": "decode_speculative",
            "model": args.model,
            "max_new_tokens": args.max_new_tokens,
            "torch_threads": args.threads,
            "draft_model": args.draft_model or None,
            "chat_template": template is not None,
            "reduced": bool(args.per_kind) or args.max_new_tokens < 128,
            "command": "nice -n 10 .venv/bin/python benchmarks/bench_decode_speculative.py " + shlex.join(sys.argv[1:]),
            "prompts_done": len(rows),
            "prompts_total": len(prompts),
            "reduced": bool(args.per_kind) or args.max_new_tokens < 128,
            "dyspec_cost_curve": (None if cost is None else "measured in this run (CPU time)"
                                  if args.cost_curve == "measure" else str(Path(args.cost_curve).resolve()
                                                                           .relative_to(HERE.parent))),
            "dyspec_cost_points": cost,
            "rest_datastore": ({"file": str(args.datastore) if args.datastore else PACKAGE_CORPUS,
                                "tokens": int(len(store.tokens))} if store is not None else None),
            "dyspec": {name: {"mean_budget": sum(d.budgets) / max(len(d.budgets), 1), "steps": len(d.budgets),
                              "expected_drafts_accepted": d.expected, "drafts_accepted": d.drafts_accepted}
                       for name, (_, d) in methods.items() if hasattr(d, "budgets")},
            "load_avg_end": os.getloadavg(),
            "summary": summarize(rows),
            "by_kind": {k: summarize([r for r in rows if r["kind"] == k]) for k in sorted({r["kind"] for r in rows})},
            "rows": rows,
        }
        atomic.write_text(args.out, json.dumps(result, indent=1) + "\n")
        print(f"prompt {i + 1}/{len(prompts)} done", flush=True)
    for name, row in result["summary"].items():
        print(f"{name:26s} {row['tokens_per_s']:6.2f} tok/s  MAT {row['mean_accepted']:.2f}  "
              f"x{row['speedup_vs_greedy']:.2f} vs greedy (cpu x{row['cpu_speedup_vs_greedy']:.2f})  "
              f"x{row['speedup_vs_hf_lookup']:.2f} vs HF lookup (cpu x{row['cpu_speedup_vs_hf_lookup']:.2f})  "
              f"identical {row['prompts_identical']}/{len(rows)}")


if __name__ == "__main__":
    main()
