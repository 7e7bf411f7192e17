"""LM scores as a results file (`tokensmith.results/2`), so that `tokensmith report` reads loss against FLOPs.

A stage may not import `measure`, so the rows are written here as plain JSON with the schema's fields (the
layout is documented in `measure/results.py`): one row per model and text, metric `bits_per_byte`, `param` =
the model's training FLOPs, `value`/`ci_low`/`ci_high` = bits per byte and its bootstrap 95% CI, `n` = the
chunks scored, `lossless` = True (every model here scores the text's exact bytes). The "tokenizer" of a row is
the model's label; the header's `tokenizers` entry says its architecture (`backend`) and checkpoint (`source`).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tokensmith import atomic

SCHEMA = "tokensmith.results/2"


def results_document(
    scores: list[tuple[str, dict[str, Any]]], *, corpus: str, lang: str, script: str, notes: list[str],
) -> dict[str, Any]:  # fmt: skip
    """The results object for (label, `LMScore.as_dict()` + `n_chunks`) pairs on one corpus.

    Args:
        scores: (model label, score row) pairs; a row holds model, arch, bits_per_byte, ci_low, ci_high, flops,
            n_chunks and, optionally, vocab_size.
        corpus: the corpus name.
        lang: its language code (e.g. 'eng_Latn').
        script: its script code (e.g. 'Latn').
        notes: sentences on what the numbers are (toy scale, budgets).

    Example:
        >>> row = {"model": "runs/byte", "arch": "byte", "bits_per_byte": 2.5, "ci_low": 2.4, "ci_high": 2.6,
        ...        "flops": 1e12, "n_chunks": 30}
        >>> doc = results_document([("byte-s0", row)], corpus="wikitext-2", lang="eng_Latn", script="Latn", notes=[])
        >>> doc["rows"][0]["metric"], doc["rows"][0]["param"], doc["tokenizers"]["byte-s0"]["backend"]
        ('bits_per_byte', 1000000000000.0, 'byte')
    """
    tokenizers = {label: {"vocab_size": int(r.get("vocab_size", 256)), "backend": r["arch"], "kind": "trained",
                          "source": r["model"]} for label, r in scores}  # fmt: skip
    rows = [{"tokenizer": label, "corpus": corpus, "lang": lang, "metric": "bits_per_byte",
             "param": float(r["flops"]), "value": r["bits_per_byte"], "ci_low": r["ci_low"],
             "ci_high": r["ci_high"], "n": int(r["n_chunks"]), "error": None, "lossless": True}
            for label, r in scores]  # fmt: skip
    return {"schema": SCHEMA, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "tokenizers": tokenizers, "langs": {lang: {"script": script, "spaceless": False}},
            "notes": list(notes), "rows": rows}  # fmt: skip


def write_results(path: str | os.PathLike[str], document: dict[str, Any]) -> Path:
    """Write a results object atomically as JSON.

    Args:
        path: the file.
        document: from `results_document`.

    Example:
        >>> import tempfile
        >>> doc = results_document([], corpus="c", lang="eng_Latn", script="Latn", notes=["toy"])
        >>> json.loads(write_results(Path(tempfile.mkdtemp()) / "r.json", doc).read_text())["schema"]
        'tokensmith.results/2'
    """
    return atomic.write_text(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
