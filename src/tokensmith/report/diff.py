"""Show how several tokenizers segment the same text, aligned on byte offsets.

Alignment works on the text's UTF-8 bytes only (`Tokenizer.encode_with_offsets`), never on token strings, so any
backend lines up with any other. The text is cut at every boundary of every tokenizer (the union of cuts); each
piece between two cuts becomes one column, shown the same way in every row, so rows align by construction. In a
row, a tokenizer's own boundaries are drawn as '│' and the others as a blank inside the token; boundaries that all
tokenizers share are highlighted. A piece that is not valid UTF-8 on its own (some tokenizer split a character) is
shown as byte escapes ('\\xe4'),
except in rows where one token holds the whole character: there it shows as text, padded to the same width. Spaces show as '·', newlines as '↵', tabs as '→'.

Not handled: special tokens (the text is encoded without them) and right-to-left display order.
"""

from __future__ import annotations

import bisect
import functools
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from tokensmith.tokenizer import Tokenizer

_VISIBLE = str.maketrans({" ": "·", "\n": "↵", "\t": "→", "\r": "␍"})
_ROW_STYLES = ("on #26374f", "on #3d2a4f")  # alternate token backgrounds in the terminal
_HTML_BG = ("#dbe8ff", "#ffe3c4")


@dataclass(frozen=True)
class Segment:
    """One token: its id and byte span [start, end) in the text."""

    id: int
    start: int
    end: int


@dataclass(frozen=True)
class DiffRow:
    """One tokenizer's segmentation: its tokens and the set of cut positions they make (0 < cut < len)."""

    name: str
    segments: tuple[Segment, ...]
    cuts: frozenset[int]

    @functools.cached_property
    def _starts(self) -> tuple[list[int], list[int]]:
        # (starts, indexes) of the non-empty tokens, sorted by start: bisect finds the token over a piece.
        spans = sorted((s.start, k) for k, s in enumerate(self.segments) if s.end > s.start)
        return [a for a, _ in spans], [k for _, k in spans]

    def token_at(self, start: int, end: int) -> int | None:
        """Index of the token that covers the byte piece [start, end), or None when no token covers it."""
        starts, index = self._starts
        j = bisect.bisect_right(starts, start) - 1
        if j < 0:
            return None
        seg = self.segments[index[j]]
        return index[j] if seg.start <= start and end <= seg.end else None


@dataclass(frozen=True)
class Alignment:
    """N segmentations of one text on a shared byte axis.

    Args:
        text: the input text.
        rows: one per tokenizer, in the order given.
        cuts: the union of all rows' cuts, sorted, with 0 and len(bytes) added: the column edges.
        shared: cuts that every row makes.
    """

    text: str
    rows: tuple[DiffRow, ...]
    cuts: tuple[int, ...]
    shared: frozenset[int]

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")

    def pieces(self) -> list[tuple[int, int]]:
        """The columns: byte spans between consecutive cuts."""
        return list(zip(self.cuts, self.cuts[1:]))


def piece_label(data: bytes) -> str:
    """How a byte piece is displayed: its text with visible whitespace, or byte escapes when it is not UTF-8.

    Example:
        >>> piece_label("a b".encode())
        'a·b'
        >>> piece_label("ä".encode()[:1])
        '\\\\xc3'
    """
    try:
        return data.decode("utf-8").translate(_VISIBLE)
    except UnicodeDecodeError:
        return "".join(f"\\x{b:02x}" for b in data)


def align(tokenizers: Sequence[Tokenizer], text: str, *, names: Sequence[str] | None = None) -> Alignment:
    """Segment `text` with each tokenizer and align the results on byte offsets.

    Args:
        tokenizers: two or more tokenizers (one works too).
        text: the text to segment.
        names: display names, one per tokenizer (default: each tokenizer's name).

    Example:
        >>> a = align([tokensmith.load("gpt2")], "Hello world")  # doctest: +SKIP
        >>> sorted(a.cuts)  # doctest: +SKIP
        [0, 5, 11]
    """
    size = len(text.encode("utf-8"))
    labels = list(names) if names is not None else [t.name for t in tokenizers]
    rows = []
    for tok, name in zip(tokenizers, labels, strict=True):
        enc = tok.encode_with_offsets(text)
        segments = tuple(Segment(i, s, e) for i, (s, e) in zip(enc.ids, enc.offsets, strict=True))
        cuts = frozenset(p for seg in segments for p in (seg.start, seg.end) if 0 < p < size)
        rows.append(DiffRow(name=name, segments=segments, cuts=cuts))
    union = sorted(set().union(*(r.cuts for r in rows)) | {0, size}) if size else [0]
    shared = frozenset.intersection(*(r.cuts for r in rows)) if rows else frozenset()
    return Alignment(text=text, rows=tuple(rows), cuts=tuple(union), shared=shared)


def _layout(alignment: Alignment, width: int) -> list[list[tuple[int, int, str]]]:
    """Columns (start, end, label) grouped into lines of about `width` display cells."""
    from rich.cells import cell_len

    lines: list[list[tuple[int, int, str]]] = [[]]
    used = 0
    for start, end in alignment.pieces():
        label = piece_label(alignment.data[start:end])
        cells = cell_len(label) + 1
        if used and used + cells > width:
            lines.append([])
            used = 0
        lines[-1].append((start, end, label))
        used += cells
    return lines


@dataclass(frozen=True)
class Cell:
    """What one row shows over `span` consecutive columns: a piece, or a token's whole text when its pieces are
    byte escapes but the token itself is valid UTF-8 (so '東' reads as '東', padded, where another row splits it)."""

    start: int
    label: str
    token: int | None
    span: int
    width: int


