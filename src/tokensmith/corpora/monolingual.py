"""Monolingual corpora: the user's own text files, for `tokensmith eval --corpus FILE|DIR|GLOB [--lang CODE]`.

Files are read with the readers `train` uses (readers.py: txt, gz, xz, bz2, zst, jsonl, parquet; directories
recursively; globs), streamed line by line; the lines kept are held in memory (the evaluation resamples them), and
`limit` stops reading after that many lines per corpus, so a sample of a large file costs only the lines it keeps. Each file is named by its stem without the reader suffixes
(`news.fr.txt.gz` → `news.fr`), and files with the same name and language are one corpus (shards of a glob). The
language of a file is `lang` when given, else its name when that is a language code (language, optional script,
optional region: `fra-CA.txt` → fra_Latn-CA, `deu_Latn.txt`, `bn.txt`), else `und` (BCP 47 "undetermined").

Not handled: language identification from the text itself, and alignment (see parallel.py for aligned corpora).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tokensmith.corpora.langs import normalize_lang
from tokensmith.corpora.readers import Errors, expand_sources, iter_lines
from tokensmith.errors import CorpusError, TokensmithError

UNDETERMINED = "und"
# A file name that is a language code: language, optional script, optional region ('fra', 'deu_Latn', 'pt-BR').
_NAME_TAG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?")
# Suffixes the readers understand, stripped from a file name to give the corpus name.
_READER_SUFFIXES = {".txt", ".text", ".jsonl", ".ndjson", ".parquet", ".gz", ".xz", ".bz2", ".zst", ".zstd"}


@dataclass(frozen=True)
class MonolingualCorpus:
    """Lines of text per language, not aligned across languages (usually one language).

    Args:
        name: the corpus name in the results (a file stem).
        texts: language code → lines.

    Example:
        >>> MonolingualCorpus(name="notes", texts={"und": ["a line", "another"]}).langs
        ['und']
    """

    name: str
    texts: dict[str, list[str]]

    @property
    def langs(self) -> list[str]:
        """Language codes, sorted."""
        return sorted(self.texts)


def corpus_name(path: str | Path) -> str:
    """The corpus name of a file: its name without the suffixes the readers understand ('-' is stdin).

    Args:
        path: a corpus file.

    Example:
        >>> corpus_name("data/news.fr.txt.gz"), corpus_name("fra-CA.txt"), corpus_name("-")
        ('news.fr', 'fra-CA', 'stdin')
    """
    if str(path) == "-":
        return "stdin"
    name = Path(path).name
    while Path(name).suffix.lower() in _READER_SUFFIXES and Path(name).stem:
        name = Path(name).stem
    return name


def lang_from_name(name: str) -> str:
    """The language a corpus name spells ('fra-CA' → 'fra_Latn-CA'), or 'und' when it is not a language code.

    Args:
        name: a corpus name (see `corpus_name`).

    Example:
        >>> lang_from_name("fra-CA"), lang_from_name("deu_Latn"), lang_from_name("my-notes")
        ('fra_Latn-CA', 'deu_Latn', 'und')
    """
    if not _NAME_TAG.fullmatch(name):  # 'my-notes' is a valid BCP 47 tag (Burmese, variant 'notes'), not a language
        return UNDETERMINED
    try:
        return normalize_lang(name)
    except TokensmithError:
        return UNDETERMINED


def load_corpora(
    sources: Sequence[str | Path],
    *,
    lang: str | None = None,
    limit: int | None = None,
    field: str | None = None,
    column: str | None = None,
    errors: Errors = "strict",
) -> list[MonolingualCorpus]:
    """Read files, directories and globs into one `MonolingualCorpus` per corpus name, in name order.

    Args:
        sources: files, directories (recursive) or glob patterns; '-' is stdin.
        lang: the language of every file (any code form); else each file's name decides (see module docstring).
        limit: keep at most this many lines per corpus and language.
        field: the JSON field of .jsonl records (default 'text').
        column: the parquet column (default 'text').
        errors: 'strict' or 'replace' for invalid UTF-8.

    Raises:
        CorpusError: a missing path, an unknown `lang`, an empty file, unreadable data (readers.py).

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "fra-CA.txt").write_text("bonjour\\nallô\\n"); _ = (d / "notes.txt").write_text("hi\\n")
        >>> [(c.name, c.langs, len(c.texts[c.langs[0]])) for c in load_corpora([d])]
        [('fra-CA', ['fra_Latn-CA'], 2), ('notes', ['und'], 1)]
    """
    if limit is not None and limit < 1:
        raise CorpusError(f"limit must be a positive number of lines, got {limit}.")
    code = normalize_lang(lang) if lang else None
    grouped: dict[str, dict[str, list[str]]] = {}
    for path in expand_sources(list(sources)):
        name = corpus_name(path)
        lines = grouped.setdefault(name, {}).setdefault(code or lang_from_name(name), [])
        room = None if limit is None else limit - len(lines)
        if room == 0:
            continue
        stream = iter_lines([path], field=field, column=column, errors=errors)
        lines.extend(itertools.islice(stream, room))
    return [MonolingualCorpus(name=name, texts=grouped[name]) for name in sorted(grouped)]
