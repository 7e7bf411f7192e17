"""The HTML report: every plot and table is present, nothing is fetched from the network, strings are escaped."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.fixtures.report.make_results import synthetic_results
from tokensmith.errors import TokensmithError
from tokensmith.measure.results import Row
from tokensmith.report.data import ReportData, read_report_data
from tokensmith.report.html import render_report, write_report

PLOT_IDS = ["plot-parity", "plot-compression", "plot-fertility", "plot-boundaries", "plot-robustness"]


class Page(HTMLParser):
    """Collects ids, external references, inline scripts and the rows of each table."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.external: list[str] = []
        self.scripts = 0
        self.table_rows: dict[str, int] = {}
        self.missing: list[str] = []
        self._table: str | None = None
        self._in_missing = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("src", "href"):
            if a.get(key) and not a[key].startswith("#"):
                self.external.append(f"{tag} {key}={a[key]}")
        if tag in ("link", "iframe", "img", "object", "embed"):
            self.external.append(tag)
        self.scripts += tag == "script"
        if tag == "table":
            self._table = a.get("id")
            self.table_rows[self._table] = 0
        if tag == "tr" and self._table:
            self.table_rows[self._table] += 1
        if tag == "p" and a.get("class") == "missing":
            self._in_missing = True
            self.missing.append("")

    def handle_endtag(self, tag):
        if tag == "p":
            self._in_missing = False

    def handle_data(self, data):
        if self._in_missing:
            self.missing[-1] += data


