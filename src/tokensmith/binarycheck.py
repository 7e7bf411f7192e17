"""Is this text or a binary file? One rule for every reader (corpora, `--file`, `--verify` corpora, LiB).

NUL is valid UTF-8 and valid text, so one NUL byte is no reason to refuse a file. A file is taken for binary when
more than `BINARY_SHARE` of its first `PROBE_BYTES` bytes are NUL or other C0 control bytes (tab, newline, carriage
return, form feed and vertical tab aside) or DEL: UTF-16 text (every other byte NUL), executables, model weights.
Compressed or random bytes are usually caught earlier by the UTF-8 check, which names the byte offset.

Not handled: deciding from the whole file (only its first kilobytes are read), and text in other encodings that
happens to have few control bytes (Latin-1 fails the UTF-8 check instead).
"""

from __future__ import annotations

from pathlib import Path

from tokensmith.errors import CorpusError

PROBE_BYTES = 8192
BINARY_SHARE = 0.3
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\x0b\x0c") + b"\x7f"


def control_share(head: bytes) -> float:
    """The share of NUL/control bytes in the first `PROBE_BYTES` bytes of `head` (0.0 when it is empty).

    Args:
        head: the start of a file.

    Example:
        >>> control_share(b"hello\\x00world\\n"), control_share("hi".encode("utf-16-le"))
        (0.08333333333333333, 0.5)
    """
    probe = head[:PROBE_BYTES]
    return (len(probe) - len(probe.translate(None, _CONTROL))) / len(probe) if probe else 0.0


def check_not_binary(head: bytes, *, path: str | Path, what: str = "") -> None:
    """Raise `CorpusError` when `head` (the start of a file) looks binary by the rule in the module docstring.

    Args:
        head: the first bytes of the file (at least `PROBE_BYTES`, when it has them).
        path: the file, for the message.
        what: what the file is ("input file"), for the message.

    Example:
        >>> check_not_binary(b"a line with a NUL \\x00 in it\\n", path="notes.txt")
        >>> check_not_binary("text".encode("utf-16-le"), path="notes.txt")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: 'notes.txt' looks binary (50% of its first 8 bytes are NUL or control bytes)...
    """
    share = control_share(head)
    if share > BINARY_SHARE:
        name = f"{what} '{path}'" if what else f"'{path}'"
        raise CorpusError(
            f"{name} looks binary ({share:.0%} of its first {min(len(head), PROBE_BYTES)} bytes are NUL or control "
            "bytes), not UTF-8 text. Pass text files (.txt, .jsonl, .parquet, optionally .gz/.xz/.zst compressed); "
            "convert UTF-16 text to UTF-8 first (iconv -f UTF-16 -t UTF-8)."
        )


__all__ = ["BINARY_SHARE", "PROBE_BYTES", "check_not_binary", "control_share"]
