"""Show how several tokenizers segment the same text: one block per tokenizer, each token a coloured chip.

Tokens are placed on the text's UTF-8 bytes (`Tokenizer.encode_with_offsets`), never on token strings, so any
backend compares with any other. Display rules, shared by the terminal view (`render_rich`), the HTML view
(`render_html`) and the JSON (`to_json`):

- a token that holds whole characters shows those characters, with whitespace made visible ('·' space, '↵'
  newline, '→' tab, '␍' carriage return): one display character per text character;
- a token that splits a UTF-8 character shows byte escapes ('\\xe4') for the bytes of the split character(s) it
  holds, and characters for the rest of its bytes (gpt2's ' \\xf0\\x9d' shows as '·\\xf0\\x9d');
- text that no token covers (WordPiece skips spaces) is a dimmed gap; a token that covers no text (the
  SentencePiece dummy-prefix '▁') shows its own bytes, marked as added;
- a boundary that every tokenizer makes (a *shared* boundary) is marked: '^' under the token that starts there
  in the terminal, a green bar before it in HTML.

Long texts: only the first `MAX_CHARS` characters are segmented and shown (`align(max_chars=...)`), and every
view says so (`crop_notice`): a diff of megabytes is unreadable and would cost memory in proportion.

Not handled: special tokens (the text is encoded without them) and right-to-left display order.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len, chop_cells
from rich.text import Text

from tokensmith.tokenizer import Tokenizer

_VISIBLE = str.maketrans({" ": "·", "\n": "↵", "\t": "→", "\r": "␍"})
# Pastel backgrounds under black text read the same on dark and light terminals; on 16- and 256-colour
# terminals rich maps them to three distinct colours (bright cyan, bright yellow, white / 153, 222, 157).
_CHIP_STYLES = ("#000000 on #a8d8ff", "#000000 on #ffd787", "#000000 on #afffaf")
_ESCAPE_STYLE = "bold #9b0000"
_ID_STYLE = "#505050"
_MARK = "^"
MAX_CHARS = 20_000  # characters of the text that `align` segments and the views show, by default


@dataclass(frozen=True)
class Segment:
    """One token: its id, its byte span [start, end) in the text, and its own bytes (`token_bytes(id)`)."""

    id: int
    start: int
    end: int
    token: bytes


@dataclass(frozen=True)
class DiffRow:
    """One tokenizer's segmentation: its tokens and the set of cut positions they make (0 < cut < len)."""

    name: str
    segments: tuple[Segment, ...]
    cuts: frozenset[int]


@dataclass(frozen=True)
class Alignment:
    """N segmentations of one text on a shared byte axis.

    Args:
        text: the input text.
        rows: one per tokenizer, in the order given.
        cuts: the union of all rows' cuts, sorted, with 0 and len(bytes) added.
        shared: cuts that every row makes (the shared boundaries).
        total_chars: the length of the text before `align` cropped it to `text`; None when nothing was cropped.
    """

    text: str
    rows: tuple[DiffRow, ...]
    cuts: tuple[int, ...]
    shared: frozenset[int]
    total_chars: int | None = None

    @property
    def data(self) -> bytes:
        """The text's UTF-8 bytes, the axis every span refers to."""
        return self.text.encode("utf-8")


def label_parts(data: bytes) -> tuple[tuple[str, bool], ...]:
    """How bytes are displayed, as (piece, is_escape) pairs: characters with visible whitespace, and byte escapes
    for the bytes of characters that `data` holds only in part.

    Args:
        data: a token's bytes (or any byte string).

    Example:
        >>> label_parts(b" \\xf0\\x9d")
        (('·', False), ('\\\\xf0\\\\x9d', True))
        >>> label_parts("ä".encode())
        (('ä', False),)
    """
    parts: list[tuple[str, bool]] = []
    rest = data
    while rest:
        try:
            parts.append((rest.decode("utf-8").translate(_VISIBLE), False))
            break
        except UnicodeDecodeError as e:
            if e.start:
                parts.append((rest[: e.start].decode("utf-8").translate(_VISIBLE), False))
            parts.append(("".join(f"\\x{b:02x}" for b in rest[e.start : e.end]), True))
            rest = rest[e.end :]
    return tuple(parts)


def token_label(data: bytes) -> str:
    """The display string of `data` (see `label_parts`).

    Args:
        data: a token's bytes.

    Example:
        >>> token_label(b"a b\\n")
        'a·b↵'
        >>> token_label("ä".encode()[:1])
        '\\\\xc3'
    """
    return "".join(piece for piece, _ in label_parts(data))


