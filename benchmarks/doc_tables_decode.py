"""Tables and derived figures for the decode sections of the benchmark docs (exact bytes, speculative decoding).

Each function is a placeholder of `render_docs.py`; it reads named keys of `benchmarks/results/*.json`:
bytes_midtoken*.json, bytes_ensemble.json, bytes_cost.json (decode / bytes) and decode_forward_cost.json,
decode_speculative*.json and decode_crossvocab.json (speculative decoding). The forward-cost curve c(n) = t(n)/t(1) is read from the CPU column;
a tree size the script did not time is interpolated linearly between its measured neighbours, and says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from render_docs import RENDERERS, ROOT, Results, fmt, renderer, span, table

METHODS = ("naive", "healing", "exact")

# --- Mid-token cuts (bytes_midtoken.json, bytes_midtoken_n25.json) ------------------------------------------------


def _midtoken_rows(results: Results, stem: str) -> list[list[object]]:
    rows = []
    for text, r in results[stem]["results"].items():
        bpb = r["bits_per_byte"]
        rows.append([text, r["cuts"], r["bytes"], fmt(r["mid_token_share"], ".0%"), *(fmt(bpb[m], ".3f") for m in METHODS),
                     fmt(r["forward_calls_per_byte"]["exact"], ".2f")])
    return rows


MIDTOKEN_HEADER = ["text", "cuts", "bytes", "mid-token cuts", "naive", "healing", "exact", "exact calls/byte"]


@renderer
def midtoken_table(results: Results) -> str:
    return table(MIDTOKEN_HEADER, _midtoken_rows(results, "bytes_midtoken"))


@renderer
def midtoken_n25_table(results: Results) -> str:
    fallbacks = [r["cover_fallbacks"] for r in results["bytes_midtoken_n25"]["results"].values()]
    rows = [[*row, n] for row, n in zip(_midtoken_rows(results, "bytes_midtoken_n25"), fallbacks, strict=True)]
    return table([*MIDTOKEN_HEADER, "chain fallbacks (cumulative)"], rows)


def _ranked(results: Results, stem: str) -> str:
    texts = results[stem]["results"].values()
    ok = sum(r["bits_per_byte"]["exact"] < r["bits_per_byte"]["healing"] < r["bits_per_byte"]["naive"] for r in texts)
    return f"on all {len(texts)} texts" if ok == len(texts) else f"on {ok} of the {len(texts)} texts"


@renderer
def midtoken_ranking(results: Results) -> str:
    return _ranked(results, "bytes_midtoken")


@renderer
def midtoken_n25_ranking(results: Results) -> str:
    return _ranked(results, "bytes_midtoken_n25")


def _closed(r: dict[str, Any]) -> float:
    bpb = r["bits_per_byte"]
    return (bpb["naive"] - bpb["healing"]) / (bpb["naive"] - bpb["exact"])


@renderer
def midtoken_closed(results: Results) -> str:
    return span((_closed(r) for r in results["bytes_midtoken"]["results"].values()), ".0%")


@renderer
def midtoken_n25_closed(results: Results) -> str:
    per_text = results["bytes_midtoken_n25"]["results"]
    each = ", ".join(f"{text.removeprefix('flores:')} {_closed(r):.0%}" for text, r in per_text.items())
    return f"{span((_closed(r) for r in per_text.values()), '.0%')} of the naive-to-exact gap ({each})"


# --- Ensemble and cost (bytes_ensemble.json, bytes_cost.json) -----------------------------------------------------

ENSEMBLE_LABELS = {"smollm2": "SmolLM2-135M alone (byte-level BPE)",
                   "gemma3": "Gemma-3-270M alone (SentencePiece-style BPE, byte fallback)"}


@renderer
def ensemble_table(results: Results) -> str:
    bpb = results["bytes_ensemble"]["bits_per_byte"]
    rows = [[ENSEMBLE_LABELS[name] if name in ENSEMBLE_LABELS else f"{name}, {results['bytes_ensemble']['meta']['weights']} weights",
             fmt(v, ".3f")] for name, v in bpb.items()]
    return table(["model", "bits/byte"], rows, right=[1])


def _ensemble(results: Results) -> tuple[float, float, float]:
    bpb = results["bytes_ensemble"]["bits_per_byte"]
    ens = next(v for k, v in bpb.items() if k.startswith("ensemble"))
    return ens, bpb["smollm2"], bpb["gemma3"]


@renderer
def ensemble_vs_best(results: Results) -> float:
    ens, a, b = _ensemble(results)
    return ens - min(a, b)


@renderer
def ensemble_vs_worst(results: Results) -> float:
    ens, a, b = _ensemble(results)
    return max(a, b) - ens


COST_LABELS = {"token_full_pass": "token scoring, one full pass",
               "token_incremental": "token scoring, one cached call per token",
               "exact_bytes_cover": 'exact byte level, cover sums (`method="cover"`, default), table masks',
               "exact_bytes_cover_encoder_masks": "exact byte level, cover sums, encoder masks (before the tables)",
               "exact_bytes_chain": 'exact byte level, per-byte chain (`method="chain"`)'}


@renderer
def cost_table(results: Results) -> str:
    rows = [[COST_LABELS[name], fmt(r["bits_per_byte"], ".4f"), r["forward_calls"], fmt(r["calls_per_byte"], ".3f"),
             fmt(r["calls_ratio_vs_token_incremental"], ".2f"), fmt(r["cpu_s"], ".2f"),
             fmt(r["cpu_ratio_vs_token_incremental"], ".2f"), fmt(r["wall_s"], ".2f"),
             fmt(r["wall_ratio_vs_token_incremental"], ".2f")]
            for name, r in results["bytes_cost"]["results"].items()]
    header = ["method", "bits/byte", "forward calls", "calls/byte", "calls ratio", "CPU s", "CPU ratio", "wall s",
              "wall ratio"]
    return table(header, rows)


@renderer
def cost_cover_vs_full(results: Results) -> float:
    r = results["bytes_cost"]["results"]
    return r["exact_bytes_cover"]["forward_calls"] / r["token_full_pass"]["forward_calls"]


@renderer
def cost_cover_cpu_vs_full(results: Results) -> float:
    r = results["bytes_cost"]["results"]
    return r["exact_bytes_cover"]["cpu_s"] / r["token_full_pass"]["cpu_s"]


@renderer
def cost_goal(results: Results) -> str:
    r = results["bytes_cost"]["results"]
    calls = r["exact_bytes_cover"]["forward_calls"]
    met = calls <= 2 * r["token_full_pass"]["forward_calls"] and calls <= 2 * r["token_incremental"]["forward_calls"]
    return "**met** against both" if met else "**not met** against both"


@renderer
def cost_mask_goal(results: Results) -> str:
    r = results["bytes_cost"]["results"]["exact_bytes_cover"]["cpu_ratio_vs_token_incremental"]
    return f"**met** ({r:.2f}× ≤ 1.5×)" if r <= 1.5 else f"**not met** ({r:.2f}× > 1.5×)"


@renderer
def cost_tables_speedup(results: Results) -> float:
    r = results["bytes_cost"]["results"]
    return r["exact_bytes_cover_encoder_masks"]["cpu_s"] / r["exact_bytes_cover"]["cpu_s"]


@renderer
def cost_exact_gap(results: Results) -> float:
    r = results["bytes_cost"]["results"]
    return abs(r["exact_bytes_cover"]["bits_per_byte"] - r["exact_bytes_chain"]["bits_per_byte"])


# --- Speculative decoding: the forward-cost curve (decode_forward_cost.json) ---------------------------------------


def cost_curve(results: Results, n: int) -> tuple[float, bool]:
    """c(n) = CPU t(n)/t(1), and whether n was measured (False: interpolated between its neighbours)."""
    points = {r["n"]: r["cpu_ratio"] for r in results["decode_forward_cost"]["rows"]}
    if n in points:
        return points[n], True
    below, above = max(k for k in points if k < n), min(k for k in points if k > n)
    share = (n - below) / (above - below)
    return points[below] + share * (points[above] - points[below]), False


@renderer
def forward_cost_table(results: Results) -> str:
    rows = [[r["n"], fmt(r["median_ms"], ".1f"), fmt(r["ratio"], ".2f"), fmt(r["cpu_median_ms"], ".1f"),
             fmt(r["cpu_ratio"], ".2f")] for r in results["decode_forward_cost"]["rows"]]
    return table(["tokens in the pass n", "wall ms", "wall t(n)/t(1)", "CPU ms", "CPU t(n)/t(1)"], rows, right=range(5))


def _c(results: Results, n: int) -> str:
    value, measured = cost_curve(results, n)
    return fmt(value, ".2f") if measured else f"≈{value:.2f} (interpolated)"


@renderer
def forward_cost_points(results: Results) -> str:
    return (f"A pass over 2 tokens costs {_c(results, 2)}× one token and over 3 tokens {_c(results, 3)}×; at 4 tokens "
            f"{_c(results, 4)}×, {_c(results, 8)}× at 8, {_c(results, 12)}× at 12, {_c(results, 16)}× at 16, "
            f"{_c(results, 32)}× at 32 and {_c(results, 80)}× at 80")


# --- Speculative decoding: the full-size run (decode_speculative.json) --------------------------------------------

RUN_A = "decode_speculative"


def _method(results: Results, stem: str, name: str, kind: str | None = None) -> dict[str, Any]:
    run = results[stem]
    return run["summary"][name] if kind is None else run["by_kind"][kind][name]


def _x(value: float) -> str:
    return f"{value:.2f}x"


def _spec_table(results: Results, stem: str, names: tuple[str, ...] = ()) -> str:
    """Every method of the run (or those of `names` it has, in that order)."""
    rows = [[name, s["new_tokens"], s["forward_passes"], fmt(s["mean_accepted"], ".2f"), fmt(s["tokens_per_s"], ".2f"),
             _x(s["speedup_vs_greedy"]), _x(s["cpu_speedup_vs_greedy"]), _x(s["speedup_vs_hf_lookup"]),
             _x(s["cpu_speedup_vs_hf_lookup"]), f"{s['prompts_identical']}/{results[stem]['prompts_done']}"]
            for name, s in _chosen(results, stem, names)]
    header = ["method", "new tokens", "forward passes", "tokens/step", "tokens/s (wall)", "speed-up vs HF greedy (wall)",
              "(CPU time)", "vs HF prompt lookup (wall)", "(CPU time)", "identical to greedy"]
    return table(header, rows, right=range(1, 9))


def _chosen(results: Results, stem: str, names: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    summary = results[stem]["summary"]
    return [(n, summary[n]) for n in names if n in summary] if names else list(summary.items())


def _kind_table(results: Results, stem: str, *, key: str, label: str, names: tuple[str, ...] = ()) -> str:
    kinds = list(results[stem]["by_kind"])
    rows = [[name, *(f"{fmt(_method(results, stem, name, k)['mean_accepted'], '.2f')}, "
                     f"{_x(_method(results, stem, name, k)[key])}" for k in kinds)]
            for name, _ in _chosen(results, stem, names)]
    return table(["method", *(f"{k}: tokens/step, {label}" for k in kinds)], rows, right=range(1, len(kinds) + 1))


# The run's tables: {{ spec_a_table }}, {{ spec_a_kinds_table }} (wall-clock speed-ups per kind of prompt).
RENDERERS.update({
    "spec_a_table": lambda results: _spec_table(results, RUN_A),
    "spec_a_kinds_table": lambda results: _kind_table(results, RUN_A, key="speedup_vs_greedy", label="speed-up (wall)"),
})


@renderer
def spec_fastest(results: Results) -> str:
    """The configuration of the highest tokens/s (wall) in the run, as a ratio to HF greedy."""
    name, s = max(results[RUN_A]["summary"].items(), key=lambda item: item[1]["tokens_per_s"])
    return (f"`{name}`, {s['tokens_per_s']:.2f} tokens/s, {s['speedup_vs_greedy']:.2f}× HF greedy's "
            f"{_method(results, RUN_A, 'hf-greedy')['tokens_per_s']:.2f} tokens/s")


# Cross-vocabulary drafting (decode_crossvocab.json): Gemma-3-270M verifying SmolLM2-135M's drafts.
RENDERERS["spec_crossvocab_table"] = lambda results: _spec_table(results, "decode_crossvocab")


TREE_SIZES = (2, 3, 8, 16, 32, 80)


@renderer
def tree_size_table(results: Results) -> str:
    rows = []
    for nodes in TREE_SIZES:
        s = _method(results, RUN_A, f"recycling-{nodes}-hot")
        c, _ = cost_curve(results, nodes + 1)
        rows.append([nodes, _c(results, nodes + 1), fmt(s["mean_accepted"], ".2f"), fmt(s["mean_accepted"] / c, ".2f"),
                     _x(s["cpu_speedup_vs_greedy"])])
    header = ["draft nodes", "c(n + 1)", "measured a (recycling, hot)", "a / c", "measured CPU speed-up"]
    return table(header, rows, right=range(5))


@renderer
def tree_paying_sizes(results: Results) -> str:
    paying = [str(n) for n in TREE_SIZES if _method(results, RUN_A, f"recycling-{n}-hot")["cpu_speedup_vs_greedy"] > 1]
    return ", ".join(paying) or "none"


@renderer
def spec_share_of_core(results: Results) -> float:
    s = _method(results, RUN_A, "hf-greedy")
    return s["cpu_s"] / s["wall_s"]


@renderer
def spec_load_a(results: Results) -> str:
    return fmt(results[RUN_A]["load_avg_end"][0], ".1f")


@renderer
def spec_prompts_in_file(results: Results) -> int:
    path = ROOT / "benchmarks" / "prompts" / "speculative.jsonl"
    return sum(1 for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip())


@renderer
def spec_wall_cpu_gap(results: Results) -> float:
    return max(abs(s["speedup_vs_greedy"] - s["cpu_speedup_vs_greedy"]) for s in results[RUN_A]["summary"].values())


@renderer
def spec_a_all_identical(results: Results) -> str:
    summary = results[RUN_A]["summary"]
    if all(s["identical_to_greedy"] for s in summary.values()):
        return "Every method produced exactly HF greedy's tokens on every prompt"
    short = [f"{name} ({s['prompts_identical']}/{results[RUN_A]['prompts_done']})" for name, s in summary.items()
             if not s["identical_to_greedy"]]  # fmt: skip
    return "Not every method reproduced HF greedy's tokens on every prompt: " + ", ".join(short)


def _needed_a(results: Results, nodes: int) -> str:
    return fmt(1.6 * cost_curve(results, nodes + 1)[0], ".2f")


@renderer
def spec_needed_acceptance(results: Results) -> str:
    return (f"a ≥ {_needed_a(results, 3)} with 3 nodes, a ≥ {_needed_a(results, 16)} with 16 nodes and "
            f"a ≥ {_needed_a(results, 80)} with 80 nodes")


@renderer
def spec_hot_cold(results: Results) -> str:
    parts = [f"{n} nodes: {fmt(_method(results, RUN_A, f'recycling-{n}-hot')['mean_accepted'], '.2f')} vs "
             f"{fmt(_method(results, RUN_A, f'recycling-{n}-cold')['mean_accepted'], '.2f')}" for n in (80, 32, 16, 8)]
    return "; ".join(parts)


@renderer
def spec_c81(results: Results) -> str:
    return _c(results, 81)


@renderer
def spec_c11(results: Results) -> str:
    return _c(results, 11)


# --- DySpec and REST beside the other drafters (their rows of decode_speculative.json) ----------------------------

RUN_DR = RUN_A  # DySpec and REST ran in the full-size run, beside every other method
DR_METHODS = ("hf-greedy", "hf-prompt-lookup", "lookup", "recycling-3-hot", "recycling-8-hot", "lookup+recycling-2-hot",
              "lookup+recycling-3-hot", "dyspec-64-hot", "rest-3-hot", "rest-8-hot")
RENDERERS.update({
    "spec_dr_table": lambda results: _spec_table(results, RUN_DR, DR_METHODS),
    "spec_dr_kinds_table": lambda results: _kind_table(results, RUN_DR, key="speedup_vs_greedy",
                                                       label="speed-up (wall)", names=DR_METHODS),
})


@renderer
def spec_dr_dyspec(results: Results) -> str:
    (name, d), *_ = results[RUN_DR]["dyspec"].items()
    return (f"{name} chose {d['mean_budget']:.2f} draft nodes per step on average over {d['steps']} steps; it expected "
            f"{d['expected_drafts_accepted']:.0f} accepted drafts in all and got {d['drafts_accepted']}")


RUN_DM = "decode_speculative_dyspec_measured"
RENDERERS.update({
    "spec_dm_table": lambda results: _spec_table(results, RUN_DM),
    "spec_dm_dyspec": lambda results: spec_dr_dyspec({RUN_DR: results[RUN_DM]}),
})


@renderer
def spec_dm_points(results: Results) -> str:
    return ", ".join(f"c({n}) = {c:.2f}" for n, c in results[RUN_DM]["dyspec_cost_points"].items())


@renderer
def spec_dm_vs_committed(results: Results) -> str:
    committed = {row["n"]: row["ratio"] for row in results["decode_forward_cost"]["rows"]}
    measured = {int(n): c for n, c in results[RUN_DM]["dyspec_cost_points"].items()}
    pairs = ", ".join(f"c({n}) {committed[n]:.2f} → {measured[n]:.2f}" for n in (2, 3, 4, 8) if n in measured)
    return f"committed → measured during run 2: {pairs}"
