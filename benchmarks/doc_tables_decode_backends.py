"""Tables for the decode backends page: forward cost per backend (decode_forward_cost_backends.json) and greedy vs
speculative generation on the llama.cpp backend (decode_backends_generate.json)."""

from __future__ import annotations

from render_docs import Results, fmt, renderer, table

COST, GEN = "decode_forward_cost_backends", "decode_backends_generate"


def _configs(results: Results) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []
    for r in results[COST]["rows"]:
        if (r["backend"], r["threads"]) not in seen:
            seen.append((r["backend"], r["threads"]))
    return seen


def _row(results: Results, backend: str, threads: int, n: int) -> dict:
    return next(r for r in results[COST]["rows"] if (r["backend"], r["threads"], r["n"]) == (backend, threads, n))


@renderer
def backends_t1_table(results: Results) -> str:
    rows = []
    for b, t in _configs(results):
        one, eight, last = _row(results, b, t, 1), _row(results, b, t, 8), results[COST]["rows"][-1]["n"]
        top = _row(results, b, t, last)
        rows.append([b, t, fmt(one["median_ms"], ".1f"), fmt(one["cpu_median_ms"], ".1f"), fmt(eight["ratio"], ".2f"),
                     fmt(eight["cpu_ratio"], ".2f"), fmt(top["ratio"], ".2f"), fmt(top["cpu_ratio"], ".2f")])
    return table(["backend", "threads", "t(1) wall ms", "t(1) CPU ms", "t(8)/t(1) wall", "(CPU)",
                  f"t({last})/t(1) wall", "(CPU)"], rows, right=range(1, 8))


@renderer
def backends_cost_table(results: Results) -> str:
    configs = _configs(results)
    sizes = sorted({r["n"] for r in results[COST]["rows"]})
    rows = [[n, *(fmt(_row(results, b, t, n)["ratio"], ".2f") for b, t in configs)] for n in sizes]
    return table(["n", *(f"{b}, {t} thr" for b, t in configs)], rows, right=range(len(configs) + 1))


@renderer
def backends_invariance_table(results: Results) -> str:
    rows = [[b, "yes" if v["same_argmax"] else "no", f"{v['max_rel_diff']:.2e}", "yes" if v["ok"] else "no"]
            for b, v in results[COST]["invariance"].items()]
    return table(["backend", "same argmax", "max relative logit difference", "used for greedy drafting"], rows)


@renderer
def backends_generate_table(results: Results) -> str:
    run = results[GEN]
    rows = [[name, s["new_tokens"], fmt(s["mean_accepted"], ".2f"), fmt(s["tokens_per_s"], ".1f"),
             fmt(s["cpu_tokens_per_s"], ".1f"), f"{s['speedup_vs_greedy']:.2f}x", f"{s['cpu_speedup_vs_greedy']:.2f}x",
             f"{s['identical']}/{run['prompts_done']}"] for name, s in run["summary"].items()]
    return table(["method", "new tokens", "tokens/step", "tokens/s (wall)", "tokens/s (CPU)", "speed-up (wall)",
                  "(CPU time)", "identical to its greedy"], rows, right=range(1, 7))


@renderer
def backends_fastest(results: Results) -> str:
    """The fastest method on llama.cpp, against its own greedy and against HF greedy of the torch run."""
    run, torch_run = results[GEN]["summary"], results["decode_speculative"]["summary"]["hf-greedy"]
    name, s = max(run.items(), key=lambda item: item[1]["tokens_per_s"])
    return (f"the fastest configuration on llama.cpp is `{name}`: {s['tokens_per_s']:.1f} tokens/s, "
            f"{s['speedup_vs_greedy']:.2f}× llama.cpp greedy and {s['tokens_per_s'] / torch_run['tokens_per_s']:.2f}× "
            f"HF greedy on torch fp32 ({torch_run['tokens_per_s']:.2f} tokens/s in decode_speculative.json, a separate "
            "run on the same prompts and machine, so a ratio across two runs)")


@renderer
def backends_reading(results: Results) -> str:
    """llama.cpp against torch at one thread: absolute cost of small passes and the slope."""
    t1, l1, l8 = (_row(results, "torch", 1, 1), _row(results, "llamacpp", 1, 1), _row(results, "llamacpp", 1, 8))
    return (f"At one thread llama.cpp (Q8_0) scores one token in {l1['median_ms']:.1f} ms against torch's "
            f"{t1['median_ms']:.1f} ms, and even 8 tokens in {l8['median_ms']:.1f} ms; but its cost grows with n far "
            f"faster (t(8)/t(1) = {l8['ratio']:.2f} against {_row(results, 'torch', 1, 8)['ratio']:.2f} for torch), "
            "so a draft tree has to be accepted much more often to pay back there")


@renderer
def backends_sizes(results: Results) -> str:
    sizes = sorted({r["n"] for r in results[COST]["rows"]})
    return f"{len(sizes)} pass sizes from n = {sizes[0]} to {sizes[-1]} ({', '.join(map(str, sizes))})"
