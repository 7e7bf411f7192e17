"""Atomic file writes: a file is either the old version or the complete new one, never half-written.

We write to a temporary file in the same directory, fsync it, then `os.replace` it over the target (atomic on
POSIX within one filesystem). Directories are not handled here: write each file inside them atomically.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to `target`; move it over `target` only if the block succeeds.

    Args:
        target: the final file path. Its parent directory is created if missing.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> with atomic_path(d / "x.txt") as tmp:
        ...     _ = tmp.write_text("hi")
        >>> (d / "x.txt").read_text()
        'hi'
    """
    final = Path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `target` atomically and return the path.

    Args:
        target: the final file path; its parent directory is created if missing.
        data: the whole content.

    Example:
        >>> import tempfile, pathlib
        >>> path = write_bytes(pathlib.Path(tempfile.mkdtemp()) / "sub" / "x.bin", b"abc")
        >>> path.read_bytes()
        b'abc'
    """
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 `text` to `target` atomically and return the path.

    Args:
        target: the final file path; its parent directory is created if missing.
        text: the whole content, written as UTF-8.

    Example:
        >>> import tempfile, pathlib
        >>> write_text(pathlib.Path(tempfile.mkdtemp()) / "x.txt", "naïve").stat().st_size  # ï takes 2 bytes
        6
    """
    return write_bytes(target, text.encode("utf-8"))