def align(
    tokenizers: Sequence[Tokenizer], text: str, *, names: Sequence[str] | None = None,
    max_chars: int | None = MAX_CHARS,
) -> Alignment:
    """Segment `text` with each tokenizer and place the tokens on its byte offsets.

    Args:
        tokenizers: one or more tokenizers.
        text: the text to segment.
        names: display names, one per tokenizer (default: each tokenizer's name).
        max_chars: segment only the first this many characters (the views then say so, see `crop_notice`; the
            last token may differ from the full text's); None segments all of it.

    Example:
        >>> import tokensmith
        >>> a = align([tokensmith.load("gpt2"), tokensmith.load("llama3")], "Hello world")
        >>> a.cuts, sorted(a.shared)
        ((0, 5, 11), [5])
        >>> cropped = align([tokensmith.load("gpt2")], "Hello world", max_chars=5)
        >>> cropped.text, cropped.total_chars
        ('Hello', 11)
    """
    total = len(text) if max_chars is not None and len(text) > max_chars else None
    text = text[:max_chars] if total is not None else text
    size = len(text.encode("utf-8"))
    labels = list(names) if names is not None else [t.name for t in tokenizers]
    rows = []
    for tok, name in zip(tokenizers, labels, strict=True):
        enc = tok.encode_with_offsets(text)
        segments = tuple(Segment(i, s, e, tok.token_bytes(i)) for i, (s, e) in zip(enc.ids, enc.offsets, strict=True))
        cuts = frozenset(p for seg in segments for p in (seg.start, seg.end) if 0 < p < size)
        rows.append(DiffRow(name=name, segments=segments, cuts=cuts))
    union = sorted(set().union(*(r.cuts for r in rows)) | {0, size}) if size else [0]
    shared = frozenset.intersection(*(r.cuts for r in rows)) if rows else frozenset()
    return Alignment(text=text, rows=tuple(rows), cuts=tuple(union), shared=shared, total_chars=total)


def crop_notice(alignment: Alignment) -> str | None:
    """The line every view shows when `align` cropped the text, naming the cap and how to see more; else None.

    Args:
        alignment: from `align`.

    Example:
        >>> import tokensmith
        >>> print(crop_notice(align([tokensmith.load("gpt2")], "Hello world", max_chars=5)))
        notice: showing the first 5 of 11 characters (diff shows at most 5); the counts below are for that part. To see more, pass a later part of the text (--text, or --file with an excerpt), or call tokensmith.report.diff.align(..., max_chars=None).
    """
    if alignment.total_chars is None:
        return None
    shown = len(alignment.text)
    return (f"notice: showing the first {shown:,} of {alignment.total_chars:,} characters (diff shows at most "
            f"{shown:,}); the counts below are for that part. To see more, pass a later part of the text (--text, "
            "or --file with an excerpt), or call tokensmith.report.diff.align(..., max_chars=None).")


@dataclass(frozen=True)
class Chip:
    """One thing a row shows: a token (`token` is its index in the row), or a gap of text no token covers.

    `added` marks a token that covers no text (its own bytes are shown); `shared` marks the first chip that starts
    at a shared boundary; `newline` says the display line breaks after it.
    """

    start: int
    parts: tuple[tuple[str, bool], ...]
    token: int | None
    shared: bool = False
    added: bool = False

    @property
    def label(self) -> str:
        """The chip's display string."""
        return "".join(piece for piece, _ in self.parts)

    @property
    def newline(self) -> bool:
        """True when the chip's text ends with a newline."""
        return self.label.endswith("↵")


