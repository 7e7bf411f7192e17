"""The report's figures, one function per plot, built with plotly from a merged results file.

Each builder returns a plotly Figure, or None when the results hold none of the metrics it needs (the page then
says which command produces them). A tokenizer that was not lossless on some text is named "NAME (lossy)" in every
legend, label and hover text (`ReportData.label`); html.py adds the note that says why. Every string that comes
from the results is HTML-escaped before it reaches plotly, whose labels accept a few HTML tags. plotly is imported lazily: `import tokensmith` stays light.
"""

from __future__ import annotations

import html
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tokensmith.measure.results import Row
from tokensmith.report.data import ReportData

if TYPE_CHECKING:
    import plotly.graph_objects as go

# Laptop-friendly height; the width follows the page (max ~1200 px).
HEIGHT = 430
_MARGIN = {"l": 60, "r": 20, "t": 56, "b": 60}
# Log-axis ticks for ratios (plotly labels minor log ticks with bare digits otherwise).
_RATIO_TICKS = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32]


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _layout(fig: go.Figure, *, title: str, xaxis: str, yaxis: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(
        title={"text": _esc(title), "font": {"size": 13}, "x": 0, "xref": "paper", "y": 0.995, "yanchor": "top"},
        height=height, margin=_MARGIN, template="plotly_white",
        legend={"font": {"size": 11}, "tracegroupgap": 2},
        xaxis_title=xaxis, yaxis_title=yaxis, hovermode="closest",
    )
    return fig


def _parity_values(results: ReportData) -> tuple[str | None, dict[str, dict[str, float]]]:
    corpus = results.main_corpus("parity_premium")
    per_tok: dict[str, dict[str, float]] = defaultdict(dict)
    for r in results.select("parity_premium", corpus=corpus):
        if r.lang != "*":
            per_tok[r.tokenizer][r.lang] = float(r.value)
    return corpus, per_tok


def _parity_buttons(n_traces: int, n_langs: int) -> list[dict[str, Any]]:
    """Two views of the same premiums: each tokenizer's own sorted curve (first half of the traces), or all
    tokenizers over languages sorted by their median premium (second half)."""
    half = n_traces // 2
    ranked = {"xaxis.type": "linear", "xaxis.title.text": "languages, each tokenizer sorted by its own premium",
              "xaxis.showticklabels": True}
    by_lang = {"xaxis.type": "category", "xaxis.title.text": "language (sorted by the median premium)",
               "xaxis.showticklabels": n_langs <= 120}
    return [
        {"label": "sorted per tokenizer", "method": "update",
         "args": [{"visible": [True] * half + [False] * half}, ranked]},
        {"label": "by language", "method": "update", "args": [{"visible": [False] * half + [True] * half}, by_lang]},
    ]


def parity_premium(results: ReportData) -> go.Figure | None:
    """Parity premium per language (token count relative to English; Petrov et al. 2023), one line per tokenizer
    over every language, sorted. Two views (buttons): each tokenizer's premiums sorted (a clean distribution
    curve; hover names the language) and all tokenizers over the languages sorted by median premium. Log y axis,
    so 2× and 0.5× look alike.

    Args:
        results: the merged results.

    Example:
        >>> rows = [Row("t", "flores200", "eng_Latn", "parity_premium", None, 1.0),
        ...         Row("t", "flores200", "jpn_Jpan", "parity_premium", None, 1.6)]
        >>> fig = parity_premium(ReportData(tokenizers={}, langs={}, rows=rows))
        >>> list(fig.data[0].y), fig.layout.yaxis.type
        ([1.0, 1.6], 'log')
        >>> parity_premium(ReportData(tokenizers={}, langs={}, rows=[])) is None  # nothing to plot
        True
    """
    import plotly.graph_objects as go

    corpus, per_tok = _parity_values(results)
    if not per_tok:
        return None
    langs = sorted({lang for v in per_tok.values() for lang in v},
                   key=lambda lang: statistics.median(v[lang] for v in per_tok.values() if lang in v))
    toks = [t for t in results.tokenizer_names() if per_tok.get(t)]
    fig = go.Figure()
    for view in ("ranked", "by_lang"):
        for tok in toks:
            values = per_tok[tok]
            pairs = sorted(values.items(), key=lambda kv: kv[1]) if view == "ranked" else [
                (lang, values.get(lang)) for lang in langs]
            style = _line_style(results, tok)
            fig.add_trace(go.Scatter(
                x=list(range(1, len(pairs) + 1)) if view == "ranked" else [_esc(lang) for lang, _ in pairs],
                y=[v for _, v in pairs], text=[_esc(lang) for lang, _ in pairs], name=_esc(results.label(tok)),
                legendgroup=_esc(tok), showlegend=view == "ranked", visible=view == "ranked",
                mode="lines+markers", marker={"size": 3, "color": style["color"]}, line=style,
                hovertemplate="%{text}: %{y:.2f}× English<extra>" + _esc(results.label(tok)) + "</extra>",
            ))
    fig.add_hline(y=1.0, line_dash="dot", line_color="grey")
    _layout(fig, title=f"Parity premium on {corpus}: {len(langs)} languages, sorted",
            xaxis="languages, each tokenizer sorted by its own premium", yaxis="tokens relative to English")
    fig.update_layout(updatemenus=[{"type": "buttons", "direction": "right", "x": 0.6, "xanchor": "center", "y": 1.13,
                                    "buttons": _parity_buttons(2 * len(toks), len(langs)), "font": {"size": 11}}])
    fig.update_yaxes(type="log", tickvals=_RATIO_TICKS)
    fig.update_xaxes(tickangle=-90, tickfont={"size": 8})
    return fig


def compression_vs_vocab(results: ReportData) -> go.Figure | None:
    """Bytes per token (cross-language figure) against vocabulary size, one marker per tokenizer, by kind.

    Args:
        results: the merged results (vocabulary sizes come from `results.tokenizers`).

    Example:
        >>> data = ReportData(tokenizers={"t": {"vocab_size": 100, "kind": "trained"}}, langs={},
        ...                   rows=[Row("t", "flores200", "*", "bytes_per_token", None, 4.2)])
        >>> fig = compression_vs_vocab(data)
        >>> list(fig.data[0].x), list(fig.data[0].y)
        ([100], [4.2])
    """
    import plotly.graph_objects as go

    points: dict[str, list[tuple[str, int, float]]] = defaultdict(list)
    for tok in results.tokenizer_names():
        meta = results.tokenizers.get(tok, {})
        value = results.aggregate("bytes_per_token", tok)
        if value is not None and meta.get("vocab_size"):
            points[str(meta.get("kind", "file"))].append((tok, int(meta["vocab_size"]), value))
    if not points:
        return None
    fig = go.Figure()
    for kind, pts in sorted(points.items()):
        fig.add_trace(go.Scatter(
            x=[p[1] for p in pts], y=[p[2] for p in pts], text=[_esc(results.label(p[0])) for p in pts], name=_esc(kind),
            mode="markers+text", textposition="top center", marker={"size": 10},
            hovertemplate="%{text}<br>vocab %{x:,}<br>%{y:.2f} bytes/token<extra></extra>",
        ))
    _layout(fig, title=f"Compression against vocabulary size on {results.main_corpus('bytes_per_token')}", xaxis="vocabulary size (log)",
            yaxis="bytes per token (higher is better)")
    fig.update_xaxes(type="log")
    return fig


def fertility_by_script(results: ReportData) -> go.Figure | None:
    """Mean fertility (tokens per word) per script and tokenizer as a heat map; scripts written without spaces are
    marked '*' because their figure is per character.

    Args:
        results: the merged results (scripts come from `results.langs`).

    Example:
        >>> langs = {"eng_Latn": {"script": "Latn", "spaceless": False},
        ...          "jpn_Jpan": {"script": "Jpan", "spaceless": True}}
        >>> rows = [Row("t", "flores200", "eng_Latn", "fertility", None, 1.3),
        ...         Row("t", "flores200", "jpn_Jpan", "fertility", None, 0.9)]
        >>> fig = fertility_by_script(ReportData(tokenizers={}, langs=langs, rows=rows))
        >>> fig.data[0].type, list(fig.data[0].x)
        ('heatmap', ['Jpan*', 'Latn'])
    """
    import plotly.graph_objects as go

    corpus = results.main_corpus("fertility")
    cells: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in results.select("fertility", corpus=corpus):
        meta = results.langs.get(r.lang)
        if r.lang != "*" and meta:
            cells[(r.tokenizer, str(meta.get("script", "?")))].append(float(r.value))
    if not cells:
        return None
    spaceless = {str(m.get("script")) for m in results.langs.values() if m.get("spaceless")}
    count = defaultdict(int)
    for m in results.langs.values():
        count[str(m.get("script", "?"))] += 1
    scripts = sorted({s for _, s in cells}, key=lambda s: (-count[s], s))
    toks = [t for t in results.tokenizer_names() if any((t, s) in cells for s in scripts)]
    z = [[statistics.fmean(cells[(t, s)]) if (t, s) in cells else None for s in scripts] for t in toks]
    labels = [_esc(s) + ("*" if s in spaceless else "") for s in scripts]
    fig = go.Figure(go.Heatmap(
        z=z, x=labels, y=[_esc(results.label(t)) for t in toks], colorscale="YlOrRd", texttemplate="%{z:.2f}",
        textfont={"size": 10}, hovertemplate="%{y} · %{x}: %{z:.2f} tokens/word<extra></extra>",
        colorbar={"title": {"text": "tokens/word"}},
    ))
    height = max(260, 90 + 28 * len(toks))
    _layout(fig, title=f"Fertility by script on {corpus} (* = written without spaces: tokens per character)",
            xaxis="script (most languages first)", yaxis="", height=height)
    fig.update_yaxes(autorange="reversed")
    return fig


def boundary_f1(results: ReportData) -> go.Figure | None:
    """Morphological boundary F1 per language and the German compound boundary rate, per tokenizer, with the
    bootstrap 95% interval as error bars.

    Args:
        results: the merged results.

    Example:
        >>> rows = [Row("t", "sigmorphon", "eng_Latn", "morph_f1", None, 0.4, 0.3, 0.5)]
        >>> fig = boundary_f1(ReportData(tokenizers={}, langs={}, rows=rows))
        >>> fig.data[0].type, list(fig.data[0].y)
        ('bar', [0.4])
    """
    import plotly.graph_objects as go

    series: dict[str, list[Row]] = defaultdict(list)
    for r in results.select("morph_f1"):
        series[f"morph F1 ({r.lang})"].append(r)
    for r in results.select("compound_boundary_rate"):
        series[f"compound split hit ({r.lang})"].append(r)
    if not series:
        return None
    fig = go.Figure()
    for label, rows in sorted(series.items()):
        rows = sorted(rows, key=lambda r: results.tokenizer_names().index(r.tokenizer))
        fig.add_trace(go.Bar(
            x=[_esc(results.label(r.tokenizer)) for r in rows], y=[r.value for r in rows], name=_esc(label),
            error_y=_error_bars(rows), hovertemplate="%{x}: %{y:.3f}<extra>" + _esc(label) + "</extra>",
        ))
    _layout(fig, title="Boundary F1: morphology (SIGMORPHON 2022) and compounds", xaxis="tokenizer",
            yaxis="F1 / share (higher is better)")
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 1])
    return fig


