"""The report's tables: a summary per tokenizer, the error rows, and the full table of results.

The full table is wide: one row per tokenizer × corpus × language, one column per metric (and parameter), the 95%
interval and n in each cell's tooltip, and whether the tokenizer was lossless on that text. A long table (one row per
result) would hold 13× more rows and, at 80,000 rows for the demo, make the page slow to open. Tokenizers that were
not lossless on some text are named "NAME (lossy)" in every table. Every string from the results goes through
`html.escape`.
"""

from __future__ import annotations

import html
from typing import Any

from tokensmith.measure.results import Row
from tokensmith.report.data import ReportData

# (metric, param, header, format) columns of the summary table; cross-language figures.
SUMMARY = (
    ("bytes_per_token", None, "bytes/token", "{:.2f}"),
    ("fertility", None, "fertility", "{:.2f}"),
    ("continued_words", None, "continued words", "{:.1%}"),
    ("parity_max_premium", None, "max premium", "{:.2f}"),
    ("parity_gini", None, "parity Gini", "{:.3f}"),
    ("renyi_efficiency", 2.5, "Rényi eff. α=2.5", "{:.3f}"),
    ("vocab_utilization", None, "vocab used", "{:.1%}"),
    ("morph_f1", None, "morph F1", "{:.3f}"),
    ("compound_boundary_rate", None, "compound hit", "{:.1%}"),
)


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _fmt(value: Any, pattern: str = "{:.4g}") -> str:
    if value is None:
        return "–"
    return _esc(pattern.format(value)) if isinstance(value, (int, float)) else _esc(value)


