"""Tables and derived figures for the LiB section of the benchmark docs (lib_reproduction, lib_speed, lib_vs_bpe,
lib_unseen*, lib_cli_startup*).

Each function is a placeholder of `render_docs.py`; it reads named keys of `benchmarks/results/*.json`. Counts such
as "fewer tokens than BPE in 7 of 15 languages" are computed here from the rows, never typed.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from render_docs import RENDERERS, Results, fmt, renderer, span, table


# --- LiB (lib_reproduction.json, lib_speed.json, lib_vs_bpe.json) -------------------------------------------------

REPRO_SETTINGS = [("notebook", "notebook (test lines also trained on)"), ("held out", "held out (test lines not trained on)")]
REPRO_COLUMNS = ["reference_boundary_f1", "reference_token_f1", "standard_boundary_f1", "standard_token_f1"]


def _mean_range(cell: dict[str, float]) -> str:
    return f"{cell['mean']:.3f} ({cell['min']:.3f}–{cell['max']:.3f})"


@renderer
def lib_repro_table(results: Results) -> str:
    rows = []
    for label, key in REPRO_SETTINGS:
        for reading in ("chunks", "subchunks"):
            cells = results["lib_reproduction"]["results"][key][reading]
            rows.append([label, reading, *(_mean_range(cells[c]) for c in REPRO_COLUMNS)])
    header = ["setting", "reading", "boundary F1 (reference)", "token F1 (reference)", "boundary F1 (standard)",
              "token F1 (standard)"]
    return table(header, rows)


@renderer
def lib_repro_lexicon_range(results: Results) -> str:
    sizes = [n for r in results["lib_reproduction"]["results"].values() for n in r["lexicon_size"]]
    return span(sizes, ",", dash="-")


@renderer
def lib_repro_seconds(results: Results) -> str:
    seconds = [s for r in results["lib_reproduction"]["results"].values() for s in r["train_seconds"]]
    return span(seconds, ".1f")


@renderer
def lib_speed_table(results: Results) -> str:
    rows = [[fmt(r["epochs"], ","), fmt(r["fast_s"], ".2f"), fmt(r["reference_s"], ".1f"), f"{r['speedup']:.1f}×"]
            for r in results["lib_speed"]["rows"]]
    return table(["epochs", "fast (s)", "oracle (s)", "oracle / fast"], rows, right=[0, 1, 2, 3])


@renderer
def lib_speed_verdict(results: Results) -> str:
    slowest = min(r["speedup"] for r in results["lib_speed"]["rows"])
    return "met at every size" if slowest >= 10 else f"not met at every size (lowest {slowest:.1f}×)"


LEVEL = 0.005  # two values within 0.5% of each other count as level
LANG_SHORT = {"khk_Cyrl": "mon"}  # FLORES names Mongolian khk; the prose calls it mon


def _by_lang(results: Results) -> dict[str, dict[str, dict[str, Any]]]:
    langs: dict[str, dict[str, dict[str, Any]]] = {}
    for row in results["lib_vs_bpe"]["rows"]:
        langs.setdefault(row["lang"], {})[row["algo"]] = row
    return langs


def _short(lang: str) -> str:
    return LANG_SHORT.get(lang, lang.split("_")[0])


def _morph(row: dict[str, Any]) -> float | None:
    return row.get("morph_f1")


@renderer
def lib_vs_bpe_table(results: Results) -> str:
    rows = []
    for lang, algos in _by_lang(results).items():
        lib, bpe, uni = algos["lib"], algos["bpe"], algos["unigram"]
        rows.append([
            lang, fmt(lib["vocab_size"], ","), fmt(lib["lib_learned_size"], ","),
            *(fmt(r["tokens_per_byte"], ".4f") for r in (lib, bpe, uni)),
            *(fmt(r["types_used"], ",") for r in (lib, bpe, uni)),
            *(fmt(_morph(r), ".3f") for r in (lib, bpe, uni)),
        ])
    header = ["language", "vocab", "LiB learned", "tokens/byte LiB", "BPE", "Unigram", "types used LiB", "BPE", "Unigram",
              "morph F1 LiB", "BPE", "Unigram"]
    return table(header, rows, right=range(1, 12))


def _compare(results: Results, key: str, other: str) -> dict[str, list[str]]:
    """Languages where LiB's `key` is below, level with (within LEVEL, relative) or above `other`'s."""
    out: dict[str, list[str]] = {"fewer": [], "level": [], "more": []}
    for lang, algos in _by_lang(results).items():
        a, b = algos["lib"].get(key), algos[other].get(key)
        if a is None or b is None:
            continue
        side = "level" if abs(a - b) <= LEVEL * abs(b) else ("fewer" if a < b else "more")
        out[side].append(_short(lang))
    return out


def _count(results: Results, key: str, other: str, side: str) -> str:
    groups = _compare(results, key, other)
    return f"{len(groups[side])} of {sum(len(g) for g in groups.values())}"


@renderer
def lib_langs(results: Results) -> int:
    return len(_by_lang(results))


# "N of M" counts: LiB below/above a baseline on one key, over the languages that have it.
COUNTS = {
    "lib_tokens_vs_unigram": ("tokens_per_byte", "unigram", "fewer"),
    "lib_tokens_vs_bpe": ("tokens_per_byte", "bpe", "fewer"),
    "lib_types_vs_unigram": ("types_used", "unigram", "more"),
}
for _name, (_key, _other, _side) in COUNTS.items():
    RENDERERS[_name] = lambda results, k=_key, o=_other, s=_side: _count(results, k, o, s)


@renderer
def lib_tokens_vs_bpe_detail(results: Results) -> str:
    g = _compare(results, "tokens_per_byte", "bpe")
    worst = max(algos["lib"]["tokens_per_byte"] / algos["bpe"]["tokens_per_byte"] - 1 for algos in _by_lang(results).values())
    level = f"; level in {', '.join(g['level'])}" if g["level"] else ""
    return f"fewer in {', '.join(g['fewer'])}; more in {', '.join(g['more'])}, by up to {worst:.0%}{level}"


@renderer
def lib_types_vs_bpe(results: Results) -> str:
    g = _compare(results, "types_used", "bpe")
    gaps = [1 - a["lib"]["types_used"] / a["bpe"]["types_used"] for a in _by_lang(results).values()
            if a["lib"]["types_used"] < a["bpe"]["types_used"]]
    return f"{_count(results, 'types_used', 'bpe', 'fewer')} languages ({', '.join(g['fewer'])}), {span(gaps, '.1%')} fewer"


@renderer
def lib_morph_vs_bpe(results: Results) -> str:
    g = _compare(results, "morph_f1", "bpe")
    better, worse = g["more"], g["fewer"]  # higher F1 is better: "more" means LiB is above BPE
    parts = [f"better than BPE in {_count(results, 'morph_f1', 'bpe', 'more')} languages ({', '.join(better)})"]
    if g["level"]:
        parts.append(f"level in {', '.join(g['level'])}")
    parts.append(f"worse in {', '.join(worse) or 'none'}")
    return ", ".join(parts)


@renderer
def lib_morph_unigram_best(results: Results) -> str:
    langs = [a for a in _by_lang(results).values() if _morph(a["unigram"]) is not None]
    best = [a for a in langs if _morph(a["unigram"]) >= max(_morph(a["lib"]), _morph(a["bpe"]))]  # type: ignore[type-var]
    return f"{len(best)} of {len(langs)}"


@renderer
def lib_train_seconds(results: Results) -> str:
    return span((r["train_seconds"] for r in results["lib_vs_bpe"]["rows"] if r["algo"] == "lib"), ".0f")


def _notebook_subchunks(results: Results) -> dict[str, dict[str, float]]:
    return results["lib_reproduction"]["results"]["notebook (test lines also trained on)"]["subchunks"]


def _goal(value: float, goal: float) -> str:
    return f"{'meets' if value >= goal else 'just under' if value >= goal - 0.01 else 'below'} the {goal:.2f} goal"


@renderer
def lib_repro_goal_boundary(results: Results) -> str:
    return _goal(_notebook_subchunks(results)["reference_boundary_f1"]["mean"], 0.84)


@renderer
def lib_repro_goal_token(results: Results) -> str:
    return _goal(_notebook_subchunks(results)["reference_token_f1"]["mean"], 0.60)


@renderer
def lib_seeds(results: Results) -> str:
    return ", ".join(str(s) for s in results["lib_reproduction"]["seeds"])


@renderer
def lib_speed_identical(results: Results) -> str:
    return "identical" if results["lib_speed"]["identical_lexicon"] else "NOT identical"


@renderer
def lib_level(results: Results) -> str:
    return f"{LEVEL:.1%}"


@renderer
def lib_smallest_vocab(results: Results) -> str:
    lang, algos = min(_by_lang(results).items(), key=lambda item: item[1]["lib"]["vocab_size"])
    return f"{lang}, {algos['lib']['vocab_size']:,} entries"


# --- LiB against the reference learner (lib_unseen*.json) and the CLI's start-up (lib_cli_startup*.json) ----------

UNSEEN_COLUMNS = ["reference_boundary_f1", "reference_token_f1", "standard_boundary_f1", "standard_token_f1"]
HEADLINE = ("subchunks", "reference_boundary_f1")  # the notebook's own measure


@renderer
def lib_unseen_table(results: Results) -> str:
    rows = []
    for text, res in results["lib_unseen"]["results"].items():
        for reading in ("chunks", "subchunks"):
            for who in ("tokensmith", "reference"):
                sizes = res[who]["lexicon_size"]
                rows.append([text, reading, who, *(_mean_range(res[who][reading][c]) for c in UNSEEN_COLUMNS),
                             fmt(round(sum(sizes) / len(sizes)), ",")])
    header = ["text", "reading", "learner", "boundary F1 (reference)", "token F1 (reference)",
              "boundary F1 (standard)", "token F1 (standard)", "lexicon"]
    return table(header, rows, right=[7])


@renderer
def lib_unseen_parity(results: Results) -> str:
    """The issue's test: is tokensmith's mean at least the reference's worst seed (every text, reading, measure)?"""
    below, above = [], []
    for text, res in results["lib_unseen"]["results"].items():
        for reading in ("chunks", "subchunks"):
            for c in UNSEEN_COLUMNS:
                mean, ref = res["tokensmith"][reading][c]["mean"], res["reference"][reading][c]
                where = f"{text} {reading} {c.replace('_', ' ')}"
                if mean < ref["min"]:
                    below.append(f"{where} ({mean:.4f} < {ref['min']:.4f})")
                elif mean > ref["max"]:
                    above.append(f"{where} ({mean:.4f} > {ref['max']:.4f})")
    if below:
        return "tokensmith's mean is below the reference's worst seed in: " + "; ".join(below)
    verdict = "On every text, reading and measure, tokensmith's mean is at least the reference's worst seed"
    return verdict + (f"; it is above the best seed in {'; '.join(above)}" if above else ", and at most its best")


