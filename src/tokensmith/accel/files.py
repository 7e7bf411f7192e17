"""What the accelerators' loaders need from a tokenizer's native bytes: a file on disk, or tokenizer.json with the
special tokens taken out of the added-token list.

Accelerators encode *plain* text, the tokensmith default: a special token's literal text (`<|endoftext|>`) is read
as ordinary text. Libraries whose loaders always match added special tokens in text get a tokenizer.json without
them (their ids stay in the vocabulary; nothing else changes). Whether that gives the backend's ids is not assumed
here: `verify.py` checks it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from tokensmith import atomic
from tokensmith.cache import cache_dir


def native_file(data: bytes, *, suffix: str) -> Path:
    """`data` as a file in the cache (named by its sha256, written once, atomically), for loaders that want a path.

    Args:
        data: the bytes (a tokenizer's `native_bytes()`).
        suffix: the file name's end, e.g. '.tiktoken' or '.json'.

    Example:
        >>> native_file(b"IQ== 0\\n", suffix=".tiktoken").read_bytes()
        b'IQ== 0\\n'
    """
    import hashlib

    path = cache_dir("accel", "files") / f"{hashlib.sha256(data).hexdigest()[:32]}{suffix}"
    if not path.is_file() or path.stat().st_size != len(data):
        atomic.write_bytes(path, data)
    return path


def json_without_specials(data: bytes) -> str:
    """tokenizer.json text with the special entries of `added_tokens` removed (the others kept, in order).

    Args:
        data: the tokenizer.json bytes.

    Example:
        >>> doc = {"added_tokens": [{"id": 0, "content": "<s>", "special": True},
        ...                         {"id": 5, "content": "hi", "special": False}], "model": {}}
        >>> json.loads(json_without_specials(json.dumps(doc).encode()))["added_tokens"]
        [{'id': 5, 'content': 'hi', 'special': False}]
    """
    doc = json.loads(data)
    doc["added_tokens"] = [t for t in doc.get("added_tokens") or [] if not t.get("special")]
    return json.dumps(doc, ensure_ascii=False)


def scratch_dir() -> Path:
    """A fresh temporary folder (for libraries that write beside their input).

    Example:
        >>> scratch_dir().is_dir()
        True
    """
    return Path(tempfile.mkdtemp(prefix="tokensmith-accel-"))
