"""Tables and derived sentences for the adapt section of the benchmark docs (`results/adapt.json`).

Each function is a placeholder of `render_docs.py`. Rows are read from `rows[<text>]` (one row per model label:
'original', 'T1 <method>', 'T2 <method>', 'T1 <method> +<n> steps'); a model the run did not reach is written '–'.
The findings are computed here from the numbers (winner per target and text, gap to the original, tokens saved),
so the prose in the template carries no figure.
"""

from __future__ import annotations

from typing import Any

from render_docs import Results, fmt, renderer, table

TEXTS = ("uk-wiki-heldout", "flores-ukr-devtest", "wikitext2-test-en")
SHORT = {"uk-wiki-heldout": "uk wiki", "flores-ukr-devtest": "FLORES ukr", "wikitext2-test-en": "wikitext-2 en"}
METHODS = ("random", "fvt", "focus", "wechsel", "omp")


def _row(results: Results, text: str, label: str) -> dict[str, Any] | None:
    for r in results["adapt"]["rows"].get(text, []):
        if r["model"] == label:
            return r
    return None


def _bpb(r: dict[str, Any] | None) -> str:
    return "–" if r is None else f"{r['bits_per_byte']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]"


def _labels(results: Results, prefix: str) -> list[str]:
    """Zero-shot model labels ('T1 fvt') of one target, from the transfers the run made, in run order."""
    names = [n for n in results["adapt"]["transfers"] if n != "original"]
    labels = [f"{n[:2].upper()} {n[3:]}" for n in names]
    return [label for label in labels if label.startswith(prefix)]


@renderer
def adapt_zero_shot_table(results: Results) -> str:
    """Zero shot: bits/byte [95% CI] per text, Δ vs the original on the Ukrainian held-out, bytes/token, counts."""
    header = ["model", *(f"{SHORT[t]} bits/byte" for t in TEXTS), "Δ uk wiki", "bytes/token uk wiki",
              "copied / combined / random", "transfer s"]  # fmt: skip
    rows = []
    for label in ["original", *_labels(results, "T1 "), *_labels(results, "T2 ")]:
        first = _row(results, TEXTS[0], label)
        t = results["adapt"]["transfers"].get(_dir(label), {})
        c = t.get("counts")
        counts = "–" if c is None or label == "original" else f"{c['copied']:,} / {c['combined']:,} / {c['random']:,}"
        rows.append([label, *(_bpb(_row(results, x, label)) for x in TEXTS),
                     "–" if first is None else f"{first['delta_bits_per_byte']:+.3f}",
                     "–" if first is None else f"{first['bytes_per_token']:.2f}", counts,
                     fmt(t.get("seconds"), ".0f")])  # fmt: skip
    return table(header, rows, right=[1, 2, 3, 4, 5, 7])


def _dir(label: str) -> str:
    """The work-folder name of a model label ('T1 fvt' -> 't1-fvt'), the key of `transfers`."""
    return label.lower().replace(" ", "-")


@renderer
def adapt_tuned_table(results: Results) -> str:
    """T1 after embedding tuning, on the Ukrainian held-out text: every method and budget (0 steps = zero shot)."""
    budgets = [0, *results["adapt"]["settings"]["tune_budgets"]]
    rows = []
    for method in METHODS[:-1]:
        for n in budgets:
            r = _row(results, TEXTS[0], f"T1 {method} +{n} steps" if n else f"T1 {method}")
            delta = "–" if r is None else f"{r['delta_bits_per_byte']:+.3f} [{r['delta_ci_low']:+.3f}, {r['delta_ci_high']:+.3f}]"
            rows.append([method, n, _bpb(r), delta])
    return table(["method", "tuning steps", "uk wiki bits/byte", "Δ vs original [95% CI]"], rows, right=[1, 2, 3])


def _best(results: Results, text: str, prefix: str) -> tuple[str, float] | None:
    cands = [r for r in results["adapt"]["rows"].get(text, []) if r["model"].startswith(prefix) and "steps" not in r["model"]]
    if not cands:
        return None
    top = min(cands, key=lambda r: r["bits_per_byte"])
    return top["model"].split(" ", 1)[1], top["delta_bits_per_byte"]


