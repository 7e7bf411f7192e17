"""Tables and derived sentences for the LM lab section of the benchmark docs (`results/lm.json`).

Each function is a placeholder of `render_docs.py`. `corpora[<name>].rows` holds one row per model x seed (as
`tokensmith lm eval --json` writes it, plus name, seed, steps and timings); rows of one model are averaged over
the seeds it ran with, and the spread over seeds is shown beside seed 0's bootstrap CI. The comparisons in the
findings are computed here, so the template's prose carries no figure.
"""

from __future__ import annotations

import math
from statistics import mean
from typing import Any

from render_docs import Results, renderer, table

CORPORA = ("wikitext-2", "uk-wiki")
SHORT = {"wikitext-2": "wikitext-2 (tokenized v1)", "uk-wiki": "Ukrainian Wikipedia"}


def _by_model(results: Results, corpus: str, key: str = "lm") -> dict[str, list[dict[str, Any]]]:
    """A corpus's rows by model, the models in one order for every corpus: that of their first rows in the file
    (a resumed run finishes models in another order on each corpus)."""
    corpora = results.get(key, {}).get("corpora", {})
    order = list(dict.fromkeys(r["name"] for e in corpora.values() for r in e.get("rows", [])))
    out: dict[str, list[dict[str, Any]]] = {}
    for r in corpora.get(corpus, {}).get("rows", []):
        out.setdefault(r["name"], []).append(r)
    return dict(sorted(out.items(), key=lambda kv: order.index(kv[0])))


def _bpb(rows: list[dict[str, Any]]) -> float:
    return mean(r["bits_per_byte"] for r in rows)


def _table(results: Results, corpus: str, key: str = "lm") -> str:
    header = ["model", "params", "steps", "seeds", "bits/byte (mean)", "seed range", "95% CI (seed 0)",
              "noisy text", "tokens/byte", "train FLOPs/byte", "infer FLOPs/byte", "train s", "eval s"]  # fmt: skip
    rows = []
    for name, rs in _by_model(results, corpus, key).items():
        first = min(rs, key=lambda r: r["seed"])
        bpbs = [r["bits_per_byte"] for r in rs]
        rows.append([f"{name} ({first['arch']})", f"{first['params']:,}", f"{first['steps']:,}", len(rs),
                     f"{_bpb(rs):.3f}", f"{min(bpbs):.3f}–{max(bpbs):.3f}",
                     f"[{first['ci_low']:.3f}, {first['ci_high']:.3f}]", _noisy(rs), f"{first['tokens_per_byte']:.3f}",
                     f"{mean(r['training_flops_per_byte'] for r in rs):.3g}",
                     f"{first['inference_flops_per_byte']:.3g}", f"{mean(r['train_seconds'] for r in rs):.0f}",
                     f"{mean(r['seconds'] for r in rs):.0f}"])  # fmt: skip
    anchors = results[key]["corpora"][corpus]["anchors"]
    rows += [[f"{k.split(' test')[0]} (same bytes)", "", "", "", f"{v:.3f}", *[""] * 8]
             for k, v in anchors.items() if k.endswith(" test")]  # fmt: skip
    return table(header, rows, right=list(range(1, 13)))


def _noisy(rows: list[dict[str, Any]]) -> str:
    """Mean bits per byte on the noised text, over the seeds that have it."""
    values = [r["noisy_bits_per_byte"] for r in rows if r.get("noisy_bits_per_byte") is not None]
    return f"{mean(values):.3f}" if values else "–"


@renderer
def lm_runs(results: Results) -> str:
    """Which models ran at which budget and seeds: the main run, then any added models."""
    lm = results["lm"]
    parts = [f"main run: {lm['settings']['budget']:.3g} FLOPs per model, seeds {lm['settings']['seeds']}"]
    parts += [f"added: {', '.join(a['models'])} at {a['budget']:.3g} FLOPs, seeds {a['seeds']}"
              for a in lm.get("addenda", [])]  # fmt: skip
    noise = lm["settings"].get("noise")
    return "; ".join(parts) + (f"; noisy text: character noise at rate {noise} (tokensmith.corpora.noise, seed 0)"
                               if noise is not None else "")  # fmt: skip


