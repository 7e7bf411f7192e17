"""What the playground's API answers, as plain functions of tokenizers and text (app.py only routes to them).

Tokens are placed on the text's UTF-8 bytes by `tokensmith.report.diff` (`align`, `to_json`), which reads only the
public Tokenizer API (`encode_with_offsets`, `token_bytes`) and already holds the display rule the CLI's `diff`
uses: a token that holds whole characters has them as `text`; a token that splits a character has `"text": null`
beside its `bytes_hex` (and a `label` with byte escapes). Shared boundaries are the byte offsets (0 < b < len)
where every requested tokenizer cuts.

The metrics tab runs `evaluate` (the `eval --corpus` metrics) on the pasted text, one line per sentence; the
results tab renders a results object with the report's own page (`tokensmith.report.html.render_report`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokensmith.errors import TokensmithError
from tokensmith.tokenizer import Tokenizer

METRICS_RESAMPLES = 200


def _row_payload(row: dict[str, Any], *, n_chars: int) -> dict[str, Any]:
    n = row["n_tokens"]
    return {"name": row["name"], "ids": [t["id"] for t in row["tokens"]], "tokens": row["tokens"], "n_tokens": n,
            "bytes_per_token": row["bytes_per_token"], "chars_per_token": round(n_chars / n, 3) if n else None,
            "cuts": row["cuts"]}  # fmt: skip


def diff_payload(tokenizers: Sequence[Tokenizer], text: str, *, names: Sequence[str] | None = None) -> dict[str, Any]:
    """Per tokenizer its ids, tokens and counts, plus the boundaries they all share.

    Args:
        tokenizers: one or more tokenizers.
        text: the text (already checked: valid Unicode, within the limit).
        names: their names in the answer (default: each tokenizer's name).

    Example:
        >>> import tokensmith
        >>> doc = diff_payload([tokensmith.load("gpt2"), tokensmith.load("llama3")], "Hello world")
        >>> doc["shared_boundaries"], [(r["name"], r["ids"], r["chars_per_token"]) for r in doc["tokenizers"]]
        ([5], [('gpt2', [15496, 995], 5.5), ('llama3', [9906, 1917], 5.5)])
        >>> diff_payload([tokensmith.load("gpt2")], "")["tokenizers"][0]["tokens"]
        []
    """
    from tokensmith.report.diff import align, to_json

    doc = to_json(align(tokenizers, text, names=names, max_chars=None))
    rows = [_row_payload(r, n_chars=len(text)) for r in doc["tokenizers"]]
    return {"n_bytes": doc["bytes"], "n_chars": len(text), "shared_boundaries": doc["shared_cuts"], "tokenizers": rows}


def encode_payload(tok: Tokenizer, text: str, *, name: str | None = None) -> dict[str, Any]:
    """One tokenizer's ids and tokens (`{"id", "bytes_hex", "text", ...}`) with its counts.

    Args:
        tok: the tokenizer.
        text: the text.
        name: its name in the answer (default: the tokenizer's).

    Example:
        >>> import tokensmith
        >>> doc = encode_payload(tokensmith.load("gpt2"), "東")
        >>> doc["ids"], [(t["text"], t["bytes_hex"]) for t in doc["tokens"]]
        ([30266, 109], [(None, 'e69d'), (None, 'b1')])
    """
    doc = diff_payload([tok], text, names=[name or tok.name])
    row = doc["tokenizers"][0]
    return {"tokenizer": row["name"], "n_bytes": doc["n_bytes"], "n_chars": doc["n_chars"],
            **{k: row[k] for k in ("ids", "tokens", "n_tokens", "bytes_per_token", "chars_per_token")}}  # fmt: skip


def metrics_payload(tok: Tokenizer, text: str, *, name: str, resamples: int = METRICS_RESAMPLES) -> dict[str, Any]:
    """The `eval --corpus` metrics of one tokenizer on the text (each non-blank line is a sentence).

    Args:
        tok: the tokenizer.
        text: the text to measure.
        name: the tokenizer's name in the rows.
        resamples: bootstrap resamples for the CIs (0: none).

    Example:
        >>> import tokensmith
        >>> doc = metrics_payload(tokensmith.load("gpt2"), "the cat sat on the mat", name="gpt2", resamples=0)
        >>> next(r["value"] for r in doc["rows"] if r["metric"] == "fertility")
        1.0
    """
    from tokensmith.corpora.monolingual import MonolingualCorpus
    from tokensmith.measure import EvalConfig, evaluate
    from tokensmith.measure.evaluation import EvalInputs

    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise TokensmithError("the text has no non-blank line: paste or upload some text to measure.")
    corpus = MonolingualCorpus("pasted", {"und": lines})
    results = evaluate([tok.with_name(name)], EvalInputs(corpus=corpus), config=EvalConfig(resamples=resamples))
    keep = ("metric", "param", "value", "ci_low", "ci_high", "n", "lossless", "error")
    rows = [{k: v for k, v in row.items() if k in keep} for row in results.to_dict()["rows"]]
    return {"tokenizer": name, "sentences": len(lines), "rows": rows, "notes": list(results.notes)}


def report_payload(obj: Any) -> dict[str, str]:
    """The report page (HTML) of a parsed results object, as `tokensmith report` would write it.

    Args:
        obj: a parsed `results.json` (`tokensmith.results/2` or /1).

    Example:
        >>> from tokensmith.measure.results import Results, Row
        >>> doc = Results(tokenizers={}, langs={}, rows=(Row("t", "c", "*", "bytes_per_token", None, 4.2),)).to_dict()
        >>> report_payload(doc)["html"].startswith("<!DOCTYPE html>")
        True
    """
    from tokensmith.measure.results import Results
    from tokensmith.report.data import ReportData
    from tokensmith.report.html import render_report

    results = Results.from_dict(obj, where="the uploaded file")
    data = ReportData(tokenizers=dict(results.tokenizers), langs=dict(results.langs), rows=list(results.rows),
                      sources=("uploaded results",))  # fmt: skip
    return {"html": render_report(data, title="tokensmith report (playground)")}
