"""Tables and derived figures for the foundation, measure and report sections of the benchmark docs.

Each function is a placeholder of `render_docs.py` (`{{ name }}` in `benchmarks/doc_templates/*.md`); it reads
named keys of `benchmarks/results/*.json` and returns a markdown table or one figure. Nothing here is typed in:
every number comes from those files or from arithmetic on them.
"""

from __future__ import annotations

import statistics
from typing import Any

from render_docs import Results, fmt, renderer, span, table


# --- Training (foundation_training.json) -------------------------------------------------------------------------

ENGINE_LABELS = {"read": "read (no training)", "hf": "hf (byte-level BPE)", "sentencepiece": "sentencepiece (BPE, byte fallback)"}


def _run(results: Results, engine: str) -> dict[str, Any]:
    return next(r for r in results["foundation_training"]["runs"] if r["engine"] == engine)


@renderer
def training_table(results: Results) -> str:
    rows = [
        [ENGINE_LABELS[r["engine"]], r["wall_s"], r["train_s"], r["peak_rss_mib"], fmt(r["vocab_size"], None),
         fmt(r["bytes_per_token"], ".3f")]
        for r in results["foundation_training"]["runs"]
    ]
    header = ["engine", "wall (s)", "training (s)", "peak RSS (MiB)", "vocab", "bytes/token (sample)"]
    return table(header, rows)


@renderer
def training_by_lang_table(results: Results) -> str:
    hf, sp = _run(results, "hf")["bytes_per_token_by_lang"], _run(results, "sentencepiece")["bytes_per_token_by_lang"]
    rows = [[lang, fmt(hf[lang], ".3f"), fmt(sp[lang], ".3f")] for lang in sorted(hf)]
    return table(["language", "hf", "sentencepiece"], rows, right=[1, 2])


@renderer
def training_read_share(results: Results) -> float:
    return _run(results, "read")["train_s"] / _run(results, "hf")["train_s"]


# --- Wrapper overhead (wrapper_overhead.json) ---------------------------------------------------------------------


@renderer
def wrapper_table(results: Results) -> str:
    rows = [
        [r["tokenizer"], r["backend"], fmt(statistics.median(r["wrapper_s"]), ".2f"),
         fmt(statistics.median(r["direct_s"]), ".2f"), fmt(r["ratio_median_paired"], ".3f"), fmt(r["ratio_of_medians"], ".3f")]
        for r in results["wrapper_overhead"]["rows"]
    ]
    header = ["tokenizer", "backend", "tokensmith (median s)", "direct (median s)", "ratio, median of paired repeats",
              "ratio of medians"]
    return table(header, rows)


@renderer
def wrapper_repeat_ratios(results: Results) -> str:
    rows = results["wrapper_overhead"]["rows"]
    return span((w / d for r in rows for w, d in zip(r["wrapper_s"], r["direct_s"], strict=True)), ".2f")


@renderer
def wrapper_verdict(results: Results) -> str:
    worst = max(r["ratio_median_paired"] for r in results["wrapper_overhead"]["rows"])
    return "All three meet the goal" if worst <= 1.05 else f"Not all meet the goal (worst {worst:.3f})"


@renderer
def wrapper_mb(results: Results) -> float:
    return results["wrapper_overhead"]["bytes"] / 1e6


# --- Demo time (report_demo.json) ---------------------------------------------------------------------------------


@renderer
def demo_table(results: Results) -> str:
    rows = []
    for r in results["report_demo"]["runs"]:
        steps = [fmt(r["steps_s"][s], ".2f") for s in ("data", "train", "zoo", "evaluate", "report")]
        mode = "full (`tokensmith demo`)" if r["mode"] == "full" else "fast (`tokensmith demo --fast`)"
        rows.append([mode, r["tokenizers"], fmt(r["rows"], ","), r["wall_s"], r["cpu_s"], r["load_avg_1m_before"], *steps])
    header = ["mode", "tokenizers", "result rows", "wall (s)", "CPU (s)", "load avg (1 min) before", "data", "train",
              "zoo", "evaluate", "report"]
    return table(header, rows)


@renderer
def demo_verdict(results: Results) -> str:
    worst = max(r["wall_s"] for r in results["report_demo"]["runs"])
    return f"met ({worst} s)" if worst <= 180 else f"not met ({worst} s)"


# --- Measure: FLORES evaluation (measure_eval_flores.json) --------------------------------------------------------

PHASES = [("encode", "backend batch encoding"), ("convert", "id lists → numpy"), ("index", "text index, once per corpus"),
          ("metrics", "metric code")]


@renderer
def eval_phase_table(results: Results) -> str:
    r = results["measure_eval_flores"]
    rows = [[f"{label} (`{key}`)", fmt(r["phases_s"][key], ".1f"), fmt(r["phases_s"][key] / r["wall_s"], ".1%")]
            for key, label in PHASES]
    rows.append(["**total wall**", f"**{r['wall_s']:.1f}**", "100%"])
    return table(["phase", "seconds", "share of wall"], rows, right=[1, 2])


@renderer
def eval_verdict(results: Results) -> str:
    r = results["measure_eval_flores"]
    met = [r["wall_s"] <= 60, r["metrics_share"] <= 0.30]
    return {2: "both goals are met", 1: "one of the two goals is met", 0: "neither goal is met"}[sum(met)]


@renderer
def eval_tokenizers(results: Results) -> str:
    return ", ".join(f"`{name}`" for name in results["measure_eval_flores"]["tokenizers"])


@renderer
def eval_loadavg(results: Results) -> str:
    return fmt(results["measure_eval_flores"]["machine"]["loadavg"][0], ".1f")


@renderer
def eval_n_tokenizers(results: Results) -> int:
    return len(results["measure_eval_flores"]["tokenizers"])