def _error_bars(rows: list[Row]) -> dict[str, Any]:
    ok = all(r.ci_low is not None and r.ci_high is not None for r in rows)
    if not ok:
        return {"visible": False}
    return {"type": "data", "symmetric": False, "array": [r.ci_high - r.value for r in rows],
            "arrayminus": [r.value - r.ci_low for r in rows], "thickness": 1}


def robustness(results: ReportData) -> go.Figure | None:
    """Normalized edit distance between clean and noisy id sequences against the noise rate, one curve per
    tokenizer (left), and the sequence growth (right).

    Args:
        results: the merged results (rows with param = noise rate).

    Example:
        >>> rows = [Row("t", "flores200", "*", "noise_edit_distance", 0.1, 0.2),
        ...         Row("t", "flores200", "*", "noise_length_growth", 0.1, 0.05)]
        >>> fig = robustness(ReportData(tokenizers={}, langs={}, rows=rows))
        >>> [list(trace.y) for trace in fig.data]
        [[0.2], [0.05]]
    """
    from plotly.subplots import make_subplots

    import plotly.graph_objects as go

    panels = ("noise_edit_distance", "noise_length_growth")
    if not any(results.select(m, any_param=True) for m in panels):
        return None
    fig = make_subplots(rows=1, cols=2, subplot_titles=("edit distance of ids", "sequence growth"))
    for col, metric in enumerate(panels, start=1):
        rates = sorted({float(r.param) for r in results.select(metric, any_param=True) if r.param is not None})
        for tok in results.tokenizer_names():
            ys = [results.aggregate(metric, tok, param=rate) for rate in rates]
            if any(y is not None for y in ys):
                fig.add_trace(go.Scatter(
                    x=rates, y=ys, name=_esc(results.label(tok)), legendgroup=_esc(tok), showlegend=col == 1,
                    mode="lines+markers",
                    marker={"color": _line_style(results, tok)["color"]}, line=_line_style(results, tok),
                    hovertemplate="rate %{x}: %{y:.3f}<extra>" + _esc(results.label(tok)) + "</extra>",
                ), row=1, col=col)
    _layout(fig, title="Robustness to character noise", xaxis="noise rate", yaxis="normalized edit distance")
    fig.update_xaxes(title_text="noise rate", row=1, col=2)
    fig.update_yaxes(title_text="relative growth", row=1, col=2)
    return fig


