"""The report's view of results files (schema `tokensmith.results/2`, or /1): read, merge, and query them.

The report reads the files `tokensmith eval` and `tokensmith demo` write (through `tokensmith.measure.results`,
JSON or parquet), never in-memory objects, so a report can be rebuilt later from the files alone. Rows are the
schema's frozen `Row`s (tokenizer × corpus × lang × metric × param); lang '*' marks a cross-language aggregate.
Rows flagged `lossless: false` make their tokenizer "lossy": the report names it "NAME (lossy)" everywhere
(`label`) and says why (`lossy_note`). Rows of /1 files have no flag (None) and flag nothing.
This module does not compute metrics: see `tokensmith.measure`.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokensmith.errors import TokensmithError
from tokensmith.measure.results import Row, read_results as _read_file

_HOW_TO_MAKE = "produce one with `tokensmith eval SPEC... -o results.json` or `tokensmith demo -o DIR`"


class ResultsFileError(TokensmithError):
    """A results file that is missing, not JSON, or not in the `tokensmith.results/2` (or /1) schema."""


@dataclass(frozen=True)
class ReportData:
    """One or more results files merged.

    Args:
        tokenizers: name → {"vocab_size", "backend", "kind", "source"}.
        langs: code → {"script", "spaceless"}.
        rows: every row; later files win on the same (tokenizer, corpus, lang, metric, param) key.
        sources: the files read, in order.

    Example:
        >>> ReportData(tokenizers={}, langs={}, rows=[]).metrics()
        set()
    """

    tokenizers: dict[str, dict[str, Any]]
    langs: dict[str, dict[str, Any]]
    rows: list[Row]
    sources: tuple[str, ...] = field(default=())

    @functools.cached_property
    def _valid(self) -> dict[str, list[Row]]:
        # metric → its rows with a finite value and no error: every query below starts from one metric
        by_metric: dict[str, list[Row]] = {}
        for r in self.rows:
            if r.error is None and _finite(r.value):
                by_metric.setdefault(r.metric, []).append(r)
        return by_metric

    def metrics(self) -> set[str]:
        """Names of the metrics that have at least one row without an error.

        Example:
            >>> rows = [Row("t", "c", "*", "fertility", None, 1.3),
            ...         Row.failed(tokenizer="t", corpus="c", lang="*", metric="unk_rate", error="no ids")]
            >>> ReportData(tokenizers={}, langs={}, rows=rows).metrics()
            {'fertility'}
        """
        return set(self._valid)

    def select(
        self, metric: str, *, param: float | None = None, any_param: bool = False, corpus: str | None = None
    ) -> list[Row]:
        """Rows of `metric` with a finite value (and the given `param` unless `any_param`, and `corpus` if given).

        Args:
            metric: the metric name.
            param: keep rows with this parameter (None: rows without one).
            any_param: keep rows whatever their parameter.
            corpus: keep only this corpus.

        Example:
            >>> rows = [Row("t", "c", "*", "renyi_efficiency", 2.5, 0.4),
            ...         Row("t", "c", "*", "renyi_efficiency", 3.0, 0.3)]
            >>> data = ReportData(tokenizers={}, langs={}, rows=rows)
            >>> [r.value for r in data.select("renyi_efficiency", param=2.5)]
            [0.4]
            >>> len(data.select("renyi_efficiency", any_param=True))
            2
        """
        return [
            r for r in self._valid.get(metric, [])
            if (any_param or _same_param(r.param, param)) and (corpus is None or r.corpus == corpus)
        ]

    @functools.cached_property
    def _main_corpora(self) -> dict[str, str]:
        out = {}
        for metric, rows in self._valid.items():
            langs: dict[str, set[str]] = {}
            for r in rows:
                langs.setdefault(r.corpus, set()).add(r.lang)
            out[metric] = min(langs, key=lambda c: (-len(langs[c]), c))
        return out

    def main_corpus(self, metric: str) -> str | None:
        """The corpus with the most languages measured for `metric` (ties: by name), so a plot shows one corpus.

        Args:
            metric: the metric name.

        Example:
            >>> rows = [Row("t", "udhr", "eng_Latn", "fertility", None, 1.2),
            ...         Row("t", "flores200", "eng_Latn", "fertility", None, 1.3),
            ...         Row("t", "flores200", "deu_Latn", "fertility", None, 1.5)]
            >>> data = ReportData(tokenizers={}, langs={}, rows=rows)
            >>> data.main_corpus("fertility"), data.main_corpus("unk_rate")
            ('flores200', None)
        """
        return self._main_corpora.get(metric)

    def errors(self) -> list[Row]:
        """Rows that carry an error message instead of a value.

        Example:
            >>> bad = Row.failed(tokenizer="t", corpus="c", lang="*", metric="fertility", error="no words")
            >>> [r.error for r in ReportData(tokenizers={}, langs={}, rows=[bad]).errors()]
            ['no words']
        """
        return [r for r in self.rows if r.error is not None]

    def aggregate(
        self, metric: str, tokenizer: str, *, param: float | None = None, corpus: str | None = None
    ) -> float | None:
        """The cross-language figure of `metric` for `tokenizer` on `corpus` (default: `main_corpus(metric)`): its
        '*' row when there is one, else the mean of the per-language values (None when there is no row).

        Args:
            metric: the metric name.
            tokenizer: the tokenizer's name.
            param: the metric's parameter (None: rows without one).
            corpus: the corpus; `main_corpus(metric)` by default.

        Example:
            >>> rows = [Row("t", "c", "eng_Latn", "parity_premium", None, 1.0),
            ...         Row("t", "c", "deu_Latn", "parity_premium", None, 1.4)]
            >>> data = ReportData(tokenizers={}, langs={}, rows=rows)
            >>> data.aggregate("parity_premium", "t"), data.aggregate("parity_premium", "other")
            (1.2, None)
        """
        corpus = corpus or self.main_corpus(metric)
        rows = [r for r in self.select(metric, param=param, corpus=corpus) if r.tokenizer == tokenizer]
        star = [r.value for r in rows if r.lang == "*"]
        if star:
            return float(star[0])
        values = [float(r.value) for r in rows]
        return sum(values) / len(values) if values else None

    @functools.cached_property
    def _lossy(self) -> dict[str, tuple[tuple[str, str], ...]]:
        found: dict[str, set[tuple[str, str]]] = {}
        for r in self.rows:
            if r.lossless is False:
                found.setdefault(r.tokenizer, set()).add((str(r.corpus), str(r.lang)))
        return {tok: tuple(sorted(v)) for tok, v in found.items()}

    def lossy(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """Tokenizer → the (corpus, lang) pairs it was not lossless on; only tokenizers with at least one.

        Example:
            >>> rows = [Row("bert", "udhr", "eng_Latn", "fertility", None, 1.0, lossless=False),
            ...         Row("bert", "udhr", "deu_Latn", "fertility", None, 1.2, lossless=False),
            ...         Row("gpt2", "udhr", "eng_Latn", "fertility", None, 1.1, lossless=True)]
            >>> ReportData(tokenizers={}, langs={}, rows=rows).lossy()
            {'bert': (('udhr', 'deu_Latn'), ('udhr', 'eng_Latn'))}
        """
        return dict(self._lossy)

    def label(self, tokenizer: str) -> str:
        """The tokenizer's name as the report shows it: "NAME (lossy)" when it was not lossless on some text.

        Args:
            tokenizer: a tokenizer name.

        Example:
            >>> rows = [Row("bert", "c", "eng", "fertility", None, 1.0, lossless=False)]
            >>> data = ReportData(tokenizers={}, langs={}, rows=rows)
            >>> data.label("bert"), data.label("gpt2")
            ('bert (lossy)', 'gpt2')
        """
        return f"{tokenizer} (lossy)" if tokenizer in self._lossy else tokenizer

    def lossy_note(self) -> str:
        """One sentence naming the lossy tokenizers and why their figures are not comparable ('' when none).

        Example:
            >>> bert = Row("bert", "udhr", "eng_Latn", "fertility", None, 1.0, lossless=False)
            >>> gpt2 = Row("gpt2", "udhr", "eng_Latn", "fertility", None, 1.1, lossless=True)
            >>> ReportData(tokenizers={}, langs={}, rows=[bert, gpt2]).lossy_note().split(". ")[0]
            '(lossy): bert on udhr (eng_Latn)'
            >>> ReportData(tokenizers={}, langs={}, rows=[gpt2]).lossy_note()
            ''
        """
        if not self._lossy:
            return ""
        parts = []
        for tok, pairs in self._lossy.items():
            corpora = sorted({c for c, _ in pairs})
            langs = sorted({lang for _, lang in pairs if lang != "*"})
            more = f" and {len(langs) - 3} more" if len(langs) > 3 else ""
            parts.append(f"{tok} on {', '.join(corpora)} ({', '.join(langs[:3])}{more})")
        return (f"(lossy): {'; '.join(parts)}. A lossy tokenizer's token bytes do not spell the text (unknown "
                "tokens, lower-casing, accent stripping or dropped spaces), so its compression and fertility look "
                "better than a tokenizer that keeps every byte; compare it with care.")

    def tokenizer_names(self) -> list[str]:
        """Tokenizers in the order the files list them, then any that only appear in rows.

        Example:
            >>> rows = [Row("late", "c", "*", "fertility", None, 1.3)]
            >>> ReportData(tokenizers={"b": {}, "a": {}}, langs={}, rows=rows).tokenizer_names()
            ['b', 'a', 'late']
        """
        return list(self._names)

    @functools.cached_property
    def _names(self) -> tuple[str, ...]:
        names = list(self.tokenizers)
        names += sorted({r.tokenizer for r in self.rows} - set(names))
        return tuple(names)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _same_param(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def _merge_rows(batches: Iterable[Sequence[Row]]) -> list[Row]:
    merged: dict[tuple[Any, ...], Row] = {}
    for rows in batches:
        for row in rows:
            merged[(row.tokenizer, row.corpus, row.lang, row.metric, row.param)] = row
    return list(merged.values())


def _read_one(path: Path) -> Any:
    if not path.is_file():
        raise ResultsFileError(f"results file '{path}' does not exist: {_HOW_TO_MAKE}.")
    try:
        results = _read_file(path)
    except TokensmithError:
        raise
    except (TypeError, AttributeError, KeyError, ValueError, OSError) as e:
        # A JSON/parquet file whose rows or header do not fit the schema (pyarrow errors are ValueErrors).
        raise ResultsFileError(
            f"'{path}' is not a readable tokensmith results file ({type(e).__name__}: {e}): {_HOW_TO_MAKE}."
        ) from e
    bad = [i for i, r in enumerate(results.rows) if not isinstance(r.metric, str) or not isinstance(r.tokenizer, str)]
    if bad:
        raise ResultsFileError(
            f"'{path}': row {bad[0]} has no tokenizer or metric name; regenerate the file: {_HOW_TO_MAKE}."
        )
    return results


def read_report_data(paths: Sequence[str | os.PathLike[str]]) -> ReportData:
    """Read and merge results files (JSON or parquet).

    Args:
        paths: one or more files in the `tokensmith.results/2` (or /1) schema; later files win on the same row key.

    Example:
        >>> read_report_data(["missing.json"])  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        tokensmith.report.data.ResultsFileError: results file 'missing.json' does not exist: ...
    """
    if not paths:
        raise ResultsFileError(f"no results file given: {_HOW_TO_MAKE}.")
    tokenizers: dict[str, dict[str, Any]] = {}
    langs: dict[str, dict[str, Any]] = {}
    batches = []
    for p in paths:
        results = _read_one(Path(p))
        tokenizers.update(results.tokenizers or {})
        langs.update(results.langs or {})
        batches.append(results.rows)
    return ReportData(tokenizers=tokenizers, langs=langs, rows=_merge_rows(batches),
                      sources=tuple(str(p) for p in paths))
