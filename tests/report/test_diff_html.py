"""`tokensmith diff --html`: chips with alternating colours, hover titles, escapes only for split tokens, every
string escaped, nothing fetched from outside the page."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import tokensmith
from tokensmith.report.diff import align, render_html


@dataclass
class Chip:
    classes: list[str]
    title: str
    text: str = ""  # the visible label, ids left out
    escapes: list[str] = field(default_factory=list)


class Chips(HTMLParser):
    """Collect each `<span class="t ...">` chip of each section, with its text and its escape spans."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[list[Chip]] = []
        self.stack: list[str] = []  # the class of every open span
        self.headings: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.sections.append([])
        elif tag == "h2":
            self._in_h2 = True
            self.headings.append("")
        elif tag == "span":
            cls = a.get("class") or ""
            if cls.split()[:1] == ["t"]:
                self.sections[-1].append(Chip(cls.split(), a.get("title") or ""))
            self.stack.append(cls)

    def handle_endtag(self, tag):
        if tag == "span":
            self.stack.pop()
        elif tag == "h2":
            self._in_h2 = False

    def handle_data(self, data):
        if self._in_h2:
            self.headings[-1] += data
        elif any(c.split()[:1] == ["t"] for c in self.stack) and "id" not in self.stack:
            self.sections[-1][-1].text += data
            if self.stack[-1] == "esc":
                self.sections[-1][-1].escapes.append(data)


def parse(page: str) -> Chips:
    parser = Chips()
    parser.feed(page)
    return parser


def test_chips_alternate_colours_and_carry_id_and_bytes_in_their_title(pair):
    page = parse(render_html(align(pair[:1], "hello hello", names=["A"])))
    (chips,) = page.sections
    assert [c.text for c in chips] == ["hell", "o", "·", "hell", "o"]
    assert [c.classes[1] for c in chips] == ["c0", "c1", "c2", "c0", "c1"]
    assert chips[0].title.startswith("id ") and "bytes 68 65 6c 6c" in chips[0].title


def test_escapes_only_in_the_tokens_that_split_a_character():
    al = align([tokensmith.load("gpt2"), tokensmith.load("llama3")], "Hi 東京")
    gpt2, llama3 = parse(render_html(al)).sections
    # gpt2: Hi | ' \xe6' | \x9d | \xb1 | \xe4\xba | \xac ; llama3: Hi | ' 東京'
    assert [c.escapes for c in gpt2] == [[], ["\\xe6"], ["\\x9d"], ["\\xb1"], ["\\xe4\\xba"], ["\\xac"]]
    assert [c.text for c in gpt2][:2] == ["Hi", "·\\xe6"]
    assert [(c.text, c.escapes) for c in llama3] == [("Hi", []), ("·東京", [])]


def test_shared_boundaries_are_marked_on_the_chip_that_starts_there(pair):
    # A: hell|o|·|\xc3|\xa4 and B: h|ello|·|\xc3|\xa4 share the cuts 5, 6 and 7.
    a, b = parse(render_html(align(pair, "hello ä", names=["A", "B"]))).sections
    assert ["shared" in c.classes for c in a] == [False, False, True, True, True]
    assert ["shared" in c.classes for c in b] == [False, False, True, True, True]


def test_every_string_is_escaped(pair):
    page = render_html(align(pair, "<b>hello</b> & more", names=["<A>", "B&"]), title="<i>t</i>")
    assert "<b>" not in page and "<i>" not in page and "<A>" not in page
    parsed = parse(page)
    assert parsed.headings[0].startswith("<A> ") and parsed.headings[1].startswith("B& ")
    assert "".join(c.text for c in parsed.sections[0]) == "<b>hello</b>·&·more"


def test_the_page_is_self_contained_and_ids_can_start_shown(pair):
    page = render_html(align(pair, "hello", names=["A", "B"]), ids=True)
    assert not any(s in page for s in ("http:", "https:", "<script", "src=", "<link"))
    assert "<input type=checkbox id=show-ids checked>" in page
    assert "<input type=checkbox id=show-ids>" in render_html(align(pair, "hello", names=["A", "B"]))