def bits_per_byte_vs_flops(results: ReportData) -> go.Figure | None:
    """Bits per byte (with its 95% CI) against training FLOPs, one marker per model, one series per architecture
    (the rows `tokensmith lm compare` writes: metric `bits_per_byte`, `param` = training FLOPs, the header's
    `backend` = the architecture); a corpus of its own gets its own series.

    Args:
        results: the merged results.

    Example:
        >>> rows = [Row("byte-s0", "wiki", "eng_Latn", "bits_per_byte", 1e11, 3.1, 3.0, 3.2),
        ...         Row("bpe-s0", "wiki", "eng_Latn", "bits_per_byte", 1e11, 2.5, 2.4, 2.6)]
        >>> data = ReportData(tokenizers={"byte-s0": {"backend": "byte"}, "bpe-s0": {"backend": "subword"}},
        ...                   langs={}, rows=rows)
        >>> [(t.name, list(t.y)) for t in bits_per_byte_vs_flops(data).data]
        [('subword', [2.5]), ('byte', [3.1])]
    """
    import plotly.graph_objects as go

    rows = [r for r in results.select("bits_per_byte", any_param=True) if r.param]
    if not rows:
        return None
    corpora = sorted({str(r.corpus) for r in rows})
    series: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        arch = str(results.tokenizers.get(r.tokenizer, {}).get("backend", "model"))
        series[arch if len(corpora) == 1 else f"{arch}, {r.corpus}"].append(r)
    fig = go.Figure()
    for name, pts in sorted(series.items(), key=lambda kv: min(p.value for p in kv[1])):
        fig.add_trace(go.Scatter(
            x=[p.param for p in pts], y=[p.value for p in pts], name=_esc(name), mode="markers",
            text=[_esc(results.label(p.tokenizer)) for p in pts], marker={"size": 9}, error_y=_error_bars(pts),
            hovertemplate="%{text}<br>%{x:.3g} FLOPs<br>%{y:.3f} bits/byte<extra></extra>",
        ))
    _layout(fig, title=f"Bits per byte against training FLOPs on {', '.join(corpora)}",
            xaxis="training FLOPs (log)", yaxis="bits per byte (lower is better)")  # fmt: skip
    fig.update_xaxes(type="log")
    return fig


