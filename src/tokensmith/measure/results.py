"""The results schema `tokensmith.results/2`: frozen dataclasses `Row` and `Results`, and their JSON/parquet files.

The report, diff and demo read results *files* (JSON or parquet), never in-memory objects, so this file is the
contract between `measure` and `report`. The layout (also in docs/measure.md):

    {"schema": "tokensmith.results/2", "created": "2026-01-01T00:00:00+00:00",
     "tokenizers": {name: {"vocab_size": int, "backend": str, "kind": "zoo"|"trained"|"file", "source": str}},
     "langs": {code: {"script": "Latn", "spaceless": bool}},
     "notes": [str],
     "rows": [{"tokenizer": str, "corpus": str, "lang": str ("*" = across languages), "metric": str,
               "param": float|null, "value": float|null, "ci_low": float|null, "ci_high": float|null,
               "n": int, "error": str|null, "lossless": bool|null}]}

An error row has `error` set and `value`/`ci_*` null. `lossless` says whether the tokenizer was lossless on the text
behind the row (measure/lossless.py: every sentence's token bytes spell it and no token is unknown); null when not
known. `notes` says what was not measured and why (e.g. parity on a monolingual corpus). Parquet holds only the rows
(one column per Row field) plus the header (schema, created, tokenizers, langs, notes) as JSON in the file's
key-value metadata under b"tokensmith".

Version 1 (`tokensmith.results/1`) files still load: they have no `lossless` field (read as None) and no notes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from tokensmith import atomic
from tokensmith.errors import CorpusError

SCHEMA = "tokensmith.results/2"
READABLE_SCHEMAS = ("tokensmith.results/1", SCHEMA)  # /1: rows without `lossless`
TokenizerKind = Literal["zoo", "trained", "file"]

METRICS = (
    "bytes_per_token", "chars_per_token", "tokens_per_kb", "fertility", "continued_words",
    "parity_premium", "parity_max_premium", "parity_gini", "renyi_efficiency", "shannon_efficiency",
    "vocab_utilization", "unk_rate", "byte_fallback_rate", "morph_precision", "morph_recall", "morph_f1",
    "morph_coverage", "morph_clean_share", "compound_boundary_rate", "hard_compound_rate",
    "noise_edit_distance", "noise_length_growth",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One measurement: tokenizer × corpus × language × metric (× param), with its bootstrap 95% CI.

    Args:
        tokenizer: tokenizer name (a key of `Results.tokenizers`).
        corpus: corpus name ('flores200', 'udhr', 'sigmorphon2022', 'germanet', a directory name, …).
        lang: language code ('eng_Latn'), or '*' for a cross-language aggregate.
        metric: one of `METRICS`.
        param: α for renyi_efficiency, the noise rate for noise_*; None otherwise.
        value: the point estimate, None for an error row.
        ci_low: lower end of the percentile bootstrap 95% CI (None when not computed).
        ci_high: upper end.
        n: the number of units behind the value (sentences, words or compounds).
        error: why the value is missing, None when it is present.
        lossless: whether the tokenizer spelled every sentence behind the row exactly (None: unknown, error rows).

    Example:
        >>> Row("gpt2", "flores200", "eng_Latn", "bytes_per_token", None, 4.2, 4.1, 4.3, 1004).value
        4.2
    """

    tokenizer: str
    corpus: str
    lang: str
    metric: str
    param: float | None
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int = 0
    error: str | None = None
    lossless: bool | None = None

    @classmethod
    def failed(cls, *, tokenizer: str, corpus: str, lang: str, metric: str, error: str, param: float | None = None) -> Row:
        """An error row: the value is null and `error` says why.

        Args:
            tokenizer: the tokenizer's name.
            corpus: the corpus name.
            lang: the language ('*' for the whole corpus).
            metric: the metric name.
            error: why there is no value.
            param: the metric's parameter, or None.

        Example:
            >>> Row.failed(tokenizer="t", corpus="c", lang="*", metric="fertility", error="no words").value is None
            True
        """
        return cls(tokenizer, corpus, lang, metric, param, None, None, None, 0, error)


