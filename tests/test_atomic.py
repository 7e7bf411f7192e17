"""Atomic writes: complete files with the usual permissions, and nothing left behind on failure."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tokensmith import atomic


def test_written_file_has_umask_permissions(tmp_path):
    path = atomic.write_text(tmp_path / "out.txt", "hello")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
    assert path.read_text() == "hello"


def test_failure_leaves_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_temporary_name_carries_the_writer_pid(tmp_path):
    with atomic.atomic_path(tmp_path / "out.json") as tmp:
        assert re.fullmatch(rf"\.out\.json\.[A-Za-z0-9-]+-{os.getpid()}\.[a-z0-9_]{{8}}\.tmp", tmp.name), tmp.name
        assert tmp.parent == tmp_path


def _writer_that_hangs(target):
    """A child process that starts an atomic write, reports its temporary file, and waits to be killed."""
    code = (
        "import sys, time\n"
        "from tokensmith import atomic\n"
        "with atomic.atomic_path(sys.argv[1]) as tmp:\n"
        "    tmp.write_bytes(b'x' * 1000)\n"
        "    print(tmp, flush=True)\n"
        "    time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True, env=env)
    return child, Path(child.stdout.readline().strip())


def test_a_killed_writers_file_is_removed_by_the_next_write_but_a_live_ones_is_not(tmp_path):
    child, leftover = _writer_that_hangs(tmp_path / "big.bin")
    try:
        atomic.write_text(tmp_path / "other.txt", "while the child writes")
        assert leftover.exists()  # the writer still runs: its file is kept
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert leftover.exists()  # SIGKILL leaves it behind ...
        atomic.write_text(tmp_path / "other.txt", "next write")
        assert not leftover.exists()  # ... and the next write to the directory removes it
    finally:
        child.kill()
        child.wait(timeout=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt"]


def test_files_without_a_pid_are_removed_only_after_a_day(tmp_path):
    old = tmp_path / ".model.json.k2j4h5g6.tmp"  # the pre-PID name
    fresh = tmp_path / ".model.json.a1b2c3d4.tmp"
    for path in (old, fresh):
        path.write_text("half")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    assert atomic.remove_stale_temps(tmp_path) == [old]
    assert fresh.exists()


def test_a_dead_pid_on_another_host_counts_only_by_age(tmp_path):
    # On a shared filesystem the PID belongs to another machine's process table: it cannot be checked from here.
    elsewhere = tmp_path / ".model.json.other-host-999999999.k2j4h5g6.tmp"
    elsewhere.write_text("being written on other-host")
    assert atomic.remove_stale_temps(tmp_path) == []
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(elsewhere, (two_days_ago, two_days_ago))
    assert atomic.remove_stale_temps(tmp_path) == [elsewhere]


def test_files_that_are_not_ours_are_never_removed(tmp_path):
    names = [".notes.tmp", "plain.h-123.abcd1234.tmp", ".x.h-1.ABCDEFGH.tmp", ".x.h-1.abc.tmp"]
    for name in names:
        path = tmp_path / name
        path.write_text("user data")
        os.utime(path, (0, 0))  # very old, and PID 1 or no PID: still not one of our names
    assert atomic.remove_stale_temps(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
