"""House rule: every public function and method has `Args:` (when it takes arguments) and a runnable example.

The checker walks the package's source with `ast` (nothing is imported), so it sees every module, including those
whose imports need the optional extras. "Public" means: a module-level function or a method of a module-level class
whose own name, class name and module path have no leading underscore. Properties and `@overload` stubs are left
out (a property takes no arguments, and its example belongs to the class). An example is a `>>>` line; one marked
`+SKIP` does not count, because it never runs (models' examples skip through `require_model` instead, see the root
conftest.py).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "tokensmith"
EXEMPT_DECORATORS = {"property", "overload", "cached_property", "setter"}
Node = ast.FunctionDef | ast.AsyncFunctionDef


def _decorator_names(node: Node) -> set[str]:
    names = set()
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        names.add(target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", ""))
    return names


def _takes_arguments(node: Node, *, is_method: bool) -> bool:
    args = node.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if is_method and names and names[0] in ("self", "cls") and "staticmethod" not in _decorator_names(node):
        names = names[1:]
    return bool(names or args.vararg or args.kwarg)


def docstring_problems(node: Node, *, is_method: bool) -> list[str]:
    """What `node`'s docstring lacks under the house rule: 'Args:' and/or 'example' ([] when it complies).

    Args:
        node: a parsed function or method.
        is_method: whether `node` sits in a class (so `self`/`cls` is not an argument).

    Example:
        >>> docstring_problems(ast.parse("def f(x): return 2 * x").body[0], is_method=False)
        ['Args:', 'example']
    """
    doc = ast.get_docstring(node) or ""
    problems = []
    if _takes_arguments(node, is_method=is_method) and "Args:" not in doc:
        problems.append("Args:")
    runnable = [line for line in doc.splitlines() if line.strip().startswith(">>>") and "+SKIP" not in line]
    if not runnable or "+SKIP" in doc:
        problems.append("example")
    return problems


def _is_protocol(node: ast.ClassDef) -> bool:
    """An interface (`class X(Protocol)`): its methods are specifications, and the examples live with the classes
    that implement them."""
    return any(getattr(b, "id", getattr(b, "attr", "")) == "Protocol" for b in node.bases)


def _public_functions(tree: ast.Module) -> Iterator[tuple[str, Node, bool]]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            yield node.name, node, False
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_") and not _is_protocol(node):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and not item.name.startswith("_"):
                    yield f"{node.name}.{item.name}", item, True


def offenders(package: Path) -> list[str]:
    """Every public function or method under `package` that breaks the rule, as 'path:line name (lacks ...)'.

    Args:
        package: the package directory to walk (its .py files, recursively).

    Example:
        >>> offenders(PACKAGE / "py.typed")  # a file, not a package: nothing to walk
        []
    """
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent)
        if any(part.startswith("_") and part != "__init__.py" for part in rel.parts):
            continue
        for name, node, is_method in _public_functions(ast.parse(path.read_text(encoding="utf-8"))):
            if _decorator_names(node) & EXEMPT_DECORATORS:
                continue
            problems = docstring_problems(node, is_method=is_method)
            if problems:
                found.append(f"{rel}:{node.lineno} {name} (lacks {' and '.join(problems)})")
    return found


def test_checker_flags_a_function_without_args_or_example(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "mod.py").write_text(
        "def bare(x):\n    'No sections.'\n\n"
        "def good(x):\n    '''Fine.\n\n    Args:\n        x: a number.\n\n    Example:\n        >>> good(1)\n    '''\n\n"
        "def _private(x):\n    pass\n\n"
        "class Thing:\n    def skipped(self):\n        '''Never runs.\n\n        >>> Thing().skipped()  # doctest: +SKIP\n        '''\n\n"
        "class Iface(Protocol):\n    def spec(self, x): ...\n",
        encoding="utf-8",
    )
    assert offenders(pkg) == ["pkg/mod.py:1 bare (lacks Args: and example)", "pkg/mod.py:18 Thing.skipped (lacks example)"]


def test_every_public_function_has_args_and_a_runnable_example() -> None:
    found = offenders(PACKAGE)
    assert not found, f"{len(found)} public functions/methods break the docstring rule:\n" + "\n".join(found)
