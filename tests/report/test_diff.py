"""`tokensmith diff`: tokens placed on byte offsets and shown as chips, worked by hand on tiny byte-level BPEs and on
zoo tokenizers whose segmentations were read off `encode_with_offsets`."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.text import Text

import tokensmith
from tests.report.conftest import byte_bpe
from tokensmith.report.diff import align, chips, label_parts, render_rich, to_json, token_label

ZOO = ("gpt2", "llama3", "mistral-v3", "bert-base-uncased")


def token_lines(text: Text) -> list[list[str]]:
    """Per tokenizer block, its token lines: the lines that hold chips (a chip background or a dimmed gap)."""
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line.plain:
            blocks.append([])
        elif any("on #" in str(s.style) or str(s.style).startswith("dim") for s in line.spans):
            blocks[-1].append(line.plain)
    return [b for b in blocks if b]


@pytest.fixture(scope="module")
def zoo() -> list[tokensmith.Tokenizer]:
    return [tokensmith.load(name) for name in ZOO]


def test_cuts_are_worked_by_hand(pair):
    # "hello ä" is 8 bytes: h e l l o ' ' 0xC3 0xA4. Neither merges the space or ä, so both cut at 5, 6, 7.
    al = align(pair, "hello ä", names=["A", "B"])
    assert al.rows[0].cuts == {4, 5, 6, 7}
    assert al.rows[1].cuts == {1, 5, 6, 7}
    assert al.shared == {5, 6, 7}
    assert al.cuts == (0, 1, 4, 5, 6, 7, 8)


def test_whole_characters_show_as_text_and_only_the_bytes_of_split_ones_as_escapes():
    assert token_label("ä".encode()) == "ä"
    assert token_label("ä".encode()[1:]) == "\\xa4"
    assert token_label(b" \xf0\x9d") == "·\\xf0\\x9d"  # the space stays a character
    assert token_label(b"a\nb\tc\r") == "a↵b→c␍"
    assert label_parts(b"x\xe6\x9dy") == (("x", False), ("\\xe6\\x9d", True), ("y", False))


def test_a_character_one_tokenizer_splits_and_another_keeps_whole(pair, tmp_path: Path):
    # C merges the two bytes of 'ä' (0xC3 0xA4, spelled 'Ã¤' in the byte-level alphabet); A does not.
    c = byte_bpe(tmp_path / "c.json", [("Ã", "¤")])
    al = align([pair[0], c], "hä", names=["A", "C"])
    a_row, c_row = (render_rich(al, separator="|").plain.split("\n\n"))[1:]
    assert a_row.splitlines()[1:] == ["h|\\xc3|\\xa4", "  ^"]
    assert c_row.splitlines()[1:] == ["h|ä", "  ^"]


def test_zoo_worked_example_escapes_only_the_tokens_that_split_a_character(zoo):
    # "Hi 東京" is 9 bytes: H i ' ' then 東 (3 bytes) and 京 (3 bytes). Every tokenizer cuts after "Hi" (byte 2),
    # and that is the only shared cut. gpt2 splits both characters; BERT skips the space (a dimmed gap);
    # mistral-v3 keeps the space as its own token.
    text = render_rich(align(zoo, "Hi 東京", names=list(ZOO)), separator="|").plain
    assert text.split("\n") == [
        "^ marks the 1 boundaries that every tokenizer makes.",
        "",
        "gpt2  6 tokens, 1.50 bytes/token, 1/5 boundaries shared by all",
        "Hi|·\\xe6|\\x9d|\\xb1|\\xe4\\xba|\\xac",
        "   ^",
        "",
        "llama3  2 tokens, 4.50 bytes/token, 1/1 boundaries shared by all",
        "Hi|·東京",
        "   ^",
        "",
        "mistral-v3  4 tokens, 2.25 bytes/token, 1/3 boundaries shared by all",
        "Hi|·|東|京",
        "   ^",
        "",
        "bert-base-uncased  3 tokens, 3.00 bytes/token, 1/3 boundaries shared by all",
        "Hi|·|東|京",
        "   ^",
    ]


def test_shared_boundaries_are_marked_under_the_token_that_starts_there(pair):
    # A: hell|o|·|\xc3|\xa4; the shared cuts 5, 6, 7 start '·' (column 7), '\xc3' (9) and '\xa4' (14).
    lines = render_rich(align(pair, "hello ä", names=["A", "B"]), separator="|").plain.splitlines()
    assert lines[3:5] == ["hell|o|·|\\xc3|\\xa4", "       ^ ^    ^"]


def test_each_token_has_its_own_background_alternating_between_neighbours(pair):
    text = render_rich(align(pair[:1], "hello hello", names=["A"]))
    row = text.plain.splitlines()[1]
    assert row == "hello·hello"  # no separator: the colours tell the tokens apart
    spans = [(s.start, s.end, str(s.style)) for s in text.spans if "on #" in str(s.style)]
    offset = text.plain.index(row)
    # A's tokens: hell | o | ' ' | hell | o
    assert [(a - offset, b - offset) for a, b, _ in spans] == [(0, 4), (4, 5), (5, 6), (6, 10), (10, 11)]
    styles = [style for _, _, style in spans]
    assert all(x != y for x, y in zip(styles, styles[1:]))


def test_ids_follow_each_token(zoo):
    text = render_rich(align(zoo[:1], "Hello world"), ids=True).plain
    assert text.splitlines()[1] == "Hello 15496 ·world 995"


def test_lines_wrap_between_tokens_and_fit_the_width(zoo):
    words = "Donaudampfschifffahrtsgesellschaftskapitänsmütze und 東京の天気は晴れです 🙂 " * 4
    al = align(zoo, words, names=list(ZOO))
    for width in (40, 80):
        text = render_rich(al, width=width, separator="|")
        assert max(cell_len(line) for line in text.plain.split("\n")) <= width
        blocks = token_lines(text)
        assert len(blocks) == len(al.rows)
        for row, lines in zip(al.rows, blocks):
            assert "|".join(lines) == "|".join(c.label for c in chips(al, row))  # no chip is cut


def test_a_newline_ends_the_display_line(pair):
    lines = render_rich(align(pair[:1], "ho\nho", names=["A"]), separator="|").plain.splitlines()
    assert lines[1:] == ["h|o|↵", "h|o"]


def test_a_token_wider_than_the_line_is_the_only_one_cut(pair, tmp_path: Path):
    long = byte_bpe(tmp_path / "l.json", [("a", "a"), ("aa", "aa"), ("aaaa", "aaaa"), ("aaaaaaaa", "aaaaaaaa")])
    text = render_rich(align([long], "aaaaaaaaaaaaaaaa b", names=["L"]), width=10, separator="|")
    assert token_lines(text) == [["aaaaaaaaaa", "aaaaaa", "·|b"]]


def test_text_no_token_covers_is_a_dimmed_gap_and_an_added_token_shows_its_bytes(zoo):
    al = align([zoo[2], zoo[3]], "東 ok", names=["mistral", "bert"])
    mistral, bert = (chips(al, row) for row in al.rows)
    assert [(c.label, c.added) for c in mistral][:2] == [("·", True), ("東", False)]  # the dummy-prefix '▁'
    gap = [c for c in bert if c.token is None]
    assert [(c.start, c.label) for c in gap] == [(3, "·")]
    text = render_rich(al)
    assert any(str(s.style) == "dim" and text.plain[s.start : s.end] == "·" for s in text.spans)


def test_json_keeps_its_shape_and_adds_ids_bytes_and_text(pair, zoo):
    doc = to_json(align(pair, "hello ä", names=["A", "B"]))
    a = doc["tokenizers"][0]
    assert [(t["start"], t["end"]) for t in a["tokens"]] == [(0, 4), (4, 5), (5, 6), (6, 7), (7, 8)]
    assert [t["text"] for t in a["tokens"]] == ["hell", "o", " ", None, None]  # null: the token splits 'ä'
    assert [t["bytes_hex"] for t in a["tokens"]][3:] == ["c3", "a4"]
    assert [t["label"] for t in a["tokens"]][2:] == ["·", "\\xc3", "\\xa4"]
    assert doc["shared_cuts"] == [5, 6, 7] and doc["bytes"] == 8 and a["bytes_per_token"] == 1.6
    assert set(a) == {"name", "n_tokens", "bytes_per_token", "cuts", "tokens"}


def test_json_token_bytes_differ_from_the_text_for_normalizing_tokenizers(zoo):
    bert = to_json(align(zoo[3:], "Gr"))["tokenizers"][0]["tokens"][0]
    assert (bert["id"], bert["text"], bert["bytes_hex"], bert["token_hex"]) == (24665, "Gr", "4772", "6772")


def test_empty_text_gives_empty_rows(pair):
    al = align(pair, "")
    assert all(r.segments == () for r in al.rows) and al.shared == frozenset()
    assert "0 tokens, – bytes/token" in render_rich(al).plain