def summary_section(results: ReportData) -> str:
    """One row per tokenizer with its cross-language figures (columns without any data are left out).

    Args:
        results: the merged results.

    Example:
        >>> row = Row("t", "flores200", "*", "bytes_per_token", None, 4.2)
        >>> data = ReportData(tokenizers={"t": {}}, langs={}, rows=[row])
        >>> html_text = summary_section(data)
        >>> html_text.startswith('<section id="summary">'), "4.2" in html_text
        (True, True)
    """
    present = results.metrics()
    columns = [c for c in SUMMARY if c[0] in present]  # columns with no data at all are left out
    head = "".join(f"<th onclick=tsSort(this)>{_esc(h)}</th>" for h in
                   ("tokenizer", "kind", "backend", "vocab", "lossless") + tuple(c[2] for c in columns))
    body = []
    for tok in results.tokenizer_names():
        meta = results.tokenizers.get(tok, {})
        cells = [f'<td class="txt">{_esc(results.label(tok))}</td>',
                 f'<td class="txt">{_esc(meta.get("kind", "?"))}</td>',
                 f'<td class="txt">{_esc(meta.get("backend", "?"))}</td>',
                 f'<td data-v="{_esc(meta.get("vocab_size", ""))}">{_fmt(meta.get("vocab_size"), "{:,}")}</td>',
                 _lossless_cell([r.lossless for r in results.rows if r.tokenizer == tok])]
        for metric, param, _, pattern in columns:
            value = results.aggregate(metric, tok, param=param)
            cells.append(f'<td data-v="{"" if value is None else value}">{_fmt(value, pattern)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    corpora = ", ".join(sorted({str(results.main_corpus(c[0])) for c in columns}))
    return ('<section id="summary"><h2>Summary per tokenizer</h2><p>Cross-language figures: the aggregate row '
            "when the results have one, else the mean over languages, on the corpus with the most languages for "
            f"that metric ({_esc(corpora)}). Click a header to sort.</p>"
            f'{_lossy_note(results)}<div class="tablewrap"><table id="summary-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div></section>')


def _lossy_note(results: ReportData) -> str:
    note = results.lossy_note()
    return f'<p class="lossy-note">{_esc(note)}</p>' if note else ""


def _lossless_cell(flags: list[bool | None]) -> str:
    """'no' when any row is not lossless, 'yes' when every row is, '?' when unknown (schema /1 files)."""
    if False in flags:
        return '<td class="txt err" data-v="no">no</td>'
    if flags and None not in flags:
        return '<td class="txt" data-v="yes">yes</td>'
    return '<td class="txt" data-v="?">?</td>'


def _labelled(results: ReportData, rows: list[Row]) -> list[tuple[str, Row]]:
    return [(results.label(r.tokenizer), r) for r in rows]


def _row_html(label: str, r: Row) -> str:
    ci = "–" if r.ci_low is None else f"{_fmt(r.ci_low)} – {_fmt(r.ci_high)}"
    err = f'<td class="txt err">{_esc(r.error)}</td>' if r.error else '<td class="txt"></td>'
    value = "" if r.value is None else r.value
    return (f'<tr><td>{_esc(label)}</td><td class="txt">{_esc(r.corpus)}</td>'
            f'<td class="txt">{_esc(r.lang)}</td><td class="txt">{_esc(r.metric)}</td>'
            f'<td>{_fmt(r.param)}</td><td data-v="{_esc(value)}">{_fmt(r.value)}</td><td>{ci}</td>'
            f'<td>{_fmt(r.n)}</td>{err}</tr>')


def _rows_table(rows: list[tuple[str, Row]], *, table_id: str) -> str:
    head = "".join(f"<th onclick=tsSort(this)>{h}</th>" for h in
                   ("tokenizer", "corpus", "lang", "metric", "param", "value", "95% CI", "n", "error"))
    return (f'<input class="filter" placeholder="filter rows…" oninput="tsFilter(this,\'{table_id}\')">'
            f'<div class="tablewrap"><table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(_row_html(label, r) for label, r in rows) + "</tbody></table></div>")


def _column_label(metric: str, param: float | None) -> str:
    if param is None:
        return metric
    return f"{metric} α={param:g}" if metric == "renyi_efficiency" else f"{metric} @{param:g}"


def _wide_cell(r: Row | None) -> str:
    if r is None:
        return "<td></td>"
    if r.error is not None:
        return f'<td class="err" title="{_esc(r.error)}">error</td>'
    ci = "" if r.ci_low is None else f"95% CI {_fmt(r.ci_low)} – {_fmt(r.ci_high)}, "
    return f'<td data-v="{_esc(r.value)}" title="{ci}n={_esc(r.n)}">{_fmt(r.value)}</td>'


def wide_table(results: ReportData, *, table_id: str = "full-table") -> tuple[str, int]:
    """The full results as a wide table (see module docstring); returns (html, number of body rows).

    Args:
        results: the merged results.
        table_id: the HTML id of the table.

    Example:
        >>> page, n = wide_table(ReportData(tokenizers={}, langs={}, rows=[]))
        >>> n
        0
    """
    order = {name: i for i, name in enumerate(results.tokenizer_names())}
    columns = sorted({(r.metric, r.param) for r in results.rows}, key=lambda c: (c[0], c[1] or 0.0))
    cells: dict[tuple[str, str, str], dict[tuple[str, float | None], Row]] = {}
    for r in results.rows:
        cells.setdefault((r.tokenizer, str(r.corpus), str(r.lang)), {})[(r.metric, r.param)] = r
    keys = sorted(cells, key=lambda k: (order.get(k[0], len(order)), k[0], k[1], k[2] != "*", k[2]))
    head = "".join(f"<th onclick=tsSort(this)>{_esc(h)}</th>" for h in
                   ("tokenizer", "corpus", "lang", "lossless", *(_column_label(m, p) for m, p in columns)))
    body = "".join(
        f'<tr><td>{_esc(results.label(k[0]))}</td><td class="txt">{_esc(k[1])}</td><td class="txt">{_esc(k[2])}</td>'
        + _lossless_cell([r.lossless for r in cells[k].values()])
        + "".join(_wide_cell(cells[k].get(c)) for c in columns) + "</tr>"
        for k in keys
    )
    return (f'<input class="filter" placeholder="filter rows…" oninput="tsFilter(this,\'{table_id}\')">'
            f'<div class="tablewrap"><table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}'
            "</tbody></table></div>", len(keys))


def tables_sections(results: ReportData) -> str:
    """The error rows (when there are any) and the full wide table.

    Args:
        results: the merged results.

    Example:
        >>> bad = Row.failed(tokenizer="t", corpus="c", lang="*", metric="fertility", error="no words")
        >>> html_text = tables_sections(ReportData(tokenizers={}, langs={}, rows=[bad]))
        >>> "Errors (1)" in html_text, "no words" in html_text
        (True, True)
    """
    errors = results.errors()
    err = (f'<section id="errors"><h2>Errors ({len(errors)})</h2><p>Tokenizer × language pairs that failed; the '
           f"run went on without them.</p>{_rows_table(_labelled(results, errors), table_id='error-table')}"
           "</section>" if errors else "")  # fmt: skip
    table, n = wide_table(results)
    full = (f'<section id="table"><h2>Full table</h2><p>{len(results.rows):,} results as {n:,} rows, one per '
            "tokenizer × corpus × language ('*' = across languages). Hover a value for its 95% interval and n; "
            "'lossless' says whether the tokenizer's token bytes spelled every sentence of that text. Click a header "
            f"to sort.</p>{_lossy_note(results)}{table}</section>")
    return err + full
