"""Tables and derived sentences for the reduce section of the benchmark docs (`results/reduce_minilm.json`).

Each function is a placeholder of `render_docs.py`. Fidelity rows are `fidelity[]` (one per method × FLOPs cut,
averaged over the languages, with per-language rows under `languages`); speed rows are `speed[]` (one per input ×
batch × method × cut, with the unreduced p50 of the same interleaved rounds). The goal sentences are computed here
from the numbers, so the template carries no figure.
"""

from __future__ import annotations

from typing import Any

from render_docs import Results, fmt, renderer, table

STEM = "reduce_minilm"


def _fid(results: Results) -> list[dict[str, Any]]:
    return results[STEM]["fidelity"]


def _ci(row: dict[str, Any]) -> str:
    low, high = row["delta_ci"]
    return f"{row['delta']:+.2f} [{low:+.2f}, {high:+.2f}]"


NOT_RUN = "*(this part did not run in the recorded benchmark)*"


@renderer
def reduce_fidelity_table(results: Results) -> str:
    """Spearman ×100 (mean over languages), Δ to unreduced [paired bootstrap 95% CI], cosine, FLOPs kept."""
    if not _fid(results):
        return NOT_RUN
    rows = [[f"{r['ratio']:.0%}", r["method"], f"{r['spearman']:.2f}", _ci(r), f"{r['cosine_mean']:.3f}",
             f"{r['cosine_p5']:.3f}", f"{r['flops_kept']:.3f}"] for r in _fid(results)]  # fmt: skip
    header = ["FLOPs cut", "method", "Spearman ×100", "Δ [95% CI]", "cosine mean", "cosine p5", "FLOPs kept"]
    return table(header, rows, right=[2, 3, 4, 5, 6])


@renderer
def reduce_unreduced_spearman(results: Results) -> str:
    """The unreduced model's Spearman ×100 per language, as 'en 86.1, de 70.2, …'."""
    if not _fid(results):
        return NOT_RUN
    first = _fid(results)[0]["languages"]
    return ", ".join(f"{lang} {row['spearman_unreduced']:.1f}" for lang, row in first.items())


@renderer
def reduce_language_table(results: Results) -> str:
    """Δ Spearman per language at the 40% cut, one column per method."""
    if not _fid(results):
        return NOT_RUN
    at40 = [r for r in _fid(results) if r["ratio"] == 0.4]
    languages = list(at40[0]["languages"])
    rows = [[lang, *(f"{r['languages'][lang]['delta']:+.1f}" for r in at40)] for lang in languages]
    return table(["language", *(r["method"] for r in at40)], rows, right=list(range(1, len(at40) + 1)))


@renderer
def reduce_speed_table(results: Results) -> str:
    """Speed-up (unreduced p50 / reduced p50) per input, batch and cut; one column per method."""
    speed = results[STEM]["speed"]
    if not speed:
        return NOT_RUN
    methods = results[STEM]["methods"]
    keys = sorted({(r["input"], r["batch"], r["ratio"]) for r in speed},
                  key=lambda k: (k[0] != "natural", int(k[0]) if k[0].isdigit() else 0, k[1], k[2]))  # fmt: skip
    rows = []
    for kind, batch, ratio in keys:
        cell = {r["method"]: r for r in speed if (r["input"], r["batch"], r["ratio"]) == (kind, batch, ratio)}
        base = next(iter(cell.values()))["p50_unreduced_s"]
        rows.append([kind if kind == "natural" else f"{kind} tokens", batch, f"{ratio:.0%}", f"{base * 1000:.1f}",
                     *(fmt(cell[m]["speedup"] if m in cell else None, ".2f") for m in methods)])  # fmt: skip
    header = ["input", "batch", "FLOPs cut", "unreduced p50 ms", *(f"{m} ×" for m in methods)]
    return table(header, rows, right=list(range(1, 4 + len(methods))))


@renderer
def reduce_goals(results: Results) -> str:
    """The issue's three goals, each with the figure that decides it."""
    g = results[STEM]["goals"]
    if g is None:
        return "Both parts must run before the goals are checked; one of them is missing from the results."
    within = ", ".join(g["methods_within_1_point_at_40"]) or "no method"
    fast = ", ".join(g["methods_at_least_1.3x_256_at_40_large_batch"]) or "no method"
    beats = [r for r, ok in g["tome_beats_random_spearman"].items() if ok]
    speed = g["tome_speedup_256_at_40"]
    large = [k for k in speed if k != "b1"][0]
    return (f"- At the 40% cut ToMe loses {g['tome_spearman_lost_at_40']:.2f} Spearman points (goal: at most 1); "
            f"within 1 point: {within}.\n"
            f"- On 256-token inputs at the 40% cut ToMe is {fmt(speed[large], '.2f')}× faster at batch "
            f"{large[1:]} and {fmt(speed['b1'], '.2f')}× at batch 1 (goal: at least 1.3×); at least 1.3× at the "
            f"larger batch: {fast}.\n"
            f"- ToMe beats random pruning in Spearman at {len(beats)} of {len(g['tome_beats_random_spearman'])} "
            f"cuts ({', '.join(f'{float(r):.0%}' for r in beats) or 'none'}); goal: every cut.")  # fmt: skip


@renderer
def reduce_size(results: Results) -> str:
    """What size ran, in words."""
    size = results[STEM]["size"]
    f, s = size.get("fidelity", {}), size.get("speed", {})
    full = "the issue's full size" if f.get("full_size") else "*reduced size*; the issue's full size is 11 × 1,500"
    return (f"fidelity on {len(f.get('languages', []))} languages × the first {f.get('pairs_per_language')} pairs "
            f"({full}), {f.get('resamples')} bootstrap resamples; timings p50 of {s.get('repeats')} interleaved "
            f"rounds, large batch {s.get('batch')} on natural inputs and {s.get('long_batch')} on the long ones "
            f"({', '.join(str(n) for n in s.get('long_lengths', []))} tokens)")  # fmt: skip
