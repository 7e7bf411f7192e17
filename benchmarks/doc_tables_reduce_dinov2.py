"""Tables and derived figures for the DINOv2 section of the reduce benchmark docs
(`benchmarks/results/reduce_dinov2.json`, written by `bench_reduce_dinov2.py`).

Each function is a placeholder of `render_docs.py` (`{{ name }}` in `benchmarks/doc_templates/reduce-dinov2.md`);
every number comes from that file or from arithmetic on it.
"""

from __future__ import annotations

from typing import Any

from render_docs import Results, fmt, renderer, span, table

STEM = "reduce_dinov2"


def _rows(results: Results) -> dict[str, dict[str, Any]]:
    return results[STEM]["rows"]


def _reduced(results: Results) -> list[tuple[str, dict[str, Any]]]:
    """(name, row) of every reduced configuration, by ratio, then by [CLS] cosine (best first)."""
    rows = [(n, r) for n, r in _rows(results).items() if r.get("method") not in (None, "none")]
    return sorted(rows, key=lambda nr: (nr[1]["ratio"], -nr[1]["cosine_cls"]))


def _line(label: str, ratio: str, r: dict[str, Any]) -> list[str]:
    return [label, ratio, fmt(r["flops_kept"], ".3f"), fmt(r.get("cosine_cls", 1.0), ".4f"),
            fmt(r.get("cosine_cls_p5", 1.0), ".4f"), fmt(r.get("cosine_mean", 1.0), ".4f"),
            fmt(r.get("cosine_mean_p5", 1.0), ".4f"), fmt(r.get("nn_agreement", 1.0), ".2f"),
            fmt(r["probe_accuracy"], ".3f"), fmt(r["seconds_b1_per_image"] * 1000, ".0f"), fmt(r["speedup_b1"], ".2f"),
            fmt(r["seconds_b32_per_batch"], ".2f"), fmt(r["speedup_b32"], ".2f")]  # fmt: skip


@renderer
def reduce_dinov2_table(results: Results) -> str:
    rows = _rows(results)
    lines = [_line("unreduced (transformers)", "0", rows["unreduced"])]
    if "none@0" in rows:
        lines.append(_line("runner, nothing removed", "0", rows["none@0"]))
    lines += [_line(r["method"], f"{r['ratio']:.2f}", r) for _, r in _reduced(results)]
    header = ["method", "R", "FLOPs kept", "cos CLS", "cos CLS p5", "cos mean", "cos mean p5", "NN agree",
              "probe acc", "ms/img b1", "speed-up b1", "s/batch", "speed-up batch"]  # fmt: skip
    return table(header, lines, right=range(1, 13))


@renderer
def reduce_dinov2_best(results: Results) -> str:
    """Per ratio, the method with the highest [CLS] cosine and its figure."""
    best: dict[float, tuple[str, float]] = {}
    for _, r in _reduced(results):
        if r["ratio"] not in best:
            best[r["ratio"]] = (r["method"], r["cosine_cls"])
    return "; ".join(f"{ratio:.0%}: {m} ({fmt(c, '.4f')})" for ratio, (m, c) in sorted(best.items()))


@renderer
def reduce_dinov2_tome_vs_random(results: Results) -> str:
    """Whether ToMe's [CLS] cosine beats random pruning's at every ratio both ran."""
    by = {(r["method"], r["ratio"]): r for _, r in _reduced(results)}
    ratios = sorted(ratio for (m, ratio) in by if m == "tome" and ("random", ratio) in by)
    wins = [by[("tome", x)]["cosine_cls"] > by[("random", x)]["cosine_cls"] for x in ratios]
    if not ratios:
        return "not measured"
    return f"{'yes' if all(wins) else 'no'} ({sum(wins)} of {len(ratios)} ratios)"


@renderer
def reduce_dinov2_speedup_range_b32(results: Results) -> str:
    return span((r["speedup_b32"] for _, r in _reduced(results)), ".2f")


@renderer
def reduce_dinov2_speedup_range_b1(results: Results) -> str:
    return span((r["speedup_b1"] for _, r in _reduced(results)), ".2f")


@renderer
def reduce_dinov2_flops_error(results: Results) -> float:
    """The largest |flops_kept − (1 − R)| over the reduced configurations."""
    return max(abs(r["flops_kept"] - (1 - r["ratio"])) for _, r in _reduced(results))


@renderer
def reduce_dinov2_skipped(results: Results) -> str:
    skipped = results[STEM].get("skipped_methods", {})
    return ", ".join(sorted(skipped)) if skipped else "none"


@renderer
def reduce_dinov2_addenda(results: Results) -> str:
    """The runs whose rows were added to the file later (`--add`), or a note that there were none."""
    added = results[STEM].get("addenda", [])
    if not added:
        return "All rows come from one run."
    runs = "; ".join(f"{', '.join(a['methods'])} by `{a['command']}`" for a in added)
    return (f"Rows added by later runs: {runs}. Their speed-ups are against the unreduced timings of their own run, "
            "so compare them within a run.")


@renderer
def reduce_dinov2_command(results: Results) -> str:
    """The command that reproduces the recorded run, from the sizes it recorded."""
    size = results[STEM]["size"]
    return (f"nice -n 5 .venv/bin/python benchmarks/bench_reduce_dinov2.py --faces {size['faces']} "
            f"--rounds {size['rounds']} --time-images {size['time_images_b1']} --batch {size['batch']}")  # fmt: skip


FULL = {"faces": 200, "rounds": 5, "time_images_b1": 25}  # every lfw_subset image; every photo in a b1 pass


@renderer
def reduce_dinov2_size_note(results: Results) -> str:
    """Whether the run was the full size (all 200 lfw_subset images, all 25 photos per batch-1 pass, 5 rounds)."""
    size = results[STEM]["size"]
    full = all(size[k] >= v for k, v in FULL.items())
    command = (f"`.venv/bin/python benchmarks/bench_reduce_dinov2.py --faces {FULL['faces']} --rounds "
               f"{FULL['rounds']} --time-images {FULL['time_images_b1']}`")  # fmt: skip
    if full:
        return f"This is the full size: all {size['faces']} lfw_subset images and all {size['photos']} photos ({command})."
    return (f"*Reduced size*: {size['faces']} lfw_subset images, {size['time_images_b1']} images per batch-1 pass and "
            f"{size['rounds']} timing rounds; the full size is {command}.")  # fmt: skip


@renderer
def reduce_dinov2_probe_range(results: Results) -> str:
    """The span of probe accuracies over every configuration, the unreduced one included."""
    return span((r["probe_accuracy"] for r in _rows(results).values() if "probe_accuracy" in r), ".3f")