def _tables(results: Results, key: str) -> str:
    done = [c for c in CORPORA if c in results.get(key, {}).get("corpora", {})]
    return "\n\n".join(f"{SHORT[c]}:\n\n{_table(results, c, key)}" for c in done)


@renderer
def lm_tables(results: Results) -> str:
    """One table per corpus the run reached: models, then the compressors on the same bytes."""
    return _tables(results, "lm")


@renderer
def lm_anchor_full(results: Results) -> str:
    """gzip -9 and xz -9e on each whole held-out file (the issue's anchors are on wikitext-2 test)."""
    parts = []
    for corpus in CORPORA:
        a = results["lm"]["corpora"].get(corpus, {}).get("anchors", {})
        if a:
            parts.append(f"{SHORT[corpus]}: gzip -9 {a['gzip -9 test_full']:.2f}, xz -9e {a['xz -9e test_full']:.2f}")
    return "; ".join(parts)


def _ranking(results: Results, corpus: str, key: str = "lm") -> list[tuple[str, float]]:
    return sorted(((n, _bpb(rs)) for n, rs in _by_model(results, corpus, key).items()), key=lambda x: x[1])


@renderer
def lm_findings(results: Results) -> str:
    """One line per corpus: the ranking, and the gaps that the papers' claims are about."""
    return _findings(results, "lm")


def _findings(results: Results, key: str) -> str:
    lines = []
    for corpus in CORPORA:
        rank = _ranking(results, corpus, key)
        if not rank:
            continue
        bpb = dict(rank)
        best_sub = min((v, n) for n, v in bpb.items() if n.startswith("bpe"))
        order = " < ".join(f"{n} {v:.3f}" for n, v in rank)
        gaps = []
        if "hierarchical" in bpb:
            gaps.append(f"hierarchical − {best_sub[1]} = {bpb['hierarchical'] - best_sub[0]:+.3f}")
        if "byte" in bpb:
            gaps.append(f"byte − {best_sub[1]} = {bpb['byte'] - best_sub[0]:+.3f}")
        if "hierarchical" in bpb and "byte" in bpb:
            gaps.append(f"hierarchical − byte = {bpb['hierarchical'] - bpb['byte']:+.3f}")
        lines.append(f"- {SHORT[corpus]}: {order} bits/byte" + (f"; {'; '.join(gaps)}." if gaps else "."))
    return "\n".join(lines)


def _verdict(gap: float, *, tol: float = 0.05) -> str:
    """How a model compares with its reference: 'worse by x than', 'better by x than' or 'within tol of'."""
    if gap > tol:
        return f"worse by {gap:.3f} than"
    if gap < -tol:
        return f"better by {-gap:.3f} than"
    return f"within {tol} ({gap:+.3f}) of"


CLAIMS = (  # (model, reference, the claim as the paper states it, citation)
    ("hierarchical", "best subword", "word-pooled byte models match subword models at equal compute",
     "HAT; Learn Your Tokens; Byte2Word"),
    ("hierarchical", "byte", "pooling bytes into words beats a flat byte model at equal compute",
     "HAT; Learn Your Tokens"),
    ("megabyte", "byte", "fixed patches beat a flat byte transformer at equal compute", "MEGABYTE"),
    ("spacebyte", "megabyte", "space-like boundaries beat fixed patches", "SpaceByte"),
    ("spacebyte", "best subword", "space-like patches match subword models at equal compute", "SpaceByte"),
    ("lex-1000", "bpe-1000", "without fixed embeddings a model comes close to the standard one", "Lexinvariant LMs"),
    ("blt", "megabyte", "entropy-based patches beat fixed patches at equal compute", "BLT"),
    ("mrt5", "byte", "a learned deletion gate removes most bytes for little loss", "MrT5"),
    ("ftp-1000", "bpe-1000", "predicting several future tokens from one state helps the next-token loss",
     "Future Token Prediction"),
    ("ei16", "byte", "a model over Equal-Info windows beats a byte-level model at equal compute",
     "Training LLMs over Neurally Compressed Text"),
    ("ei32", "byte", "a model over Equal-Info windows beats a byte-level model at equal compute",
     "Training LLMs over Neurally Compressed Text"),
    ("ei16", "best subword", "a model over Equal-Info windows still trails a subword model",
     "Training LLMs over Neurally Compressed Text"),
)  # fmt: skip