def _line_style(results: ReportData, tok: str) -> dict[str, Any]:
    """A colour per tokenizer (24 distinct before repeating) and a dash per kind: trained solid, others dotted."""
    import plotly.express as px

    colors = px.colors.qualitative.Dark24
    i = results.tokenizer_names().index(tok)
    kind = results.tokenizers.get(tok, {}).get("kind")
    return {"color": colors[i % len(colors)], "width": 1.5, "dash": "solid" if kind == "trained" else "dot"}


@dataclass(frozen=True)
class PlotSpec:
    """One report section: its anchor, title, builder, and the command that produces its metrics; an `optional`
    section is left out (not shown as missing) when the results have none of its rows."""

    key: str
    title: str
    build: Callable[[ReportData], Any]
    metrics: tuple[str, ...]
    how: str
    optional: bool = False


PLOTS: tuple[PlotSpec, ...] = (
    PlotSpec("parity", "Cross-lingual parity", parity_premium, ("parity_premium",),
             "tokensmith eval SPEC... --parallel udhr -o results.json"),
    PlotSpec("compression", "Compression", compression_vs_vocab, ("bytes_per_token",),
             "tokensmith eval SPEC... --parallel udhr -o results.json"),
    PlotSpec("fertility", "Fertility by script", fertility_by_script, ("fertility",),
             "tokensmith eval SPEC... --parallel udhr -o results.json"),
    PlotSpec("boundaries", "Boundary F1", boundary_f1, ("morph_f1", "compound_boundary_rate"),
             "tokensmith eval SPEC... --morph DIR --compounds FILE -o results.json"),
    PlotSpec("robustness", "Robustness to noise", robustness, ("noise_edit_distance", "noise_length_growth"),
             "tokensmith eval SPEC... --noise 0.01,0.05,0.1 -o results.json"),
    PlotSpec("lm", "Bits per byte against compute", bits_per_byte_vs_flops, ("bits_per_byte",),
             "tokensmith lm compare GRID.toml (its results file)", optional=True),
)