def chips(alignment: Alignment, row: DiffRow) -> list[Chip]:
    """The chips of one row, in text order, gaps included.

    Args:
        alignment: from `align`.
        row: one of `alignment.rows`.

    Example:
        >>> import tokensmith
        >>> al = align([tokensmith.load("gpt2")], "Hi 東")
        >>> [c.label for c in chips(al, al.rows[0])]
        ['Hi', '·\\\\xe6', '\\\\x9d', '\\\\xb1']
    """
    data = alignment.data
    out: list[Chip] = []
    pos = 0
    for k, seg in enumerate(row.segments):
        if seg.start > pos:
            out.append(Chip(pos, label_parts(data[pos : seg.start]), None))
        if seg.end <= seg.start:
            out.append(Chip(seg.start, label_parts(seg.token), k, added=True))
        else:
            out.append(Chip(seg.start, label_parts(data[seg.start : seg.end]), k))
        pos = max(pos, seg.end)
    if pos < len(data):
        out.append(Chip(pos, label_parts(data[pos:]), None))
    if len(alignment.rows) < 2:
        return out  # with one tokenizer every boundary is shared: marking them says nothing
    marked: set[int] = set()
    for n, chip in enumerate(out):
        if chip.start in alignment.shared and chip.start not in marked:
            marked.add(chip.start)
            out[n] = Chip(chip.start, chip.parts, chip.token, shared=True, added=chip.added)
    return out


def summary(alignment: Alignment) -> list[dict[str, Any]]:
    """Per tokenizer: token count, text bytes per token, its cuts, and how many of them all tokenizers share.

    Args:
        alignment: from `align`.

    Example:
        >>> import tokensmith
        >>> summary(align([tokensmith.load("gpt2")], "Hello world"))
        [{'tokenizer': 'gpt2', 'tokens': 2, 'bytes_per_token': 5.5, 'cuts': 1, 'shared_cuts': 1}]
    """
    size = len(alignment.data)
    return [
        {"tokenizer": r.name, "tokens": len(r.segments),
         "bytes_per_token": round(size / len(r.segments), 3) if r.segments else None,
         "cuts": len(r.cuts), "shared_cuts": len(alignment.shared & r.cuts)}
        for r in alignment.rows
    ]


def _rate(bytes_per_token: float | None) -> str:
    return "–" if bytes_per_token is None else f"{bytes_per_token:.2f}"


def _token_json(data: bytes, seg: Segment) -> dict[str, Any]:
    span = data[seg.start : seg.end]
    try:
        text: str | None = span.decode("utf-8")
    except UnicodeDecodeError:
        text = None  # the token splits a character
    return {"id": seg.id, "start": seg.start, "end": seg.end, "text": text, "label": token_label(span),
            "bytes_hex": span.hex(), "token_hex": seg.token.hex()}


def to_json(alignment: Alignment) -> dict[str, Any]:
    """The alignment as plain data.

    Each token has `id`, its span `start`/`end`, `text` (the span's text, null when the token splits a
    character), `label` (as displayed), `bytes_hex` (the span's bytes) and `token_hex` (the token's own bytes,
    which differ for normalized tokenizers and added dummy prefixes). `shared_cuts` are the shared boundaries.

    Args:
        alignment: from `align`.

    Example:
        >>> import tokensmith
        >>> doc = to_json(align([tokensmith.load("gpt2")], "東"))
        >>> [(t["text"], t["label"], t["bytes_hex"]) for t in doc["tokenizers"][0]["tokens"]]
        [(None, '\\\\xe6\\\\x9d', 'e69d'), (None, '\\\\xb1', 'b1')]
    """
    data = alignment.data
    rows = []
    for r, s in zip(alignment.rows, summary(alignment), strict=True):
        rows.append({"name": r.name, "n_tokens": len(r.segments), "bytes_per_token": s["bytes_per_token"],
                     "cuts": sorted(r.cuts), "tokens": [_token_json(data, seg) for seg in r.segments]})
    return {"text": alignment.text, "bytes": len(data), "shared_cuts": sorted(alignment.shared), "tokenizers": rows,
            "total_chars": alignment.total_chars if alignment.total_chars is not None else len(alignment.text),
            "notice": crop_notice(alignment)}


def _chip_text(chip: Chip, row: DiffRow, *, ids: bool) -> Text:
    """One chip as styled text: alternating background per token, escapes in bold red, the id after it."""
    base = "dim" if chip.token is None else _CHIP_STYLES[chip.token % len(_CHIP_STYLES)]
    out = Text()
    for piece, escape in chip.parts:
        style = f"{base} {_ESCAPE_STYLE}" if escape else base
        out.append(piece, style=f"{style} italic" if chip.added else style)
    if ids and chip.token is not None:
        out.append(f" {row.segments[chip.token].id}", style=f"{base} {_ID_STYLE}")
    return out


