"""Atomic file writes: a file is either the old version or the complete new one, never half-written.

We write to a temporary file in the same directory, fsync it, then `os.replace` it over the target (atomic on
POSIX within one filesystem). Directories are not handled here: write each file inside them atomically.

Temporary files are named `.NAME.<host>-<pid>.XXXXXXXX.tmp`, with the writer's host name and process id. A writer
killed mid-write (SIGKILL, power loss) leaves its file behind; the next write to the same directory removes such
leftovers, but only those whose writer is gone: written on this host by a PID that no longer runs, or older than a
day (a reused PID; another machine on a shared filesystem, whose PIDs cannot be checked from here). A concurrent
writer's file is never touched. Names from older versions, without host and PID (`.NAME.XXXXXXXX.tmp`), are
removed only after a day. Files that merely look similar are left alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

STALE_AFTER_S = 24 * 3600.0  # a temporary file older than this has no live writer, whatever its PID says
_WITH_PID = re.compile(r"\A\..+\.(?P<host>[A-Za-z0-9-]*)-(?P<pid>\d+)\.[a-z0-9_]{8}\.tmp\Z")
_WITHOUT_PID = re.compile(r"\A\..+\.[a-z0-9_]{8}\.tmp\Z")  # tempfile.mkstemp's 8 random characters


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _host() -> str:
    """This machine's name as it goes into temporary names: letters, digits and '-', at most 32 characters."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32]


def _writer_tag() -> str:
    return f"{_host()}-{os.getpid()}"


def _pid_runs(pid: int) -> bool:
    """True when a process with this id exists (signal 0 checks without sending anything)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OverflowError:  # not a possible PID
        return False
    return True


def _is_stale(entry: os.DirEntry[str], *, now: float, max_age_s: float) -> bool:
    with_pid = _WITH_PID.match(entry.name)
    if with_pid is None and _WITHOUT_PID.match(entry.name) is None:
        return False  # not one of ours
    if not entry.is_file(follow_symlinks=False):
        return False
    if now - entry.stat(follow_symlinks=False).st_mtime > max_age_s:
        return True
    if with_pid is None or with_pid.group("host") != _host():
        return False  # no PID, or a PID on another machine: only the age tells
    return not _pid_runs(int(with_pid.group("pid")))


def remove_stale_temps(directory: str | os.PathLike[str], *, max_age_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove this module's leftover temporary files in `directory` whose writer is gone; return what was removed.

    A file is removed when its name has the form `.NAME.<host>-<pid>.XXXXXXXX.tmp` with this host's name and a PID
    that no longer runs, or when it has that form or the older `.NAME.XXXXXXXX.tmp` and was last modified more
    than `max_age_s` seconds ago. Errors (a file removed meanwhile, a read-only directory) are ignored: cleaning up
    never fails a write.

    Args:
        directory: the directory to clean (not recursive).
        max_age_s: the age after which any such temporary file counts as abandoned (default: one day).

    Example:
        >>> import os, pathlib, tempfile
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> dead = d / f".out.json.{_host()}-999999999.abcd1234.tmp"
        >>> live = d / f".out.json.{_writer_tag()}.abcd1234.tmp"
        >>> _ = dead.write_text("half")  # no such process
        >>> _ = live.write_text("in progress")  # a live writer: this process
        >>> remove_stale_temps(d) == [dead], live.exists()
        (True, True)
    """
    now = time.time()
    removed: list[Path] = []
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.name.endswith(".tmp") and _is_stale(entry, now=now, max_age_s=max_age_s):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to `target`; move it over `target` only if the block succeeds.

    The temporary file is `.NAME.<host>-<pid>.XXXXXXXX.tmp` in the target's directory; stale ones left there by writers
    that died are removed first (see `remove_stale_temps`).

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
    remove_stale_temps(final.parent)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.{_writer_tag()}.", suffix=".tmp", dir=final.parent)
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


def check_output_dir(out: str | os.PathLike[str], *, record: str, what: str) -> Path:
    """Refuse an output path that is a file, or a non-empty directory without `record` (not an earlier output).

    Args:
        out: the output directory.
        record: the file every earlier output of this kind holds ('adapt.json', 'lm.json').
        what: what such an output is called, for the message ('an earlier adapt output').

    Raises:
        TokensmithError: the path is taken by something else.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> check_output_dir(d / "new", record="lm.json", what="an lm checkpoint") == d / "new"
        True
    """
    from tokensmith.errors import TokensmithError

    path = Path(out)
    if path.exists() and (not path.is_dir() or (any(path.iterdir()) and not (path / record).is_file())):
        raise TokensmithError(f"output {path} exists and is not {what} (no {record} in it); pass a new directory "
                              "with -o, or remove that one.")  # fmt: skip
    return path


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary sibling directory; rename it to `target` only if the block succeeds.

    An earlier directory at `target` is moved aside first and removed after, so readers see the old or the new
    directory whole, never a mix. Check the target first (`check_output_dir`) when it may hold something else.

    Args:
        target: the final directory. Its parent is created if missing.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> with atomic_dir(d / "out") as staging:
        ...     _ = (staging / "a.txt").write_text("hi")
        >>> [p.name for p in (d / "out").iterdir()], [p.name for p in d.iterdir()]
        (['a.txt'], ['out'])
    """
    final = Path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.{_writer_tag()}.", suffix=".tmp", dir=final.parent))
    try:
        yield staging
        old = None
        if final.exists():
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            os.replace(final, old)
        os.replace(staging, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

