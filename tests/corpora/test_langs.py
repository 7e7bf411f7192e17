"""Language codes normalize to ISO 639-3 + script; unknown codes list close matches."""

from __future__ import annotations

import pytest

from tests.conftest import shared_path
from tokensmith.corpora.langs import (
    SPACELESS_SCRIPTS,
    base_lang,
    individual_languages,
    is_spaceless,
    known_languages,
    normalize_lang,
    region_of,
    script_of,
)
from tokensmith.corpora.parallel import load_parallel
from tokensmith.errors import CorpusError


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "eng_Latn"),  # ISO 639-1
        ("eng", "eng_Latn"),  # ISO 639-3
        ("deu_Latn", "deu_Latn"),  # FLORES code, unchanged
        ("DE", "deu_Latn"),  # case-insensitive
        ("ger", "deu_Latn"),  # ISO 639-2/B
        ("zh", "zho_Hans"),  # default script: simplified
        ("zh-TW", "zho_Hant-TW"),  # a traditional-script region, kept as the region subtag
        ("zh-Hant", "zho_Hant"),  # explicit script wins
        ("sr", "srp_Cyrl"),
        ("sr-Latn", "srp_Latn"),
        ("pt-BR", "por_Latn-BR"),  # region kept after the script
        ("por-BR", "por_Latn-BR"),
        ("fra-CA", "fra_Latn-CA"),
        ("fra_Latn-CA", "fra_Latn-CA"),  # FLORES code with a region, unchanged
        ("es-419", "spa_Latn-419"),  # UN M.49 region
        ("de-1996", "deu_Latn"),  # variant dropped
        ("iw", "heb_Hebr"),  # deprecated ISO 639-1
        ("ja", "jpn_Jpan"),
        ("ar", "ara_Arab"),  # macrolanguage, as ISO 639-1 maps
        ("ace", "ace_Latn"),  # FLORES has ace_Arab and ace_Latn; CLDR's likely script is Latin
        ("cri", "cri_Latn"),  # a UDHR-only language
    ],
)
def test_worked_examples(code: str, expected: str) -> None:
    assert normalize_lang(code) == expected


def test_unknown_code_lists_close_matches() -> None:
    with pytest.raises(CorpusError, match=r"unknown language code 'engl' \(close matches: [^)]*\beng\b"):
        normalize_lang("engl")


@pytest.mark.parametrize("code", ["xq", "klingon", "", "e n", "123"])
def test_unknown_codes_raise(code: str) -> None:
    with pytest.raises(CorpusError, match="unknown language code"):
        normalize_lang(code)


def test_scripts_and_spacelessness() -> None:
    assert script_of("uz-Cyrl") == "Cyrl"
    assert script_of("th") == "Thai"
    assert is_spaceless("ja") and is_spaceless("zh-TW") and not is_spaceless("ko")
    assert {"Hani", "Hans", "Hant", "Jpan", "Thai", "Khmr", "Laoo", "Mymr", "Tibt"} <= SPACELESS_SCRIPTS


def test_macrolanguages_lead_to_their_flores_members() -> None:
    assert individual_languages("ar") == ["ara_Arab", "arb_Arab"]
    assert individual_languages("fa") == ["fas_Arab", "pes_Arab", "prs_Arab"]
    assert individual_languages("eng") == ["eng_Latn"]


def test_common_iso639_1_codes_all_normalize() -> None:
    codes = "en de fr es it pt ru zh ja ko ar hi bn ur fa tr vi th id ms sw yo zu xh am".split()
    assert all(len(normalize_lang(c)) == len("eng_Latn") for c in codes)
    assert len(known_languages()) > 500


def test_every_flores_file_name_normalizes_to_itself() -> None:
    flores = shared_path("parallel", "flores200")
    names = sorted(p.stem for p in flores.glob("*_*.txt") if p.stem != "index_ids")
    assert len(names) == 205
    assert [normalize_lang(n) for n in names] == names


def test_a_regional_variant_belongs_to_its_base_language() -> None:
    assert base_lang("fra-CA") == "fra_Latn" and region_of("fra-CA") == "CA" and region_of("fra") is None
    assert script_of("zh-TW") == "Hant" and is_spaceless("zh-TW")


def test_a_region_finds_its_variant_first_then_the_plain_language() -> None:
    assert individual_languages("pt-BR") == ["por_Latn-BR", "por_Latn"]


def test_region_variants_in_a_parallel_directory_stay_distinct_languages(tmp_path) -> None:
    for name, lines in [("fra", "le courriel\nla voiture\n"), ("fra-CA", "le courriel\nle char\n"),
                        ("por", "o trem\n1\n"), ("pt-BR", "o trem\n2\n")]:
        (tmp_path / f"{name}.txt").write_text(lines, encoding="utf-8")
    pc = load_parallel(str(tmp_path))
    assert pc.langs == ["fra_Latn", "fra_Latn-CA", "por_Latn", "por_Latn-BR"]
    assert pc.texts["fra_Latn-CA"][1] == "le char" and pc.texts["fra_Latn"][1] == "la voiture"
    assert load_parallel(str(tmp_path), langs=["fr-CA"]).langs == ["fra_Latn-CA"]


def test_two_spellings_of_one_language_are_still_duplicates(tmp_path) -> None:
    (tmp_path / "fra.txt").write_text("a\n", encoding="utf-8")
    (tmp_path / "fra_Latn.txt").write_text("b\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="both language fra_Latn"):
        load_parallel(str(tmp_path))