def _write(tmp_path: Path, doc: dict, name: str = "results.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    return parser


def test_report_has_every_plot_and_both_tables_and_is_offline(tmp_path):
    doc = synthetic_results()
    out = write_report([_write(tmp_path, doc)], tmp_path / "report.html")
    page = _parse(out.read_text(encoding="utf-8"))
    assert set(PLOT_IDS) <= page.ids
    assert {"summary-table", "full-table", "error-table"} <= page.ids
    assert page.external == []
    # The full table: a header row plus one row per tokenizer × corpus × language; the summary: one per tokenizer.
    keys = {(r["tokenizer"], r["corpus"], r["lang"]) for r in doc["rows"]}
    assert page.table_rows["full-table"] == 1 + len(keys)
    assert page.table_rows["summary-table"] == 1 + len(doc["tokenizers"])
    assert page.missing == []


def test_plotly_js_is_inlined_exactly_once(tmp_path):
    page = render_report(read_report_data([_write(tmp_path, synthetic_results())]))
    assert page.count("plotly.js v") == 1 or page.count("* plotly.js") == 1
    assert "cdn.plot.ly" not in page.split("</head>")[1]


def test_missing_metrics_name_the_command_that_produces_them(tmp_path):
    doc = synthetic_results(with_errors=False)
    doc["rows"] = [r for r in doc["rows"] if r["metric"] in ("bytes_per_token", "fertility")]
    page = _parse(render_report(read_report_data([_write(tmp_path, doc)])))
    assert {"plot-compression", "plot-fertility"} <= page.ids
    assert not {"plot-parity", "plot-boundaries", "plot-robustness"} & page.ids
    text = " ".join(page.missing)
    assert "--parallel udhr" in text and "--morph DIR --compounds FILE" in text and "--noise" in text


def test_strings_from_the_results_are_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    doc = synthetic_results(tokenizers={evil: (1000, "hf", "trained", 1.0), "ok": (2000, "hf", "zoo", 1.2)})
    page = render_report(read_report_data([_write(tmp_path, doc)]))
    assert evil not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_summary_uses_the_aggregate_row_else_the_mean_over_languages():
    rows = [Row("t", "c", "eng", "fertility", None, 1.0), Row("t", "c", "deu", "fertility", None, 2.0),
            Row("t", "c", "eng", "bytes_per_token", None, 3.0), Row("t", "c", "*", "bytes_per_token", None, 4.0)]
    data = ReportData(tokenizers={"t": {"vocab_size": 10, "kind": "file", "backend": "hf"}}, langs={}, rows=rows)
    assert data.aggregate("fertility", "t") == 1.5
    assert data.aggregate("bytes_per_token", "t") == 4.0
    assert data.aggregate("parity_gini", "t") is None


def test_later_files_win_on_the_same_row_key(tmp_path):
    first = synthetic_results(seed=1, with_errors=False)
    second = synthetic_results(seed=2, with_errors=False)
    merged = read_report_data([_write(tmp_path, first, "a.json"), _write(tmp_path, second, "b.json")])
    assert len(merged.rows) == len(first["rows"])
    key = ("gpt2", "udhr", "deu", "fertility")
    want = next(r["value"] for r in second["rows"] if (r["tokenizer"], r["corpus"], r["lang"], r["metric"]) == key)
    got = next(r.value for r in merged.rows if (r.tokenizer, r.corpus, r.lang, r.metric) == key)
    assert got == want


@pytest.mark.parametrize(
    ("content", "needle"),
    [(None, "does not exist"), ("{not json", "not valid JSON"), ('{"schema": "other"}', "not a tokensmith results"),
     ('{"schema": "tokensmith.results/1", "created": "x", "rows": [3]}', "not a readable")],
)
def test_bad_results_files_are_user_errors(tmp_path, content, needle):
    path = tmp_path / "r.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(TokensmithError, match=needle):
        read_report_data([path])


def test_full_table_puts_each_value_under_its_metric_column(tmp_path):
    rows = [Row("t", "c", "eng", "fertility", None, 1.25, 1.0, 1.5, 7),
            Row("t", "c", "eng", "renyi_efficiency", 2.5, 0.5), Row("t", "c", "*", "parity_gini", None, 0.125)]
    page = render_report(ReportData(tokenizers={}, langs={}, rows=rows))
    table = page.split('id="full-table"')[1].split("</table>")[0]
    head = table.split("</thead>")[0]
    assert head.index("fertility") < head.index("parity_gini") < head.index("renyi_efficiency α=2.5")
    assert 'title="95% CI 1 – 1.5, n=7">1.25</td>' in table
    # '*' rows (aggregates) come before the languages of the same tokenizer and corpus.
    assert table.index("<td class=\"txt\">*</td>") < table.index("<td class=\"txt\">eng</td>")


def test_a_parquet_results_file_gives_the_same_report_data(tmp_path):
    pytest.importorskip("pyarrow")
    from tokensmith.measure.results import read_json, write_parquet

    doc = synthetic_results()
    js = _write(tmp_path, doc)
    pq = write_parquet(read_json(js), tmp_path / "results.parquet")
    a, b = read_report_data([js]), read_report_data([pq])
    assert a.tokenizers == b.tokenizers and sorted(map(repr, a.rows)) == sorted(map(repr, b.rows))



def _sections(page: str) -> dict[str, str]:
    """Section id → its HTML (plotly's figure JSON included)."""
    return {chunk.split('"', 1)[0]: chunk.split("</section>", 1)[0] for chunk in page.split('<section id="')[1:]}


def test_a_lossy_tokenizer_is_flagged_in_every_plot_and_table_with_a_note(tmp_path):
    toks = {"gpt2": (50257, "hf", "zoo", 1.6), "bert-base-uncased": (30522, "hf", "zoo", 1.1)}
    doc = synthetic_results(tokenizers=toks, lossy=("bert-base-uncased",), with_errors=False)
    page = render_report(read_report_data([_write(tmp_path, doc)]))
    sections = _sections(page)
    for key in ("parity", "compression", "fertility", "boundaries", "robustness", "summary", "table"):
        assert "bert-base-uncased (lossy)" in sections[key], key
        assert "gpt2 (lossy)" not in sections[key], key
        note = sections[key].split('<p class="lossy-note">', 1)[1].split("</p>", 1)[0]
        assert note.startswith("(lossy): bert-base-uncased on ") and "do not spell the text" in note, key
    # the full table's lossless column: 'no' on every bert row, 'yes' on every gpt2 row
    body = sections["table"].split("<tbody>", 1)[1]
    cells: dict[str, set[str]] = {}
    for row in body.split("<tr><td>")[1:]:
        name = row.split("</td>", 1)[0]
        cells.setdefault(name, set()).add(row.split('data-v="', 1)[1].split('"', 1)[0])
    assert cells["bert-base-uncased (lossy)"] == {"no"} and cells["gpt2"] == {"yes"}


def test_no_note_when_every_tokenizer_is_lossless(tmp_path):
    page = render_report(read_report_data([_write(tmp_path, synthetic_results())]))
    assert 'class="lossy-note"' not in page and "(lossy)" not in page


def test_a_schema_1_file_still_makes_a_report_with_lossless_unknown(tmp_path):
    doc = synthetic_results(version=1, with_errors=False)
    data = read_report_data([_write(tmp_path, doc)])
    assert {r.lossless for r in data.rows} == {None} and data.lossy() == {}
    table = _sections(render_report(data))["table"]
    assert 'data-v="?">?</td>' in table and 'data-v="no"' not in table
