"""Tables and derived figures for the encoding-speed section (issue 11) of the benchmark docs, from encode.json.

Each function is a placeholder of `render_docs.py`. Rows of `encode.json` are
`{tokenizer, encoder, cores, mb_per_s, identical_lines, lines, seconds}`; encoder names are '<library> single',
'<library> batch', '<accelerator>' (its batch call), '<accelerator> single' and 'tokensmith (<encoder in use>)'.
"""

from __future__ import annotations

from typing import Any

from render_docs import Results, fmt, renderer, table

BACKEND_LIBS = ("tiktoken", "hf-tokenizers", "sentencepiece")


def _rows(results: Results, key: str = "encode") -> list[dict[str, Any]]:
    return results[key]["results"]


def _speed(results: Results, tokenizer: str, encoder: str, cores: int, key: str = "encode") -> float:
    return next(r["mb_per_s"] for r in _rows(results, key) if (r["tokenizer"], r["encoder"], r["cores"]) == (tokenizer, encoder, cores))


def _tokensmith(results: Results, tokenizer: str, key: str = "encode") -> str:
    return next(r["encoder"] for r in _rows(results, key) if r["tokenizer"] == tokenizer and r["encoder"].startswith("tokensmith"))


def _tokenizers(results: Results) -> list[str]:
    return list(dict.fromkeys(r["tokenizer"] for r in _rows(results)))


@renderer
def encode_table(results: Results) -> str:
    cores = sorted({r["cores"] for r in _rows(results)})
    keys = list(dict.fromkeys((r["tokenizer"], r["encoder"]) for r in _rows(results)))
    by = {(r["tokenizer"], r["encoder"], r["cores"]): r for r in _rows(results)}
    rows = []
    for tok, enc in keys:
        cells = [fmt(by[tok, enc, c]["mb_per_s"], ".2f") if (tok, enc, c) in by else "–" for c in cores]
        first = by[tok, enc, cores[0]]
        rows.append([tok, enc, *cells, fmt(first["lines"] - first["identical_lines"], ",")])
    header = ["tokenizer", "encoder", *[f"MB/s, {c} core{'s' if c > 1 else ''}" for c in cores], "differing lines"]
    return table(header, rows, right=list(range(2, 3 + len(cores))))


@renderer
def encode_winners_table(results: Results) -> str:
    """Per tokenizer: the fastest accelerator batch call with identical ids on every line, and what tokensmith uses."""
    rows = []
    for tok in _tokenizers(results):
        best = {}
        for r in _rows(results):
            name = r["encoder"]
            if r["tokenizer"] != tok or r["identical_lines"] != r["lines"] or name.endswith(" single"):
                continue
            if name.startswith("tokensmith") or name.split(" ")[0] in BACKEND_LIBS:
                continue
            best[name] = max(best.get(name, 0.0), r["mb_per_s"])
        winner = max(best, key=best.get) if best else "–"
        rows.append([tok, winner, fmt(best[winner], ".2f") if best else "–", _tokensmith(results, tok)])
    return table(["tokenizer", "fastest identical accelerator", "its best MB/s", "tokensmith uses"], rows, right=[2])


def _flat(results: Results, tokenizer: str, key: str) -> str | None:
    names = [r["encoder"] for r in _rows(results, key) if r["tokenizer"] == tokenizer and r["encoder"].startswith("tokensmith flat")]
    return names[0] if names else None


def _goals(results: Results, key: str) -> str:
    rows = []
    for tok in ("o200k_base", "cl100k_base"):
        ours, flat = _tokensmith(results, tok, key), _flat(results, tok, key)
        for c in sorted({r["cores"] for r in _rows(results, key)}):
            batch, single = _speed(results, tok, "tiktoken batch", c, key), _speed(results, tok, "tiktoken single", 1, key)
            mine = _speed(results, tok, ours, c, key)
            flat_cells = [fmt(_speed(results, tok, flat, c, key) / batch, ".2f"), fmt(_speed(results, tok, flat, c, key) / single, ".2f")] if flat else ["–", "–"]
            rows.append([tok, c, fmt(mine / batch, ".2f"), fmt(mine / single, ".2f"), *flat_cells])
    header = ["tokenizer", "cores", "encode_batch / tiktoken batch (goal ≥ 2)", "encode_batch / tiktoken single, 1 core (goal ≥ 1.5)",
              "encode_batch_flat / tiktoken batch", "encode_batch_flat / tiktoken single, 1 core"]
    return table(header, rows, right=[1, 2, 3, 4, 5])


def _goals_renderer(name: str, key: str) -> None:
    """Register `{{ name }}`: the goals table of results file `key` (the main run, or the best-of-3 goal check)."""

    def render(results: Results) -> str:
        return _goals(results, key)

    render.__name__ = name
    renderer(render)


_goals_renderer("encode_goals_table", "encode")
_goals_renderer("encode_goals_best_table", "encode_goals")


@renderer
def encode_corpus_size(results: Results) -> str:
    c = results["encode"]["corpus"]
    if not results["encode"]["reduced"]:
        return (f"full size: every line of the {c['flores_langs']} FLORES-200 languages ({c['flores_lines']:,} lines) "
                f"and of the Wikipedia samples ({', '.join(c['wiki_langs'])})")
    return (f"*reduced size*: {c['flores_lines_per_lang']} lines of each of the {c['flores_langs']} FLORES-200 languages, "
            f"{c['wiki_lines_per_lang']} lines of each Wikipedia sample; the full size is every line")


@renderer
def encode_eval_phases(results: Results) -> str:
    ev = results["encode"]["eval"]
    rows = [[label, *[fmt(ev[k]["phases_s"].get(p), ".1f") for p in ("index", "encode", "convert", "metrics")]]
            for k, label in (("no_accel", "backends only"), ("accel", "with accelerators"))]
    return table(["phase seconds", "index", "encode", "convert", "metrics"], rows, right=[1, 2, 3, 4])


@renderer
def encode_identical_all(results: Results) -> str:
    bad = sum(r["lines"] - r["identical_lines"] for r in _rows(results) if r["encoder"].startswith("tokensmith"))
    return "identical on every line" if bad == 0 else f"{bad:,} differing lines"


@renderer
def encode_eval_table(results: Results) -> str:
    ev = results["encode"]["eval"]
    rows = [[label, fmt(ev[k]["wall_s"], ".1f"), fmt(ev[k]["encode_s"], ".1f"), fmt(ev[k]["wall_to_encode"], ".2f")]
            for k, label in (("no_accel", "backends only (TOKENSMITH_ACCEL=0)"), ("accel", "with accelerators"))]
    return table(["eval of 10 tokenizers on FLORES-200", "wall (s)", "encode phase (s)", "wall / encode (goal ≤ 1.2)"],
                 rows, right=[1, 2, 3])


@renderer
def encode_eval_encoders(results: Results) -> str:
    encoders = results["encode"]["eval"]["accel"]["encoders"]
    return ", ".join(f"{name} → {enc}" for name, enc in encoders.items())


@renderer
def encode_eval_speedup(results: Results) -> float:
    ev = results["encode"]["eval"]
    return ev["no_accel"]["encode_s"] / ev["accel"]["encode_s"]
