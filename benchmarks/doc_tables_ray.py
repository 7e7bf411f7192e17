"""Tables and derived figures for the Ray section of the benchmark docs (`benchmarks/results/ray.json`).

Each function is a placeholder of `render_docs.py` (`{{ name }}` in `benchmarks/doc_templates/serve-ray.md`);
every number comes from that file or from arithmetic on it.
"""

from __future__ import annotations

from typing import Any

from render_docs import Results, fmt, renderer, span, table


def _runs(results: Results, corpus_prefix: str) -> list[dict[str, Any]]:
    return [r for r in results["ray"]["runs"] if r["corpus"].startswith(corpus_prefix)]


def _table(runs: list[dict[str, Any]]) -> str:
    rows = [
        [r["tokenizer"], r["engine"], fmt(r["bytes"] / (1 << 20), ".1f"), fmt(r["tokens"], ","), fmt(r["shards"], ","),
         fmt(r["init_s"], ".2f"), fmt(r["encode_s"], ".2f"), fmt(r["mib_per_s"], ".2f"),
         fmt(r["driver_peak_rss_mib"], ",.0f"), fmt(r["worker_peak_rss_mib"], ",.0f"),
         fmt(r.get("overhead_vs_local"), ".2f"), {True: "yes", False: "**no**"}.get(r.get("same_ids_as_local"), "–")]
        for r in runs
    ]  # fmt: skip
    header = ["tokenizer", "engine", "MiB", "tokens", "shards", "start s", "encode s", "MiB/s", "driver RSS MiB",
              "worker RSS MiB", "wall ÷ local", "same ids"]  # fmt: skip
    return table(header, rows, right=range(2, 11))


@renderer
def ray_flores_table(results: Results) -> str:
    return _table(_runs(results, "flores200"))


@renderer
def ray_synthetic_table(results: Results) -> str:
    return _table(_runs(results, "synthetic"))


@renderer
def ray_overhead_range(results: Results) -> str:
    return span((r["overhead_vs_local"] for r in results["ray"]["runs"] if "overhead_vs_local" in r), ".2f")


@renderer
def ray_encode_overhead_range(results: Results) -> str:
    return span((r["encode_overhead_vs_local"] for r in results["ray"]["runs"] if "encode_overhead_vs_local" in r), ".2f")


@renderer
def ray_start_range(results: Results) -> str:
    return span((r["init_s"] for r in results["ray"]["runs"] if r["engine"] == "ray"), ".1f")


@renderer
def ray_peak_rss_mib(results: Results) -> float:
    return max(max(r["driver_peak_rss_mib"], r["worker_peak_rss_mib"]) for r in _runs(results, "synthetic"))


@renderer
def ray_all_same(results: Results) -> str:
    flags = [r["same_ids_as_local"] for r in results["ray"]["runs"] if "same_ids_as_local" in r]
    return "identical in every pair" if all(flags) else f"different in {flags.count(False)} of {len(flags)} pairs"


@renderer
def ray_reduced_note(results: Results) -> str:
    note = results["ray"].get("reduced")
    return f"*Reduced size:* {note}." if note else "Full size, as the issue asks."
