"""Streaming readers: every format yields the same lines; bad input fails with the file, the offset and the fix."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import pytest

from tokensmith.corpora.readers import expand_sources, iter_lines
from tokensmith.errors import CorpusError

LINES = ["first line", "zweite Zeile ü", "第三行 😀"]
TEXT = ("\n".join(LINES[:2]) + "\n\n" + LINES[2] + "\n").encode("utf-8")  # one blank line in the middle


def _zst(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


WRITERS = {
    "c.txt": lambda b: b,
    "c.txt.gz": gzip.compress,
    "c.txt.xz": lzma.compress,
    "c.txt.bz2": bz2.compress,
    "c.txt.zst": _zst,
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_text_formats_yield_the_same_lines(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(WRITERS[name](TEXT))
    assert list(iter_lines([path])) == LINES


def test_skip_empty_false_keeps_blank_lines(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(TEXT)
    assert list(iter_lines([tmp_path / "a.txt"], skip_empty=False)) == [LINES[0], LINES[1], "", LINES[2]]


def test_crlf_line_endings_are_removed(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"one\r\ntwo\r\n")
    assert list(iter_lines([tmp_path / "a.txt"])) == ["one", "two"]


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_jsonl_field(tmp_path: Path, suffix: str) -> None:
    records = [{"text": t, "meta": {"body": t.upper()}} for t in LINES]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    path = tmp_path / f"docs{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    assert list(iter_lines([path])) == LINES  # 'text' by default
    assert list(iter_lines([path], field="meta.body")) == [t.upper() for t in LINES]


def test_jsonl_missing_field_lists_the_fields(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text('{"body": "x", "id": 1}\n')
    with pytest.raises(CorpusError, match=r"no field 'text' \(it has: body, id\).*--field"):
        list(iter_lines([path]))


def test_parquet_column_is_read_in_batches(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "docs.parquet"
    many = [f"row {i}" for i in range(10_000)]
    pq.write_table(pa.table({"content": many, "n": list(range(10_000))}), path, row_group_size=1000)
    assert list(iter_lines([path], column="content")) == many
    with pytest.raises(CorpusError, match=r"no column 'text' \(columns: content, n\).*--column"):
        list(iter_lines([path]))


def test_directories_are_read_recursively_in_sorted_order_skipping_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("two\n")
    (tmp_path / "1.txt").write_text("one\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("hidden\n")
    assert list(iter_lines([tmp_path])) == ["one", "two"]


def test_globs_expand(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.md"):
        (tmp_path / name).write_text(name + "\n")
    assert list(iter_lines([str(tmp_path / "*.txt")])) == ["a.txt", "b.txt"]
    with pytest.raises(CorpusError, match="matches no files"):
        expand_sources([str(tmp_path / "*.csv")])


def test_invalid_utf8_names_file_and_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ok\nbad \xff here\n")  # 'ok\n' is 3 bytes, 'bad ' 4 more: offset 7
    with pytest.raises(CorpusError, match=r"bad\.txt' is not valid UTF-8 at byte offset 7 .*--on-bad-utf8 replace"):
        list(iter_lines([path]))
    assert list(iter_lines([path], errors="replace")) == ["ok", "bad \ufffd here"]


def test_invalid_utf8_offset_counts_decompressed_bytes(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt.gz"
    path.write_bytes(gzip.compress(b"hello\n\xc3(\n"))  # a truncated 2-byte sequence at offset 6
    with pytest.raises(CorpusError, match="byte offset 6"):
        list(iter_lines([path]))


def test_binary_input_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"\x00\x01\x02binary\x00")
    with pytest.raises(CorpusError, match="looks binary"):
        list(iter_lines([path]))


@pytest.mark.parametrize("content", [b"", b"\n  \n\t\n"])
def test_empty_corpus_names_the_sources(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=r"corpus is empty.*empty\.txt"):
        list(iter_lines([path]))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        list(iter_lines([tmp_path / "nope.txt"]))


def test_lines_stream_before_the_end_of_the_file_is_read(tmp_path: Path) -> None:
    # A gzip file whose tail is cut off: the first lines arrive before the reader ever reaches the damage.
    data = gzip.compress(b"".join(b"line %d\n" % i for i in range(200_000)))
    path = tmp_path / "cut.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    lines = iter_lines([path])
    assert next(lines) == "line 0"
    with pytest.raises(CorpusError, match="truncated"):
        list(lines)
