"""Reading the LM lab's text files: whole UTF-8 files, refused with the file's name and the byte offset when bad.

The toy corpora here are a few MB, so a file is read whole (the training stream is indexed at random anyway).
Line endings are kept as they are: bits per byte is measured on the file's exact bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

from tokensmith.errors import CorpusError


def read_text(path: str | os.PathLike[str], *, what: str, max_bytes: int | None = None) -> str:
    """The file's text; a CorpusError when it is missing, empty or not UTF-8 (with the first bad byte's offset).

    Args:
        path: the text file.
        what: how the message names it (e.g. '--train').
        max_bytes: keep only the first N bytes (cut back to a character boundary); None keeps all.

    Example:
        >>> import tempfile
        >>> bad = Path(tempfile.mkdtemp()) / "bad.txt"
        >>> _ = bad.write_bytes(b"ok\\xff")
        >>> read_text(bad, what="--train")
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: --train file .../bad.txt is not UTF-8: byte 0xff at offset 2 ...
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as e:
        raise CorpusError(f"{what} file {file} cannot be read ({e.strerror or e}); check the path.") from e
    if max_bytes is not None and max_bytes < len(data):
        cut = max_bytes
        while cut > 0 and 0x80 <= data[cut] < 0xC0:  # data[cut] continues a character: cut before that character
            cut -= 1
        data = data[:cut]
    if not data:
        raise CorpusError(f"{what} file {file} is empty; pass a file with some UTF-8 text.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError(f"{what} file {file} is not UTF-8: byte 0x{data[e.start]:02x} at offset {e.start} "
                          f"({e.reason}); re-encode it as UTF-8 (e.g. iconv -t UTF-8).") from e  # fmt: skip
