"""One self-contained HTML report from results files: plotly.js inlined once, no CDN, works offline.

Layout: a header with what was measured, a navigation bar, one section per plot (see `plots.PLOTS`; a section whose
metrics are absent names the command that produces them), a summary table per tokenizer, the error rows, and the
full table of rows (sortable and filterable by a few lines of inline JavaScript). Tokenizers that were not lossless
on some text are "NAME (lossy)" in every plot and table, and every plot section and the tables carry a note (class
"lossy-note") saying why. Every string from the results goes through `html.escape`. Widths are capped at 1200 px so
the page reads on a 1366×768 laptop screen.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from tokensmith import atomic
from tokensmith.report.data import ReportData, read_report_data
from tokensmith.report.plots import PLOTS, PlotSpec
from tokensmith.report.tables import summary_section, tables_sections

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1200px;margin:0 auto;padding:0 16px 40px}
header{background:#1d2b45;color:#fff;padding:14px 16px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c9d3e6;font-size:13px}
nav{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid #dde;padding:6px 16px;font-size:13px}
nav a{margin-right:14px;color:#2a5db0;text-decoration:none}
section{background:#fff;border:1px solid #e2e5ea;border-radius:6px;margin:14px 0;padding:10px 14px}
h2{font-size:16px;margin:4px 0 8px}.missing{color:#8a5a00;background:#fff7e0;padding:8px;border-radius:4px}
code{background:#eef1f5;padding:1px 4px;border-radius:3px}
.tablewrap{overflow:auto;max-height:520px}table{border-collapse:collapse;font-size:12px;width:100%}
th,td{padding:3px 6px;border-bottom:1px solid #eceef2;text-align:right;white-space:nowrap}
th{background:#f0f2f6;position:sticky;top:0;cursor:pointer;text-align:left}td:first-child{text-align:left}
td.txt{text-align:left}.err{color:#b00020}input.filter{margin:6px 0;padding:4px;width:280px}
.lossy-note{color:#7a3e00;background:#fff1e6;padding:6px 8px;border-radius:4px;font-size:13px}
"""

# Sort a table by a clicked header; filter rows by a text box. No external code.
_JS = """
function tsSort(th){const t=th.closest('table'),b=t.tBodies[0],i=[...th.parentNode.children].indexOf(th);
const asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';const rows=[...b.rows];
const key=r=>{const v=r.cells[i].dataset.v??r.cells[i].textContent;const f=parseFloat(v);return isNaN(f)?v:f};
rows.sort((a,c)=>{const x=key(a),y=key(c);return (x<y?-1:x>y?1:0)*(asc?1:-1)});rows.forEach(r=>b.appendChild(r))}
function tsFilter(inp,id){const q=inp.value.toLowerCase();for(const r of document.getElementById(id).tBodies[0].rows)
r.style.display=r.textContent.toLowerCase().includes(q)?'':'none'}
"""


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _plot_section(spec: PlotSpec, fig: Any, results: ReportData) -> str:
    note = results.lossy_note()
    if fig is None:
        needs = " or ".join(f"<code>{_esc(m)}</code>" for m in spec.metrics)
        body = (f'<p class="missing">No {needs} rows in these results. Produce them with '
                f"<code>{_esc(spec.how)}</code>, then pass that file to <code>tokensmith report</code>.</p>")
    else:
        config = {"displaylogo": False, "responsive": True}
        body = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"plot-{spec.key}", config=config,
                           default_width="100%", default_height=f"{fig.layout.height}px")
    note_html = f'<p class="lossy-note">{_esc(note)}</p>' if note and fig is not None else ""
    return f'<section id="{spec.key}"><h2>{_esc(spec.title)}</h2>{body}{note_html}</section>'


def _header(results: ReportData, title: str) -> str:
    langs = {r.lang for r in results.rows if r.lang != "*"}
    corpora = sorted({str(r.corpus) for r in results.rows})
    sources = ", ".join(os.path.basename(s) for s in results.sources)
    return (f"<header><h1>{_esc(title)}</h1><p>{len(results.tokenizer_names())} tokenizers · {len(langs)} "
            f"languages · corpora: {_esc(', '.join(corpora) or '–')} · {len(results.rows):,} rows · from "
            f"{_esc(sources)}</p></header>")


def _nav(specs: list[PlotSpec]) -> str:
    links = [(s.key, s.title) for s in specs] + [("summary", "Summary"), ("table", "Full table")]
    return "<nav>" + "".join(f'<a href="#{k}">{_esc(t)}</a>' for k, t in links) + "</nav>"


def render_report(results: ReportData, *, title: str = "tokensmith report") -> str:
    """The report page as one HTML string (plotly.js inlined once).

    Args:
        results: merged results (see `tokensmith.report.data.read_report_data`).
        title: the page title.

    Example:
        >>> from tokensmith.report.data import ReportData
        >>> page = render_report(ReportData(tokenizers={}, langs={}, rows=[]))
        >>> page.startswith("<!DOCTYPE html>")
        True
    """
    from plotly.offline import get_plotlyjs

    built = [(spec, spec.build(results)) for spec in PLOTS]
    shown = [(spec, fig) for spec, fig in built if fig is not None or not spec.optional]  # LM plots: only with rows
    sections = "".join(_plot_section(spec, fig, results) for spec, fig in shown)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style>'
            f"<script>{get_plotlyjs()}</script><script>{_JS}</script></head><body>{_header(results, title)}"
            f"{_nav([spec for spec, _ in shown])}<main>{sections}{summary_section(results)}{tables_sections(results)}</main></body></html>\n")


def write_report(
    paths: list[str | os.PathLike[str]], out: str | os.PathLike[str], *, title: str = "tokensmith report"
) -> Path:
    """Read results files and write the report atomically to `out`; return its path.

    Args:
        paths: results JSON files (merged; later files win on the same row key).
        out: the HTML file to write.
        title: the page title.

    Example:
        >>> import tempfile
        >>> from tokensmith.measure.results import Results, Row, write_json
        >>> folder = Path(tempfile.mkdtemp())
        >>> results = Results(tokenizers={}, langs={}, rows=(Row("t", "c", "*", "bytes_per_token", None, 4.2),))
        >>> page = write_report([write_json(results, folder / "results.json")], folder / "report.html")
        >>> page.name, "bytes_per_token" in page.read_text(encoding="utf-8")
        ('report.html', True)
    """
    page = render_report(read_report_data(paths), title=title)
    return atomic.write_text(out, page)
