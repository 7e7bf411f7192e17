"""`tokensmith diff`: alignment on byte offsets, worked by hand on two tiny byte-level BPE tokenizers."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from tests.report.conftest import byte_bpe
from tokensmith.report.diff import align, piece_label, render_html, render_rich, to_json


def test_cuts_are_worked_by_hand(pair):
    # "hello ä" is 8 bytes: h e l l o ' ' 0xC3 0xA4. Neither merges the space or ä, so both cut at 5, 6, 7.
    al = align(pair, "hello ä", names=["A", "B"])
    assert al.rows[0].cuts == {4, 5, 6, 7}
    assert al.rows[1].cuts == {1, 5, 6, 7}
    assert al.shared == {5, 6, 7}
    assert al.cuts == (0, 1, 4, 5, 6, 7, 8)
    assert [piece_label(al.data[s:e]) for s, e in al.pieces()] == ["h", "ell", "o", "·", "\\xc3", "\\xa4"]


def test_a_split_character_shows_as_byte_escapes_and_whole_ones_as_text():
    assert piece_label("ä".encode()) == "ä"
    assert piece_label("ä".encode()[1:]) == "\\xa4"
    assert piece_label(b"a\nb\tc") == "a↵b→c"


def test_json_lists_each_token_span_and_covers_the_text(pair):
    doc = to_json(align(pair, "hello ä", names=["A", "B"]))
    a = doc["tokenizers"][0]
    assert [(t["start"], t["end"]) for t in a["tokens"]] == [(0, 4), (4, 5), (5, 6), (6, 7), (7, 8)]
    assert [t["text"] for t in a["tokens"]][:2] == ["hell", "o"]
    assert doc["shared_cuts"] == [5, 6, 7] and doc["bytes"] == 8


def test_terminal_rows_align_column_for_column(pair):
    text = render_rich(align(pair, "hello hello", names=["A", "B"]), width=80).plain
    row_a, row_b = text.splitlines()[:2]
    assert len(row_a) == len(row_b)
    # Own cuts are bars at the same column in both rows: A cuts before 'o', B before 'ell'.
    assert row_a.index("│o") == row_b.index(" o")
    assert row_b.index("│ell") == row_a.index(" ell")


def test_html_is_escaped_and_marks_shared_cuts(pair):
    page = render_html(align(pair, "<b>hello", names=["<A>", "B"]))
    assert "<b>hello" not in page and "&lt;A&gt;" in page
    cells: list[dict[str, str]] = []

    class Cells(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "td":
                cells.append(dict(attrs))

    Cells().feed(page)
    assert any("shared" in c.get("class", "") for c in cells)
    assert any(c.get("title", "").startswith("id ") for c in cells)


def test_empty_text_gives_empty_rows(pair):
    al = align(pair, "")
    assert al.pieces() == [] and all(r.segments == () for r in al.rows)


def test_a_row_that_keeps_a_character_whole_shows_it_as_text(pair, tmp_path: Path):
    # C merges the two bytes of 'ä' (0xC3 0xA4, spelled 'Ã¤' in the byte-level alphabet); A splits them.
    c = byte_bpe(tmp_path / "c.json", [("Ã", "¤")])
    al = align([pair[0], c], "ä", names=["A", "C"])
    assert al.rows[1].cuts == set() and al.rows[0].cuts == {1}
    row_a, row_c = render_rich(al, width=80).plain.splitlines()[:2]
    assert "\\xc3│\\xa4" in row_a
    assert row_c.rstrip().endswith("ä") and len(row_a) == len(row_c)
