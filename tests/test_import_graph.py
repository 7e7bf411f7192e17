"""The core reads one way: no import circles in the package (function-level imports count), and stages never
import each other."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "tokensmith"
STAGES = ("learn", "measure", "decode", "adapt", "reduce", "lm")


def _graph() -> dict[str, set[str]]:
    """Module → the package modules it imports anywhere in its body."""
    mods = {}
    for f in SRC.rglob("*.py"):
        name = ".".join(("tokensmith", *f.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
        mods[name] = f
    graph: dict[str, set[str]] = {}
    for name, f in mods.items():
        pkg = name if f.name == "__init__.py" else name.rsplit(".", 1)[0]
        out: set[str] = set()
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                cands = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                cands = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            for cand in cands:
                while cand and cand not in mods:
                    cand = cand.rsplit(".", 1)[0] if "." in cand else ""
                if cand and cand not in (name, "tokensmith"):
                    out.add(cand)
        graph[name] = out
    return graph


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for nxt in graph.get(node, ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def test_no_import_circles():
    graph = _graph()
    circles = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if _reaches(graph, b, a)})
    assert circles == []


def test_stages_do_not_import_each_other():
    graph = _graph()

    def stage(mod: str) -> str | None:
        part = mod.split(".")[1] if mod.count(".") >= 1 else ""
        return part if part in STAGES else None

    crossing = sorted((a, b) for a in graph for b in graph[a] if stage(a) and stage(b) and stage(a) != stage(b))
    assert crossing == []


def test_the_package_root_imports_no_stage():
    import subprocess
    import sys

    code = "import sys, tokensmith; print(sorted({m.split('.')[1] for m in sys.modules if m.count('.') and m.startswith('tokensmith.')}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert not set(eval(out)) & set(STAGES)  # noqa: S307 - our own printed list