@renderer
def lib_unseen_seeds(results: Results) -> str:
    return ", ".join(map(str, results["lib_unseen"]["seeds"]))


def _headline(results: Results, stem: str) -> str:
    """'0.596 on flores-eng (the reference: 0.602, range 0.594-0.611), ...' for one results file."""
    reading, key = HEADLINE
    parts = []
    for text, res in results[stem]["results"].items():
        ours, ref = res["tokensmith"][reading][key], res["reference"][reading][key]
        parts.append(f"{ours['mean']:.3f} on {text} (the reference: {ref['mean']:.3f}, range "
                     f"{ref['min']:.3f}-{ref['max']:.3f})")
    return ", ".join(parts)


# {{ lib_unseen_now }}, {{ lib_unseen_before }}, {{ lib_unseen_resolve_at_end }}: the headline of each results file
for _stem in ("lib_unseen", "lib_unseen_before", "lib_unseen_resolve_at_end"):
    RENDERERS["lib_unseen_now" if _stem == "lib_unseen" else _stem] = partial(_headline, stem=_stem)


@renderer
def lib_variants_table(results: Results) -> str:
    rows = [[r["text"], r["variant"], f"`{r['options']}`" if r["options"] else "(defaults)",
             fmt(r["subchunks_reference_boundary_f1_mean"], ".3f"), fmt(r["chunks_reference_boundary_f1_mean"], ".3f")]
            for r in results["lib_unseen_variants"]["rows"]]
    header = ["text", "variant", "options", "boundary F1, subchunks", "boundary F1, chunks"]
    return table(header, rows, right=[3, 4])


def _cli_row(label: str, res: Results) -> list[str]:
    walls = [r["wall_s"] for r in res["runs"]]
    cpus = [r["cpu_s"] for r in res["runs"]]
    loads = [r["load_1min"] for r in res["runs"]]
    return [label, span(walls, ".1f"), span(cpus, ".1f"), fmt(res["learner_s"], ".1f"), span(loads, ".1f")]


@renderer
def lib_cli_table(results: Results) -> str:
    rows = [_cli_row("before (commit 7deacfc)", results["lib_cli_startup_before"]),
            _cli_row("after", results["lib_cli_startup"])]
    header = ["", "CLI wall (s)", "CLI CPU (s)", "learner alone (s)", "load (1 min)"]
    return table(header, rows, right=[1, 2, 3, 4])


@renderer
def lib_cli_verdict(results: Results) -> str:
    worst = max(r["wall_s"] for r in results["lib_cli_startup"]["runs"])
    return f"at most {worst:.1f} s: the 12 s goal is {'met' if worst <= 12 else 'not met'}"