@renderer
def lm_claims(results: Results) -> str:
    """Each paper's claim against the grid: the model's mean bits per byte minus its reference's, per corpus."""
    return _claims(results, "lm")


def _claims(results: Results, key: str) -> str:
    lines = []
    for model, ref, claim, where in CLAIMS:
        parts = []
        for corpus in CORPORA:
            bpb = dict(_ranking(results, corpus, key))
            ref_name = min((n for n in bpb if n.startswith("bpe")), key=bpb.get, default=None) if ref == "best subword" else ref
            if model in bpb and ref_name in bpb:
                parts.append(f"{SHORT[corpus]}: {model} {_verdict(bpb[model] - bpb[ref_name])} {ref_name}")
        if parts:
            lines.append(f"- *{claim}* ({where}): {'; '.join(parts)}.")
    return "\n".join(lines)


@renderer
def lm_stats(results: Results) -> str:
    """What the gated and patched models did, from the rows' `stats`: MrT5's deletion rate, BLT's patch length."""
    lines = []
    for corpus in CORPORA:
        parts = []
        for name, rs in _by_model(results, corpus).items():
            stats = [r.get("stats") or {} for r in rs]
            if all("deletion_rate" in st for st in stats) and stats:
                parts.append(f"{name} deleted {100 * mean(st['deletion_rate'] for st in stats):.1f}% of the positions "
                             "after its gate at inference")  # fmt: skip
            if all("bytes_per_patch" in st for st in stats) and stats:
                parts.append(f"{name}'s entropy patches held {mean(st['bytes_per_patch'] for st in stats):.2f} bytes")
        if parts:
            lines.append(f"- {SHORT[corpus]}: {'; '.join(parts)} (mean over seeds).")
    return "\n".join(lines)


@renderer
def lm_compressed(results: Results) -> str:
    """M2 over compressed text: its bits per byte next to a uniform guess over its tokens (token bits × tokens per
    byte: what a model that learned nothing about the code scores) and next to bytes and the best BPE."""
    return _compressed(results, "lm")


def _compressed(results: Results, key: str) -> str:
    header = ["corpus", "M2 reads", "bits/byte", "uniform guess", "learned (uniform − M2)", "byte model",
              "best BPE"]  # fmt: skip
    rows = []
    for corpus in CORPORA:
        models, bpb = _by_model(results, corpus, key), dict(_ranking(results, corpus, key))
        best = min((n for n in bpb if n.startswith("bpe")), key=bpb.get, default=None)
        for name, rs in models.items():
            if rs[0]["arch"] != "compressed":
                continue
            width = rs[0]["settings"].get("token_bits", 8)
            uniform = width * mean(r["tokens_per_byte"] for r in rs)
            bits = rs[0]["settings"].get("bits", 0)
            what = f"Equal-Info b={bits}" if bits else "plain arithmetic code"
            rows.append([SHORT[corpus], f"{what} ({name}, {width}-bit tokens)", f"{_bpb(rs):.3f}", f"{uniform:.3f}",
                         f"{uniform - _bpb(rs):+.3f}", f"{bpb['byte']:.3f}" if "byte" in bpb else "–",
                         f"{bpb[best]:.3f} ({best})" if best else "–"])  # fmt: skip
    return table(header, rows, right=[2, 3, 4, 5]) if rows else "(no compressed-text models in this run)"


