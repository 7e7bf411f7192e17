"""Atomic writes: complete files with the usual permissions, and nothing left behind on failure."""

from __future__ import annotations

import os
import stat

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