@renderer
def adapt_findings(results: Results) -> str:
    """One bullet per target and text: the best zero-shot method and its distance from the original."""
    lines = []
    for target, prefix in (("T1", "T1 "), ("T2", "T2 ")):
        for text in TEXTS:
            best = _best(results, text, prefix)
            if best is None:
                continue
            rnd = _row(results, text, f"{target} random")
            gap = "" if rnd is None else f"; random lands {rnd['delta_bits_per_byte']:+.3f}"
            lines.append(f"- {target}, {SHORT[text]}: {best[0]} is best at zero shot, {best[1]:+.3f} bits/byte "
                         f"from the original{gap}.")  # fmt: skip
    return "\n".join(lines) if lines else "- (no zero-shot rows yet)"


@renderer
def adapt_tokens_saved(results: Results) -> str:
    """How many fewer tokens each target tokenizer needs than SmolLM2's on the Ukrainian held-out text."""
    orig = _row(results, TEXTS[0], "original")
    parts = []
    for target in ("T1", "T2"):
        r = _row(results, TEXTS[0], f"{target} fvt")
        if orig is not None and r is not None:
            parts.append(f"{target} spells it in {r['n_tokens']:,} tokens, {1 - r['n_tokens'] / orig['n_tokens']:.0%} "
                         f"fewer than SmolLM2's {orig['n_tokens']:,}")  # fmt: skip
    return "; ".join(parts) if parts else "(not measured yet)"


@renderer
def adapt_shape(results: Results) -> str:
    """Whether the zero-shot ranking on T1's Ukrainian text follows the papers' random > FVT > the rest."""
    get = {m: _row(results, TEXTS[0], f"T1 {m}") for m in METHODS}
    if any(get[m] is None for m in ("random", "fvt", "focus", "wechsel")):
        return "not all T1 methods ran, so the ranking is not checked"
    b = {m: r["bits_per_byte"] for m, r in get.items() if r is not None}
    order = " < ".join(sorted(b, key=b.get))
    agree = b["random"] > b["fvt"] > min(b["focus"], b["wechsel"])
    return (f"the T1 ranking (best first) is {order}: " +
            ("it follows the papers' shape (random worst, FVT behind FOCUS/WECHSEL)" if agree else
             "it does not follow the papers' shape (random worst, FVT behind FOCUS/WECHSEL) everywhere"))


@renderer
def adapt_vocab(results: Results) -> str:
    """Each target's size as the adapted model embeds it (from the transfer counts), with the added specials."""
    parts = []
    for target in ("T1", "T2"):
        t = results["adapt"]["transfers"].get(f"{target.lower()}-fvt")
        if t is not None:
            added = f", {len(t['added_specials'])} of them the source's chat tokens, added" if t["added_specials"] else ""
            parts.append(f"{target} {sum(t['counts'].values()):,} ids{added}")
    return "; ".join(parts) if parts else "(not run yet)"


@renderer
def adapt_tuned_findings(results: Results) -> str:
    """The gap to the original on the Ukrainian text before and after the largest tuning budget, per method."""
    n = max(results["adapt"]["settings"]["tune_budgets"])
    parts = []
    for method in METHODS[:-1]:
        before, after = _row(results, TEXTS[0], f"T1 {method}"), _row(results, TEXTS[0], f"T1 {method} +{n} steps")
        if before is not None and after is not None:
            parts.append(f"{method} {before['delta_bits_per_byte']:+.3f} → {after['delta_bits_per_byte']:+.3f}")
    return f"after {n} steps, the gap to the original on uk wiki moves: " + "; ".join(parts) if parts else "(not run)"


@renderer
def adapt_omp_note(results: Results) -> str:
    """Where OMP lands against random on T2's Ukrainian text, computed from the rows."""
    omp, rnd = _row(results, TEXTS[0], "T2 omp"), _row(results, TEXTS[0], "T2 random")
    if omp is None or rnd is None:
        return "OMP did not finish in this run"
    if omp["bits_per_byte"] <= rnd["bits_per_byte"]:
        return f"OMP lands {omp['delta_bits_per_byte']:+.3f} bits/byte from the original on uk wiki, ahead of random"
    return (f"OMP lands {omp['delta_bits_per_byte']:+.3f} bits/byte from the original on uk wiki, behind even random: "
            "its least-squares coefficients over the candidate atoms are unbounded, and many new rows come out far "
            "longer than any source row (an open problem of this implementation, see the notes)")
