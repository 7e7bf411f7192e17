"""Cut input files into shards of whole lines, without reading the files into memory.

A shard is (file, byte_start, byte_end): about `shard_bytes` bytes, ending just after a '\\n' (or at the end of the
file), never spanning two files. Planning seeks to each target offset and reads forward to the next newline, so it
costs one short read per shard whatever the file size. Shard k of a given input list and `shard_bytes` is always
the same byte range, which is what makes `encode-corpus` resumable.

Not handled: compressed files (offsets would not be byte offsets of the text) and a line longer than the whole
file system block being read (it just makes one long shard).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tokensmith.errors import CorpusError

DEFAULT_SHARD_BYTES = 16 << 20  # 16 MiB of text per shard: a few seconds of encoding, a bounded worker memory
_SCAN = 1 << 16


@dataclass(frozen=True)
class Shard:
    """Shard `index` of a corpus: bytes [byte_start, byte_end) of `path`."""

    index: int
    path: str
    byte_start: int
    byte_end: int

    @property
    def name(self) -> str:
        """The shard's file stem: 'shard-00000'."""
        return f"shard-{self.index:05d}"

    def read(self) -> bytes:
        """The shard's bytes.

        Example:
            >>> import tempfile
            >>> p = Path(tempfile.mkdtemp()) / "c.txt"
            >>> _ = p.write_bytes(b"one\\ntwo\\n")
            >>> Shard(0, str(p), 4, 8).read()
            b'two\\n'
        """
        with open(self.path, "rb") as fh:
            fh.seek(self.byte_start)
            return fh.read(self.byte_end - self.byte_start)


def input_files(inputs: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The files to read: each file as given, each directory's files (recursively, sorted, hidden ones skipped).

    Args:
        inputs: files and directories.

    Example:
        >>> input_files(["/nonexistent.txt"])
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: input '/nonexistent.txt' does not exist: give text files (one document per line) or directories of them.
    """
    out: list[Path] = []
    for given in inputs:
        path = Path(given).expanduser()
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            out.append(path)
        else:
            raise CorpusError(f"input '{given}' does not exist: give text files (one document per line) or "
                              "directories of them.")  # fmt: skip
    if not out:
        raise CorpusError(f"no input files in {', '.join(map(str, inputs))}: give text files, one document per line.")
    return out


def _next_line_end(fh: BinaryIO, pos: int, size: int) -> int:
    """The offset just after the first '\\n' at or after `pos` (or `size`)."""
    fh.seek(pos)
    while pos < size:
        block = fh.read(_SCAN)
        if not block:
            break
        k = block.find(b"\n")
        if k >= 0:
            return pos + k + 1
        pos += len(block)
    return size


def plan_shards(files: Sequence[Path], *, shard_bytes: int = DEFAULT_SHARD_BYTES) -> Iterator[Shard]:
    """The shards of `files`, in order, lazily.

    Args:
        files: the input files (see `input_files`).
        shard_bytes: the target size of a shard; each one ends at the first line end at or after it.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "c.txt"
        >>> _ = p.write_bytes(b"aa\\nbbbb\\nc\\n")
        >>> [(s.byte_start, s.byte_end) for s in plan_shards([p], shard_bytes=4)]
        [(0, 8), (8, 10)]
    """
    if shard_bytes <= 0:
        raise CorpusError(f"the shard size must be positive (got {shard_bytes} bytes): try --shard-mb 16.")
    k = 0
    for path in files:
        size = path.stat().st_size
        with path.open("rb") as fh:
            start = 0
            while start < size:
                end = _next_line_end(fh, min(start + shard_bytes, size) - 1, size)
                yield Shard(k, str(path), start, end)
                k, start = k + 1, end