def _cells(alignment: Alignment, row: DiffRow, line: list[tuple[int, int, str]]) -> list[Cell]:
    from rich.cells import cell_len

    groups: list[list[tuple[int, int, str]]] = []
    for piece in line:
        k = row.token_at(piece[0], piece[1])
        same = groups and piece[0] not in row.cuts and k is not None and k == row.token_at(*groups[-1][-1][:2])
        if same:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    cells = []
    for group in groups:
        k = row.token_at(group[0][0], group[0][1])
        width = sum(cell_len(lab) + 1 for _, _, lab in group) - 1
        escaped = any(lab.startswith("\\x") for _, _, lab in group)
        whole = alignment.data[group[0][0]:group[-1][1]]
        if escaped and len(group) > 1 and not piece_label(whole).startswith("\\x"):
            cells.append(Cell(group[0][0], piece_label(whole), k, len(group), width))
        else:
            cells += [Cell(st, lab, k, 1, cell_len(lab)) for st, _, lab in group]
    return cells


def render_rich(alignment: Alignment, *, width: int = 100) -> Text:
    """A coloured terminal view: blocks of aligned rows, alternate token colours, shared cuts in bold green.

    Args:
        alignment: from `align`.
        width: display cells of the whole line, tokenizer names included.
    """
    from rich.cells import cell_len

    name_w = max((len(r.name) for r in alignment.rows), default=0)
    out = Text()
    for line in _layout(alignment, max(20, width - name_w - 2)):
        for row in alignment.rows:
            out.append(f"{row.name:<{name_w}} ", style="bold")
            for cell in _cells(alignment, row, line):
                style = "dim" if cell.token is None else _ROW_STYLES[cell.token % 2]
                if cell.start in alignment.shared:
                    out.append("┃", style="bold green")
                elif cell.start in row.cuts:
                    out.append("│", style="yellow")
                else:
                    out.append(" ", style=style if cell.start else "")
                out.append(cell.label + " " * (cell.width - cell_len(cell.label)), style=style)
            out.append("\n")
        out.append("\n")
    return out


def summary(alignment: Alignment) -> list[dict[str, Any]]:
    """Per tokenizer: token count and the share of its cuts that all tokenizers share."""
    return [
        {"tokenizer": r.name, "tokens": len(r.segments), "cuts": len(r.cuts),
         "shared_cuts": len(alignment.shared & r.cuts)}
        for r in alignment.rows
    ]


def to_json(alignment: Alignment) -> dict[str, Any]:
    """The alignment as plain data: tokens with ids, spans and display labels, plus the shared cuts."""
    data = alignment.data
    return {
        "text": alignment.text,
        "bytes": len(data),
        "shared_cuts": sorted(alignment.shared),
        "tokenizers": [
            {"name": r.name, "n_tokens": len(r.segments), "cuts": sorted(r.cuts),
             "tokens": [{"id": s.id, "start": s.start, "end": s.end, "text": piece_label(data[s.start:s.end])}
                        for s in r.segments]}
            for r in alignment.rows
        ],
    }


_DIFF_CSS = """body{font:14px system-ui,sans-serif;margin:16px;color:#1d2330}
table.diff{border-collapse:collapse;margin:0 0 14px;font:14px/1.6 ui-monospace,Menlo,Consolas,monospace}
.diff td{padding:0 1px;white-space:pre;border-left:2px solid transparent}.diff th{text-align:left;padding-right:10px;
font:600 12px system-ui,sans-serif}.diff td.cut{border-left-color:#c98a00}.diff td.shared{border-left-color:#0a8a2a;
border-left-width:3px}.diff td.gap{color:#999}.legend span{margin-right:14px}"""


def _html_cell(row: DiffRow, alignment: Alignment, cell: Cell) -> str:
    classes = ["gap"] if cell.token is None else []
    if cell.start in alignment.shared:
        classes.append("shared")
    elif cell.start in row.cuts:
        classes.append("cut")
    attrs = "" if cell.span == 1 else f' colspan="{cell.span}"'
    if cell.token is not None:
        attrs += f' style="background:{_HTML_BG[cell.token % 2]}" title="id {row.segments[cell.token].id}"'
    return f'<td class="{" ".join(classes)}"{attrs}>{html.escape(cell.label)}</td>'


def render_html(alignment: Alignment, *, width: int = 80, title: str = "tokensmith diff") -> str:
    """A small self-contained HTML page: one table per line of text, one row per tokenizer.

    Args:
        alignment: from `align`.
        width: characters per block.
        title: the page title.
    """
    counts = "".join(f"<span><b>{html.escape(s['tokenizer'])}</b>: {s['tokens']} tokens</span>"
                     for s in summary(alignment))
    blocks = []
    for line in _layout(alignment, width):
        rows = "".join(
            f"<tr><th>{html.escape(r.name)}</th>"
            + "".join(_html_cell(r, alignment, c) for c in _cells(alignment, r, line)) + "</tr>"
            for r in alignment.rows
        )
        blocks.append(f'<table class="diff">{rows}</table>')
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_DIFF_CSS}</style></head><body><h1>{html.escape(title)}</h1><p class=legend>{counts}</p>"
            "<p>Token boundaries: <span style='color:#c98a00'>│ own</span>, "
            "<span style='color:#0a8a2a'>┃ shared by all</span>. Hover a token for its id.</p>"
            f"{''.join(blocks)}</body></html>\n")
