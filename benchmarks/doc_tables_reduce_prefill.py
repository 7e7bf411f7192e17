"""Tables and derived figures for the SmolLM2 prefill section of the reduce benchmark docs
(`benchmarks/results/reduce_prefill.json`, written by `bench_reduce_prefill.py`).

Each function is a placeholder of `render_docs.py` (`{{ name }}` in `benchmarks/doc_templates/reduce-prefill.md`);
every number comes from that file or from arithmetic on it.
"""

from __future__ import annotations

from typing import Any

from render_docs import Results, fmt, renderer, span, table

STEM = "reduce_prefill"


def _rows(results: Results) -> dict[str, dict[str, Any]]:
    return results[STEM]["rows"]


def _reduced(results: Results) -> list[dict[str, Any]]:
    """Every reduced configuration (R > 0), by ratio, then by KL (best first)."""
    rows = [r for r in _rows(results).values() if r["ratio"] > 0]
    return sorted(rows, key=lambda r: (r["ratio"], r["kl"]))


def _line(label: str, r: dict[str, Any]) -> list[str]:
    return [label, f"{r['ratio']:.2f}", fmt(r["flops_kept"], ".3f"), fmt(r["tokens_kept"], ".3f"),
            fmt(r["kl"], ".4f"), fmt(r.get("kl_p95"), ".4f"), fmt(r.get("top1_agreement"), ".3f"),
            fmt(r["bits_per_byte"], ".4f"), fmt(r["seconds"], ".1f"), fmt(r["speedup"], ".2f")]  # fmt: skip


@renderer
def reduce_prefill_table(results: Results) -> str:
    rows = _rows(results)
    lines = [_line("unreduced (transformers)", rows["unreduced"])]
    if "none@0" in rows:
        lines.append(_line("runner, nothing removed", rows["none@0"]))
    lines += [_line(r["method"], r) for r in _reduced(results)]
    header = ["method", "R", "FLOPs kept", "tokens kept", "KL (nats)", "KL p95", "top-1 agree", "bits/byte",
              "prefill s", "paired speed-up"]  # fmt: skip
    return table(header, lines, right=range(1, 10))


@renderer
def reduce_prefill_best(results: Results) -> str:
    """Per ratio, the method with the lowest KL and its KL."""
    best: dict[float, dict[str, Any]] = {}
    for r in _reduced(results):
        best.setdefault(r["ratio"], r)
    return "; ".join(f"{ratio:.0%}: {r['method']} ({fmt(r['kl'], '.4f')})" for ratio, r in sorted(best.items()))


@renderer
def reduce_prefill_tome_vs_random(results: Results) -> str:
    """Whether ToMe's KL is below random pruning's at every ratio both ran."""
    return _beats(results, "tome", "random")


@renderer
def reduce_prefill_pool_worst(results: Results) -> str:
    """Whether pooling's KL is the highest of the methods at every ratio it ran."""
    ratios = sorted({r["ratio"] for r in _reduced(results) if r["method"] == "pool"})
    worst = [max(_at(results, x), key=lambda r: r["kl"])["method"] == "pool" for x in ratios]
    return f"{'yes' if ratios and all(worst) else 'no'} ({sum(worst)} of {len(ratios)} ratios)"


def _at(results: Results, ratio: float) -> list[dict[str, Any]]:
    return [r for r in _reduced(results) if r["ratio"] == ratio]


def _beats(results: Results, a: str, b: str) -> str:
    by = {(r["method"], r["ratio"]): r for r in _reduced(results)}
    ratios = sorted(x for (m, x) in by if m == a and (b, x) in by)
    wins = [by[(a, x)]["kl"] < by[(b, x)]["kl"] for x in ratios]
    if not ratios:
        return "not measured"
    return f"{'yes' if all(wins) else 'no'} ({sum(wins)} of {len(ratios)} ratios)"


@renderer
def reduce_prefill_flops_error(results: Results) -> float:
    """The largest |flops_kept − (1 − R)| over the reduced configurations."""
    return max(abs(r["flops_kept"] - (1 - r["ratio"])) for r in _reduced(results))


@renderer
def reduce_prefill_bpb_increase(results: Results) -> str:
    """The span of bits-per-byte increases over the unreduced model, in percent."""
    base = _rows(results)["unreduced"]["bits_per_byte"]
    return span((100 * (r["bits_per_byte"] / base - 1) for r in _reduced(results)), ".1f")


@renderer
def reduce_prefill_above_bound(results: Results) -> str:
    """How many reduced configurations' speed-ups exceed the FLOPs bound 1 / flops_kept by more than 5%."""
    rows = _reduced(results)
    over = sum(r["speedup"] > 1.05 / r["flops_kept"] for r in rows)
    return f"{over} of {len(rows)}"


@renderer
def reduce_prefill_speedup_range(results: Results) -> str:
    return span((r["speedup"] for r in _reduced(results)), ".2f")


@renderer
def reduce_prefill_size_note(results: Results) -> str:
    """Whether the run was the full size, and the command for the full size."""
    size = results[STEM]["size"]
    full = size["full_size"]
    command = (f"`.venv/bin/python benchmarks/bench_reduce_prefill.py --chunks {full['chunks']} --context "
               f"{full['context']} --continuation {full['continuation']}`")  # fmt: skip
    if not size["reduced_size"]:
        return f"This is the full size ({command})."
    return (f"*Reduced size*: {size['chunks']} chunks of {size['context']} + {size['continuation']} tokens on 2 "
            f"shared CPU cores; the full size is {full['chunks']} chunks of {full['context']} + "
            f"{full['continuation']}: {command}.")  # fmt: skip


@renderer
def reduce_prefill_command(results: Results) -> str:
    """The command that reproduces the recorded run, from the sizes it recorded."""
    size = results[STEM]["size"]
    return (f"nice -n 5 .venv/bin/python benchmarks/bench_reduce_prefill.py --chunks {size['chunks']} "
            f"--context {size['context']} --continuation {size['continuation']} --time-chunks {size['time_chunks']}")  # fmt: skip
