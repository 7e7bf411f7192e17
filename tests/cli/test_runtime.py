"""Thread and progress control of long commands: numba's thread count is restored, a quiet bar prints nothing."""

from __future__ import annotations

import pytest

from tokensmith.cli.runtime import StepProgress, numba_threads


def test_numba_threads_limits_inside_the_block_and_restores_after():
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    with numba_threads(1) as inside:
        assert inside == numba.get_num_threads() == 1
    assert numba.get_num_threads() == before


def test_numba_threads_restores_after_an_error():
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    with pytest.raises(KeyError), numba_threads(1):
        raise KeyError("boom")
    assert numba.get_num_threads() == before


def test_quiet_progress_prints_nothing_and_counts_steps(capsys):
    with StepProgress(total=3, label="demo", quiet=True) as progress:
        progress.note("working")
        progress.warn("a source is missing")
        progress.advance("step one")
        progress.advance("step two")
    assert progress.done == 2
    assert capsys.readouterr() == ("", "")


def test_progress_lines_go_to_stderr(capsys):
    with StepProgress(total=1, label="demo", quiet=False) as progress:
        progress.warn("missing: the UDHR tarball")
        progress.advance("data ready")
    captured = capsys.readouterr()
    assert captured.out == "" and "missing: the UDHR tarball" in captured.err and "✓ data ready" in captured.err
