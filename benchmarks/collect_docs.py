"""Assemble docs/benchmarks.md from the per-area sections in docs/benchmarks/*.md.

Each section is written by the benchmark's author next to its results JSON in benchmarks/results/. Run:
    .venv/bin/python benchmarks/collect_docs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tokensmith import atomic  # noqa: E402

HEADER = """# Benchmarks

Every figure here comes from a script in `benchmarks/` whose raw output is in `benchmarks/results/*.json`. The
machines are noisy (2 shared cores), so each benchmark compares alternatives side by side in one run and reports
ratios. Each section gives the command that reproduces it. Sections marked *reduced size* ran smaller than the
issue asks, and say so with the full-size command.

"""


def main() -> None:
    sections = sorted((ROOT / "docs" / "benchmarks").glob("*.md"))
    body = "\n\n".join(p.read_text(encoding="utf-8").strip() for p in sections)
    toc = "\n".join(f"- `{p.name}`" for p in sections)
    atomic.write_text(ROOT / "docs" / "benchmarks.md", HEADER + "Sections (from docs/benchmarks/):\n" + toc + "\n\n" + body + "\n")
    print(f"wrote docs/benchmarks.md from {len(sections)} sections")


if __name__ == "__main__":
    main()