BUCKETS = ((0, 1), (1, 4), (4, 16), (16, 64))  # window positions [a, b)


@renderer
def lm_position_table(results: Results) -> str:
    """Mean loss (bits per token) by window position, seed 0: the lexinvariant model next to its subword twin."""
    header = ["corpus", "model", *(f"positions {a + 1}–{b}" if b - a > 1 else f"position {b}" for a, b in BUCKETS)]
    rows = []
    for corpus in CORPORA:
        curves = results.get("lm", {}).get("corpora", {}).get(corpus, {}).get("loss_by_position", {})
        for name, losses in curves.items():
            cells = [f"{mean(losses[a:b]):.2f}" if len(losses) >= b else "–" for a, b in BUCKETS]
            rows.append([SHORT[corpus], name, *cells])
    if not rows:
        return "(the lexinvariant run did not reach this step)"
    vocabs = sorted({int(r[1].split("-")[1]) for r in rows if r[1].startswith("lex-")})
    chance = ", ".join(f"log2 {v:,} = {math.log2(v):.2f} bits" for v in vocabs)
    return table(header, rows, right=[2, 3, 4, 5]) + f"\n\nA model that has learned nothing scores {chance} per token."


# ---- the long grid (`bench_lm.py --preset long`, results/lm_long.json) -------------------------------------------
LONG_MODELS = ("bpe-1000", "bpe-4000", "byte", "hierarchical", "ei16")  # the core models


@renderer
def lm_long_runs(results: Results) -> str:
    """What of the long grid ran: per corpus, the models and seeds in the file, and each invocation's command."""
    lm = results["lm_long"]
    parts = []
    for corpus in CORPORA:
        models = _by_model(results, corpus, "lm_long")
        if models:
            runs = ", ".join(f"{n} (seeds {', '.join(str(r['seed']) for r in sorted(rs, key=lambda r: r['seed']))})"
                             for n, rs in models.items())  # fmt: skip
            parts.append(f"{SHORT[corpus]}: {runs}")
    done = sum(len(rs) for c in CORPORA for rs in _by_model(results, c, "lm_long").values())
    planned = len(LONG_MODELS) * 3 * len(CORPORA)
    return (f"{lm['settings']['budget']:.3g} FLOPs per model; {done} of the {planned} core runs ({len(LONG_MODELS)} "
            f"models × 3 seeds × {len(CORPORA)} corpora) are in the file: " + "; ".join(parts))  # fmt: skip


@renderer
def lm_long_commands(results: Results) -> str:
    """Every invocation that wrote the long grid, with its wall time."""
    done = "; ".join(f"`bench_lm.py {' '.join(i['argv'])}` ({i['trained']} models, {i['seconds'] / 60:.0f} min)"
                     for i in results["lm_long"].get("invocations", []))  # fmt: skip
    return done or ("none ran to its end: the run was stopped, and the rows above are the models it finished (each is "
                    "written when it finishes; its settings are under `settings`)")  # fmt: skip


@renderer
def lm_long_train_minutes(results: Results) -> str:
    """The span of training minutes (one core each) over the long grid's rows."""
    secs = [r["train_seconds"] for c in CORPORA for rs in _by_model(results, c, "lm_long").values() for r in rs]
    return f"{min(secs) / 60:.1f}–{max(secs) / 60:.1f}" if secs else "–"


@renderer
def lm_long_tables(results: Results) -> str:
    """The long grid's table per corpus (same columns as the toy grid's)."""
    return _tables(results, "lm_long")


@renderer
def lm_long_findings(results: Results) -> str:
    """The long grid's ranking per corpus."""
    return _findings(results, "lm_long")


@renderer
def lm_long_claims(results: Results) -> str:
    """Each paper's claim against the long grid."""
    return _claims(results, "lm_long") or "(no model pair of a claim has run yet)"


@renderer
def lm_long_compressed(results: Results) -> str:
    """M2 over Equal-Info windows in the long grid, next to a uniform guess over its tokens."""
    return _compressed(results, "lm_long")