@dataclass(frozen=True)
class Results:
    """A whole evaluation: tokenizer and language metadata plus the rows.

    Args:
        tokenizers: name → {"vocab_size", "backend", "kind", "source"}.
        langs: code → {"script", "spaceless"}.
        rows: the measurements.
        created: ISO 8601 time of the run (UTC).
        notes: what was not measured and why (one sentence each).

    Example:
        >>> r = Results(tokenizers={}, langs={}, rows=(Row("t", "c", "*", "parity_gini", None, 0.1),))
        >>> r.select(metric="parity_gini")[0].value
        0.1
    """

    tokenizers: dict[str, dict[str, Any]]
    langs: dict[str, dict[str, Any]]
    rows: tuple[Row, ...]
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    notes: tuple[str, ...] = ()

    def select(self, **where: Any) -> list[Row]:
        """Rows whose fields equal every `field=value` given.

        Args:
            where: `Row` field names and the values to match.

        Example:
            >>> r = Results(tokenizers={}, langs={}, rows=(Row("t", "c", "eng_Latn", "fertility", None, 1.3),))
            >>> len(r.select(metric="fertility", lang="eng_Latn")), len(r.select(lang="deu_Latn"))
            (1, 0)
        """
        return [r for r in self.rows if all(getattr(r, k) == v for k, v in where.items())]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of schema `tokensmith.results/2` (NaN and inf become null).

        Example:
            >>> d = Results(tokenizers={}, langs={}, rows=(Row("t", "c", "*", "fertility", None, float("nan")),)).to_dict()
            >>> d["schema"], d["rows"][0]["value"]
            ('tokensmith.results/2', None)
        """
        return {
            "schema": SCHEMA,
            "created": self.created,
            "tokenizers": self.tokenizers,
            "langs": self.langs,
            "notes": list(self.notes),
            "rows": [{k: _clean(v) for k, v in dataclasses.asdict(r).items()} for r in self.rows],
        }

    @classmethod
    def from_dict(cls, obj: dict[str, Any], *, where: str = "results") -> Results:
        """Parse a results object of schema /2 or /1, checking the schema tag.

        Args:
            obj: the parsed JSON object.
            where: how to name the source in error messages.

        Example:
            >>> old = {"schema": "tokensmith.results/1", "created": "2026-01-01", "rows": [{"tokenizer": "t",
            ...        "corpus": "c", "lang": "*", "metric": "parity_gini", "param": None, "value": 0.1}]}
            >>> Results.from_dict(old).rows[0].lossless is None
            True
        """
        if not isinstance(obj, dict) or obj.get("schema") not in READABLE_SCHEMAS:
            got = obj.get("schema") if isinstance(obj, dict) else type(obj).__name__
            raise CorpusError(
                f"{where} is not a tokensmith results file (schema {got!r}, expected {SCHEMA!r} or "
                f"{READABLE_SCHEMAS[0]!r}). Produce one with `tokensmith eval SPEC... -o results.json`."
            )
        names = [f.name for f in dataclasses.fields(Row)]
        rows = tuple(Row(**{k: r.get(k) for k in names}) for r in obj.get("rows", []))
        return cls(tokenizers=obj.get("tokenizers", {}), langs=obj.get("langs", {}), rows=rows, created=obj["created"],
                   notes=tuple(obj.get("notes") or ()))


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def write_json(results: Results, path: str | os.PathLike[str]) -> Path:
    """Write `results` as JSON atomically and return the path.

    Args:
        results: the evaluation.
        path: the file to write.

    Example:
        >>> import tempfile
        >>> r = Results(tokenizers={}, langs={}, rows=(Row("t", "c", "*", "fertility", None, 1.3),))
        >>> read_json(write_json(r, Path(tempfile.mkdtemp()) / "r.json")) == r
        True
    """
    text = json.dumps(results.to_dict(), ensure_ascii=False, indent=1)
    return atomic.write_text(path, text + "\n")


def read_json(path: str | os.PathLike[str]) -> Results:
    """Read a results JSON file written by `write_json`.

    Args:
        path: the JSON file.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "r.json"
        >>> _ = path.write_text('{"schema": "other"}')
        >>> read_json(path)
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: ...r.json' is not a tokensmith results file (schema 'other', expected 'tokensmith.results/2' or 'tokensmith.results/1'). Produce one with `tokensmith eval SPEC... -o results.json`.
    """
    p = Path(path)
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise CorpusError(f"results file '{p}' does not exist: run `tokensmith eval ... -o {p}` first.") from e
    except json.JSONDecodeError as e:
        raise CorpusError(f"results file '{p}' is not valid JSON ({e}); re-run `tokensmith eval` to rewrite it.") from e
    return Results.from_dict(obj, where=f"'{p}'")


def write_parquet(results: Results, path: str | os.PathLike[str]) -> Path:
    """Write the rows as parquet (one column per Row field) with the header JSON in the file metadata.

    Args:
        results: the evaluation.
        path: the file to write.

    Example:
        >>> import tempfile
        >>> r = Results(tokenizers={}, langs={}, rows=(Row("t", "c", "*", "fertility", None, 1.3),))
        >>> import pyarrow.parquet as pq
        >>> path = write_parquet(r, Path(tempfile.mkdtemp()) / "r.parquet")
        >>> pq.read_table(path).column("metric").to_pylist()
        ['fertility']
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    obj = results.to_dict()
    columns = {f.name: [r[f.name] for r in obj["rows"]] for f in dataclasses.fields(Row)}
    header = {k: v for k, v in obj.items() if k != "rows"}
    table = pa.table(columns).replace_schema_metadata({b"tokensmith": json.dumps(header).encode("utf-8")})
    with atomic.atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return Path(path)


