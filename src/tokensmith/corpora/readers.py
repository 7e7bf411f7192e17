"""Streaming corpus readers: text lines from files, directories and globs, compressed or not.

Formats are chosen by file name: `.txt` (or anything else) is UTF-8 text with one line per item; `.gz`, `.xz`,
`.bz2` and `.zst` are decompressed on the fly; `.jsonl` yields one string field per record; `.parquet` yields one
string column, read in record batches. Nothing reads a whole file into memory: text is read line by line from a
buffered (de)compressing stream, parquet batch by batch. NUL is text: a file is refused as binary only when its
first kilobytes are mostly NUL/control bytes (`tokensmith.binarycheck`).

Not handled here: deduplication, language identification, and line splitting inside JSON/parquet values (a value
holding several lines is yielded as one item).
"""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import json
import lzma
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Literal

from tokensmith.binarycheck import PROBE_BYTES, check_not_binary
from tokensmith.errors import CorpusError

Errors = Literal["strict", "replace"]
_COMPRESSED = {".gz", ".xz", ".bz2", ".zst", ".zstd"}
_GLOB_CHARS = set("*?[")
# Default record field / column when none is given.
_DEFAULT_FIELD = "text"


def expand_sources(sources: Sequence[str | Path]) -> list[Path]:
    """Resolve files, directories (recursively, hidden files skipped) and glob patterns to a sorted file list.

    Args:
        sources: paths, directories or glob patterns ('data/**/*.txt'); '-' stands for stdin.

    Example:
        >>> expand_sources(["-"])
        [PosixPath('-')]
    """
    if isinstance(sources, (str, Path)):
        sources = [sources]
    files: list[Path] = []
    for src in sources:
        text = str(src)
        if text == "-":
            files.append(Path("-"))
        elif any(c in _GLOB_CHARS for c in text) and not Path(text).exists():
            hits = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not hits:
                raise CorpusError(
                    f"the pattern '{text}' matches no files. Check the pattern and quote it in the shell."
                )
            files.extend(hits)
        elif Path(text).is_dir():
            found = sorted(p for p in Path(text).rglob("*") if p.is_file() and not _hidden(p, Path(text)))
            if not found:
                raise CorpusError(f"the directory '{text}' holds no files. Point the corpus at text files.")
            files.extend(found)
        elif Path(text).is_file():
            files.append(Path(text))
        else:
            raise CorpusError(f"corpus file '{text}' does not exist. Check the path (globs need quoting).")
    return files


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _kind(path: Path) -> tuple[str, str]:
    """(compression suffix or '', inner format 'text' | 'jsonl' | 'parquet')."""
    suffixes = [s.lower() for s in path.suffixes]
    comp = suffixes[-1] if suffixes and suffixes[-1] in _COMPRESSED else ""
    inner = suffixes[:-1] if comp else suffixes
    last = inner[-1] if inner else ""
    if last in (".jsonl", ".ndjson"):
        return comp, "jsonl"
    if last == ".parquet":
        return comp, "parquet"
    return comp, "text"


def open_binary(path: Path) -> BinaryIO:
    """Open `path` for buffered binary reading, decompressing by suffix ('-' is stdin).

    Args:
        path: a file (.gz, .xz, .bz2, .zst/.zstd are decompressed; anything else is read as is), or '-'.

    Example:
        >>> import gzip, tempfile
        >>> path = Path(tempfile.mkdtemp()) / "a.txt.gz"
        >>> _ = path.write_bytes(gzip.compress(b"hello\\n"))
        >>> with open_binary(path) as fh:
        ...     fh.read()
        b'hello\\n'
    """
    if str(path) == "-":
        return sys.stdin.buffer
    comp, _ = _kind(path)
    if comp == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if comp == ".xz":
        return lzma.open(path, "rb")  # type: ignore[return-value]
    if comp == ".bz2":
        return bz2.open(path, "rb")  # type: ignore[return-value]
    if comp in (".zst", ".zstd"):
        import zstandard

        raw = open(path, "rb")  # noqa: SIM115 - closed with the wrapper
        reader = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
        return io.BufferedReader(reader)  # type: ignore[arg-type]
    return open(path, "rb")


def _decode(raw: bytes, *, path: Path, offset: int, errors: Errors) -> str:
    try:
        return raw.decode("utf-8", errors=errors)
    except UnicodeDecodeError as e:
        raise CorpusError(
            f"'{path}' is not valid UTF-8 at byte offset {offset + e.start} (byte 0x{raw[e.start]:02x}; offsets count "
            "decompressed bytes). Fix the file, or replace bad bytes with U+FFFD: `--on-bad-utf8 replace` on the "
            "command line, errors='replace' in Python."
        ) from e