def _wrap(pieces: list[tuple[Chip, Text]], *, width: int, gap: int) -> list[list[tuple[Chip, Text]]]:
    """Group chips into display lines of at most `width` cells, breaking only between chips and after newlines."""
    lines: list[list[tuple[Chip, Text]]] = [[]]
    used = 0
    for chip, text in pieces:
        cells = text.cell_len + (gap if lines[-1] else 0)
        if lines[-1] and used + cells > width:
            lines.append([])
            cells, used = text.cell_len, 0
        lines[-1].append((chip, text))
        used += cells
        if chip.newline:
            lines.append([])
            used = 0
    return [line for line in lines if line]


def _line_texts(line: list[tuple[Chip, Text]], *, width: int, separator: str) -> list[Text]:
    """The token line, then a marker row when a chip on it starts at a shared boundary."""
    row = Text(separator).join(text for _, text in line)
    marks = [" "] * row.cell_len
    col = 0
    for chip, text in line:
        if chip.shared:
            marks[col] = _MARK
        col += text.cell_len + cell_len(separator)
    out = [row]
    if row.cell_len > width:  # one token wider than the line: the only place a token is cut
        plain = row.plain
        offsets, at = [], 0
        for chunk in chop_cells(plain, width)[:-1]:
            at += len(chunk)
            offsets.append(at)
        out = list(row.divide(offsets))
    if _MARK in marks:
        out.append(Text("".join(marks).rstrip(), style="bold green"))
    return out


def render_rich(alignment: Alignment, *, width: int = 80, ids: bool = False, separator: str = "") -> Text:
    """The terminal view: per tokenizer a summary line, then its tokens as chips in alternating colours, wrapped
    at token boundaries to `width` cells, with '^' under each token that starts at a shared boundary.

    Args:
        alignment: from `align`.
        width: display cells per line (the terminal's width).
        ids: show each token's id after it (chips are then separated by a space).
        separator: drawn between chips, e.g. '│' where the terminal shows no colours.

    Example:
        >>> import tokensmith
        >>> al = align([tokensmith.load("gpt2"), tokensmith.load("llama3")], "Größe 東京")
        >>> print(render_rich(al, separator="|").plain)
        ^ marks the 2 boundaries that every tokenizer makes.
        <BLANKLINE>
        gpt2  9 tokens, 1.56 bytes/token, 2/8 boundaries shared by all
        Gr|ö|ß|e|·\\xe6|\\x9d|\\xb1|\\xe4\\xba|\\xac
           ^     ^
        <BLANKLINE>
        llama3  3 tokens, 4.67 bytes/token, 2/2 boundaries shared by all
        Gr|öße|·東京
           ^   ^
    """
    sep = " " if ids and not separator else separator
    width = max(8, width)
    notice = crop_notice(alignment)
    lines: list[Text] = [Text(part) for part in textwrap.wrap(notice, width)] if notice else []
    if len(alignment.rows) > 1:
        legend = f"{_MARK} marks the {len(alignment.shared)} boundaries that every tokenizer makes."
        lines += [Text(part) for part in textwrap.wrap(legend, width)]
    for row, s in zip(alignment.rows, summary(alignment), strict=True):
        if lines:
            lines.append(Text())
        stats = (f"{s['tokens']} tokens, {_rate(s['bytes_per_token'])} bytes/token, "
                 f"{s['shared_cuts']}/{s['cuts']} boundaries shared by all")
        lines += _header(row.name, stats, width=width)
        pieces = [(chip, _chip_text(chip, row, ids=ids)) for chip in chips(alignment, row)]
        for line in _wrap(pieces, width=width, gap=cell_len(sep)):
            lines += _line_texts(line, width=width, separator=sep)
    return Text("\n").join(lines)


def _header(name: str, stats: str, *, width: int) -> list[Text]:
    """'name  stats' on one line when it fits, else the name, then the stats wrapped between words."""
    if cell_len(name) + 2 + len(stats) <= width:
        return [Text.assemble((name, "bold"), f"  {stats}")]
    return [Text(part, style="bold") for part in chop_cells(name, width)] + [
        Text(part) for part in textwrap.wrap(stats, width)
    ]


