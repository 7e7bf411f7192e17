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
    """Write `obj` as JSON to `path` atomically, or to stdout when `path` is None or '-'."""
    text = json.dumps(obj, ensure_ascii=False, indent=2, default=str)
    if path is None or str(path) == "-":
        sys.stdout.write(text + "\n")
    else:
        atomic.write_text(path, text + "\n")


def bytes_repr(data: bytes) -> str:
    """A readable, unambiguous form of token bytes: UTF-8 text when valid, else Python's escaped bytes."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return repr(data)[2:-1]