def _raw_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(byte offset, line without its line ending) for every line of a (compressed) file, once its first
    kilobytes have passed the binary check (binarycheck.py: a share of NUL/control bytes, not a single NUL)."""
    offset = 0
    try:
        with open_binary(path) as fh:
            for raw in _checked_head(fh, path=path):
                yield offset, raw.rstrip(b"\r\n") if raw.endswith(b"\n") else raw
                offset += len(raw)
    except (OSError, EOFError, lzma.LZMAError) as e:
        raise CorpusError(
            f"cannot read '{path}' ({e}). The file is truncated or not in the format its name says."
        ) from e
    except Exception as e:  # zstandard.ZstdError has no importable base before the lazy import
        if type(e).__name__ == "ZstdError":
            raise CorpusError(f"cannot decompress '{path}' as zstandard ({e}). Check that the file is complete.") from e
        raise


def _checked_head(fh: BinaryIO, *, path: Path) -> Iterator[bytes]:
    """The raw lines of `fh`, held back until the first `PROBE_BYTES` bytes (or the whole file) pass the check."""
    held: list[bytes] = []
    size = 0
    for raw in fh:
        held.append(raw)
        size += len(raw)
        if size >= PROBE_BYTES:
            break
    check_not_binary(b"".join(held)[:PROBE_BYTES], path=path)
    yield from held
    yield from fh


def _text_lines(path: Path, *, errors: Errors) -> Iterator[str]:
    for offset, raw in _raw_lines(path):
        yield _decode(raw, path=path, offset=offset, errors=errors)


def _pick(record: object, field: str, *, path: Path, lineno: int) -> str | None:
    value = record
    for key in field.split("."):
        if not isinstance(value, dict) or key not in value:
            keys = ", ".join(sorted(value)) if isinstance(value, dict) else type(value).__name__
            raise CorpusError(
                f"'{path}' line {lineno}: the record has no field '{field}' (it has: {keys}). "
                "Choose the text field with `--field NAME` (field='NAME' in Python); dots reach nested fields."
            )
        value = value[key]
    if value is None:
        return None
    if not isinstance(value, str):
        raise CorpusError(
            f"'{path}' line {lineno}: field '{field}' holds {type(value).__name__}, not text. Pick a text field."
        )
    return value


def _jsonl_lines(path: Path, *, field: str | None, errors: Errors) -> Iterator[str]:
    for lineno, (offset, raw) in enumerate(_raw_lines(path), start=1):
        text = _decode(raw, path=path, offset=offset, errors=errors)
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as e:
            raise CorpusError(
                f"'{path}' line {lineno} is not valid JSON ({e.msg}). Each line of a .jsonl file must be one JSON "
                "object."
            ) from e
        value = _pick(record, field or _DEFAULT_FIELD, path=path, lineno=lineno)
        if value is not None:
            yield value


def _parquet_lines(path: Path, *, column: str | None, batch_size: int = 4096) -> Iterator[str]:
    from tokensmith.errors import require

    require("pyarrow", extra="measure")
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as e:
        raise CorpusError(f"cannot read '{path}' as parquet ({e}). Check that the file is complete.") from e
    name = column or _DEFAULT_FIELD
    if name not in pf.schema_arrow.names:
        raise CorpusError(
            f"'{path}' has no column '{name}' (columns: {', '.join(pf.schema_arrow.names)}). "
            "Choose it with `--column NAME` (column='NAME' in Python)."
        )
    for batch in pf.iter_batches(batch_size=batch_size, columns=[name]):
        for value in batch.column(0).to_pylist():  # one batch (≤ batch_size values) in memory at a time
            if value is not None:
                yield value if isinstance(value, str) else str(value)


def _file_lines(path: Path, *, field: str | None, column: str | None, errors: Errors) -> Iterator[str]:
    _, fmt = _kind(path)
    if fmt == "jsonl":
        return _jsonl_lines(path, field=field, errors=errors)
    if fmt == "parquet":
        return _parquet_lines(path, column=column)
    return _text_lines(path, errors=errors)


def iter_lines(
    sources: Sequence[str | Path],
    *,
    field: str | None = None,
    column: str | None = None,
    errors: Errors = "strict",
    skip_empty: bool = True,
) -> Iterator[str]:
    """Stream the lines (or records) of a corpus, file by file in sorted order.

    Args:
        sources: files, directories (read recursively) and glob patterns. '-' reads stdin.
        field: the JSON field holding the text in .jsonl files ('text' by default; 'a.b' for nested fields).
        column: the parquet column holding the text ('text' by default).
        errors: 'strict' raises `CorpusError` at the first invalid UTF-8 byte (naming file and byte offset);
            'replace' puts U+FFFD in its place.
        skip_empty: drop lines that are empty or whitespace only.

    Raises:
        CorpusError: missing files, invalid UTF-8 (strict), binary input, bad JSON, or no lines at all.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
        >>> _ = p.write_text("hello\\n\\nworld\\n")
        >>> list(iter_lines([p]))
        ['hello', 'world']
    """
    if errors not in ("strict", "replace"):
        raise CorpusError(f"unknown UTF-8 error mode '{errors}': choose 'strict' or 'replace'.")
    files = expand_sources(sources)
    count = 0
    for path in files:
        for line in _file_lines(path, field=field, column=column, errors=errors):
            if skip_empty and not line.strip():
                continue
            count += 1
            yield line
    if count == 0:
        names = ", ".join(str(s) for s in (sources if not isinstance(sources, (str, Path)) else [sources]))
        raise CorpusError(f"the corpus is empty: no text lines in {names}. Check the paths (and --field/--column).")
