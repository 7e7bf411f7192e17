"""The root conftest.py makes a test session independent of the machine, of test order and of earlier runs.

Each claim runs a small pytest session in a child process that loads the root conftest as a plugin, so the claim
is checked on a session of its own (with two xdist workers where sharing across workers is the point).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _child_session(tmp_path: Path, body: str, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_child.py").write_text(body, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    env.pop("TOKENSMITH_CACHE", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest", "--rootdir", str(tmp_path),
           "-c", os.devnull, *args, str(tmp_path / "test_child.py")]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)


def test_workers_share_one_fresh_cache_that_is_removed_afterwards(tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    out = tmp_path / "seen"
    out.mkdir()
    body = (
        "import os, pathlib\n"
        "import pytest\n"
        "@pytest.mark.parametrize('i', range(4))\n"
        "def test_record(i):\n"
        f"    pathlib.Path({str(out)!r}, str(i)).write_text(os.environ['TOKENSMITH_CACHE'])\n"
    )
    run = _child_session(tmp_path, body, "-n", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    seen = {p.read_text() for p in out.iterdir()}
    assert len(seen) == 1  # both workers, one folder
    cache = Path(seen.pop())
    assert cache.name.startswith("tokensmith-test-cache-") and not cache.exists()  # fresh, and gone at the end


LEARNER_LEAK = (
    "from tokensmith.learn import get_learner, learner_names, register_learner\n"
    "def test_a_registers():\n"
    "    register_learner('leaky', get_learner('bpe'))\n"
    "    assert 'leaky' in learner_names()\n"
    "def test_b_does_not_see_it():\n"
    "    assert 'leaky' not in learner_names()\n"
)
ENVIRONMENT_LEAK = (
    "import os\n"
    "def test_a_changes_the_environment():\n"
    "    os.environ['TOKENSMITH_OFFLINE'] = 'leaked'\n"
    "    del os.environ['TOKENSMITH_CACHE']\n"
    "def test_b_sees_the_session_environment():\n"
    "    assert os.environ.get('TOKENSMITH_OFFLINE') != 'leaked' and 'TOKENSMITH_CACHE' in os.environ\n"
    "    assert os.environ['RAYON_NUM_THREADS'] == os.environ['NUMBA_NUM_THREADS'] == '1'\n"
)


@pytest.mark.parametrize(
    "body", [LEARNER_LEAK, ENVIRONMENT_LEAK], ids=["learner-registered-in-a-is-gone-in-b", "environment-and-threads"]
)
def test_what_one_test_changes_the_next_does_not_see(tmp_path: Path, body: str) -> None:
    run = _child_session(tmp_path, body, "-p", "no:randomly")
    assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout + run.stderr
