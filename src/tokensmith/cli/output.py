"""Shared CLI output helpers: JSON to stdout or a file, and the rich console."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from tokensmith import atomic

console = Console()
err_console = Console(stderr=True)


def emit_json(obj: Any, path: Path | None = None) -> None:
    """Write `obj` as JSON to `path` atomically, or to stdout when `path` is None or '-'.

    Args:
        obj: plain data (dicts, lists, numbers, strings); anything else is written as its `str()`.
        path: the file to write, or None / '-' for stdout.

    Example:
        >>> emit_json({"tokenizer": "gpt2", "ids": [15496, 995]})
        {
          "tokenizer": "gpt2",
          "ids": [
            15496,
            995
          ]
        }
    """
    text = json.dumps(obj, ensure_ascii=False, indent=2, default=str)
    if path is None or str(path) == "-":
        sys.stdout.write(text + "\n")
    else:
        atomic.write_text(path, text + "\n")


def bytes_repr(data: bytes) -> str:
    r"""A readable, unambiguous form of token bytes: UTF-8 text when valid, else Python's escaped bytes.

    Args:
        data: the bytes of one token (or of any byte string).

    Example:
        >>> print(bytes_repr("Grüße".encode("utf-8")), bytes_repr("ü".encode("utf-8")[:1]))  # the 2nd cuts 'ü' in half
        Grüße \xc3
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return repr(data)[2:-1]