_HTML_BG = ("#cfe6ff", "#ffe0b8", "#d4f2cc")
_DIFF_CSS = """body{font:14px system-ui,sans-serif;margin:16px;color:#1d2330}
table.summary{border-collapse:collapse;margin:8px 0 16px}.summary td,.summary th{padding:2px 10px;text-align:left;
border-bottom:1px solid #ddd}.summary td.n{text-align:right}
section h2{font:600 14px system-ui,sans-serif;margin:14px 0 4px}section h2 small{font-weight:400;color:#555}
.chips{font:14px/2 ui-monospace,Menlo,Consolas,monospace}.t{display:inline-block;white-space:pre;color:#000;
padding:0 1px;margin-right:1px}.t.shared{box-shadow:inset 3px 0 0 #0a8a2a}.gap{color:#999;background:none}
.added{font-style:italic;opacity:.6}.esc{color:#9b0000;font-weight:700}.id{display:none;color:#505050;
font-size:11px;margin-left:3px}#show-ids:checked~section .id{display:inline}"""


def _chip_title(alignment: Alignment, row: DiffRow, chip: Chip) -> str:
    """Hover text: the token's id and bytes (its own bytes too when they differ from the text's)."""
    if chip.token is None:
        return "no token covers this text"
    seg = row.segments[chip.token]
    span = alignment.data[seg.start : seg.end]
    title = f"id {seg.id} · bytes {span.hex(' ') or '(none)'}"
    if seg.token != span:
        title += f" · token bytes {seg.token.hex(' ') or '(none)'}"
    return title + (" · covers no text (added by the tokenizer)" if chip.added else "")


def _html_chip(alignment: Alignment, row: DiffRow, chip: Chip) -> str:
    classes = ["t", "gap" if chip.token is None else f"c{chip.token % len(_HTML_BG)}"]
    classes += [name for name, on in (("shared", chip.shared), ("added", chip.added)) if on]
    body = "".join(f'<span class="esc">{html.escape(p)}</span>' if esc else html.escape(p) for p, esc in chip.parts)
    if chip.token is not None:
        body += f'<span class="id">{row.segments[chip.token].id}</span>'
    title = html.escape(_chip_title(alignment, row, chip), quote=True)
    return f'<span class="{" ".join(classes)}" title="{title}">{body}</span>' + ("<br>" if chip.newline else "<wbr>")


def _html_summary(alignment: Alignment) -> str:
    cells = "".join(
        f"<tr><td>{html.escape(s['tokenizer'])}</td><td class=n>{s['tokens']}</td>"
        f"<td class=n>{_rate(s['bytes_per_token'])}</td><td class=n>{s['shared_cuts']}/{s['cuts']}</td></tr>"
        for s in summary(alignment)
    )
    return ("<table class=summary><tr><th>tokenizer</th><th>tokens</th><th>bytes/token</th>"
            f"<th>boundaries shared by all</th></tr>{cells}</table>")


def render_html(alignment: Alignment, *, title: str = "tokensmith diff", ids: bool = False) -> str:
    """A small self-contained HTML page: a summary table, then per tokenizer its tokens as coloured chips that
    wrap between tokens; hovering a chip shows its id and bytes, a checkbox shows every id.

    Args:
        alignment: from `align`.
        title: the page title.
        ids: show the ids from the start (the checkbox is ticked).

    Example:
        >>> import tokensmith
        >>> page = render_html(align([tokensmith.load("gpt2")], "東"), title="<b> & c")
        >>> "<b>" in page, "&lt;b&gt; &amp; c" in page, '<span class="esc">\\\\xe6\\\\x9d</span>' in page
        (False, True, True)
    """
    sections = "".join(
        f"<section><h2>{html.escape(row.name)} <small>{s['tokens']} tokens · {_rate(s['bytes_per_token'])} "
        f"bytes/token</small></h2><div class=chips>"
        + "".join(_html_chip(alignment, row, chip) for chip in chips(alignment, row)) + "</div></section>"
        for row, s in zip(alignment.rows, summary(alignment), strict=True)
    )
    colours = "".join(f".c{k}{{background:{bg}}}" for k, bg in enumerate(_HTML_BG))
    checked = " checked" if ids else ""
    notice = f"<p class=notice>{html.escape(crop_notice(alignment) or '')}</p>" if alignment.total_chars else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_DIFF_CSS}{colours}</style></head><body><h1>{html.escape(title)}</h1>{notice}"
            f"{_html_summary(alignment)}"
            "<p>Each token is one chip; byte escapes (<span class=esc>\\xe4</span>) mark a token that splits a "
            "character; a <span style='color:#0a8a2a'>green bar</span> marks a boundary every tokenizer makes. "
            f"Hover a token for its id and bytes.</p><input type=checkbox id=show-ids{checked}>"
            f"<label for=show-ids> show ids</label>{sections}</body></html>\n")