def read_parquet(path: str | os.PathLike[str]) -> Results:
    """Read a results parquet file written by `write_parquet`.

    Args:
        path: the parquet file.

    Example:
        >>> import tempfile
        >>> r = Results(tokenizers={}, langs={}, rows=(Row("t", "c", "*", "fertility", None, 1.3),))
        >>> read_parquet(write_parquet(r, Path(tempfile.mkdtemp()) / "r.parquet")).rows[0].value
        1.3
    """
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    header = json.loads((table.schema.metadata or {}).get(b"tokensmith", b"{}"))
    return Results.from_dict({**header, "rows": table.to_pylist()}, where=f"'{path}'")


def read_results(path: str | os.PathLike[str]) -> Results:
    """Read a results file, JSON or parquet by its suffix.

    Args:
        path: a `.json` or `.parquet` file.

    Example:
        >>> import tempfile
        >>> r = Results(tokenizers={}, langs={}, rows=(Row("t", "c", "*", "fertility", None, 1.3),))
        >>> read_results(write_json(r, Path(tempfile.mkdtemp()) / "r.json")).rows == r.rows
        True
    """
    return read_parquet(path) if str(path).endswith(".parquet") else read_json(path)


def merge_results(parts: list[Results] | tuple[Results, ...]) -> Results:
    """One `Results` from several evaluations of one run (e.g. one per corpus): tokenizer and language metadata
    united, rows concatenated in order; other fields (the creation time) come from the first part.

    Args:
        parts: the evaluations, at least one.

    Raises:
        CorpusError: no parts, or a tokenizer or language whose metadata differs between two parts (they are not
            from one run; rename one of them or report them separately).

    Example:
        >>> meta = {"t": {"kind": "zoo"}}
        >>> a = Results(tokenizers=meta, langs={}, rows=(Row("t", "a", "*", "parity_gini", None, 0.1),))
        >>> b = Results(tokenizers=meta, langs={}, rows=(Row("t", "b", "*", "parity_gini", None, 0.2),))
        >>> merged = merge_results([a, b])
        >>> [r.corpus for r in merged.rows], list(merged.tokenizers)
        (['a', 'b'], ['t'])
    """
    if not parts:
        raise CorpusError("merge_results needs at least one Results to merge; got none.")
    tables: dict[str, dict[str, dict[str, Any]]] = {"tokenizers": {}, "langs": {}}
    for part in parts:
        for table, merged in tables.items():
            for key, meta in getattr(part, table).items():
                if merged.setdefault(key, meta) != meta:
                    raise CorpusError(
                        f"cannot merge results: {table[:-1]} '{key}' has metadata {merged[key]} in one part and "
                        f"{meta} in another. Merge only evaluations of one run, or rename one of them."
                    )
    rows = tuple(row for part in parts for row in part.rows)
    return dataclasses.replace(parts[0], tokenizers=tables["tokenizers"], langs=tables["langs"], rows=rows)
