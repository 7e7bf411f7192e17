"""`tokensmith zoo`: list the reference tokenizers and say which load on this machine, from where, or why not.

The table fits the terminal: a file inside a package shows as `package-name: file`, a file in the zoo folder
relative to it, anything under the home directory with `~`; a word still wider than the column (a URL in a
reason) is shortened in the middle, keeping its last part. `--json` gives every path in full.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich import box
from rich.cells import cell_len
from rich.table import Table

from tokensmith.cli.output import console, emit_json

if TYPE_CHECKING:  # the zoo module loads the backends: import it only when the command runs
    from tokensmith.zoo import ZooStatus

HELP = """List reference tokenizers and where each one comes from on this machine.

Examples:
  tokensmith zoo
  tokensmith zoo --zoo-dir ../shared/data/tokenizers --json
"""

_SOURCE_W = len("package")  # the widest source name ("dir", "package", "hub")


@functools.cache
def _distribution(import_name: str) -> str:
    """The PyPI name that installs `import_name` (normalized like pip shows it), or the import name itself."""
    import importlib.metadata

    names = importlib.metadata.packages_distributions().get(import_name) or [import_name]
    return re.sub(r"[-_.]+", "-", names[0]).lower()


def home_short(text: str) -> str:
    """`text` with the home directory written as '~'.

    Args:
        text: a path, or a message that holds paths.

    Example:
        >>> home_short(str(Path.home() / ".cache" / "x.gguf"))
        '~/.cache/x.gguf'
    """
    home = str(Path.home()).rstrip(os.sep) + os.sep
    return text.replace(home, "~" + os.sep) if len(home) > 1 else text


def short_path(status: ZooStatus, *, folder: Path | None) -> str:
    """Where a zoo name is read from, short: 'package-name: file', the path inside the zoo folder, or '~/…'.

    Args:
        status: one row of `zoo_status()` that has a path.
        folder: the zoo folder in effect (`zoo_dir_from`), or None.

    Example:
        >>> from tokensmith.zoo import entry_status
        >>> short_path(entry_status("gpt2", zoo_dir="/nonexistent"), folder=None)
        'openai-whisper: gpt2.tiktoken'
    """
    from tokensmith.zoo_entries import BY_NAME

    path = status.path or ""
    if status.source == "dir" and folder is not None and Path(path).is_relative_to(folder):
        return Path(path).relative_to(folder).as_posix()
    if status.source == "package":
        for pf in BY_NAME[status.name].packages:
            if Path(path).as_posix().endswith("/" + pf.path):
                return f"{_distribution(pf.package)}: {Path(pf.path).name}"
    return home_short(path)


def fit_words(text: str, limit: int) -> str:
    """`text` with every word wider than `limit` cells shortened in the middle, so no line breaks inside a word.

    Args:
        text: words separated by spaces.
        limit: the most cells one word may take (at least 8).

    Example:
        >>> fit_words("download https://example.com/very/long/path/o200k_base.tiktoken", 32)
        'download https://exa…/o200k_base.tiktoken'
    """
    limit = max(8, limit)
    words = []
    for word in text.split(" "):
        if cell_len(word) > limit:
            tail = word.rsplit("/", 1)[-1] if "/" in word else ""
            tail = "/" + tail if 0 < len(tail) < limit - 4 else word[-(limit // 2) :]
            word = word[: limit - len(tail) - 1] + "…" + tail
        words.append(word)
    return " ".join(words)


def _table(rows: list[ZooStatus], *, folder: Path | None, width: int) -> Table:
    """Name, ok, source, and the short path (or why not): only the last column wraps, between words."""
    name_w = max(len(r.name) for r in rows)
    limit = width - name_w - len("yes") - _SOURCE_W - 9  # three column gaps: padding, border, padding
    table = Table("name", "ok", "source", "file or reason", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in table.columns[:3]:
        column.no_wrap = True
    for r in rows:
        mark = "[green]yes[/]" if r.available else "[red]no[/]"
        detail = fit_words(short_path(r, folder=folder), limit) if r.path else ""
        note = fit_words(home_short(r.reason), limit) if r.reason else ""
        if r.available:
            detail = f"{detail}\n[dim]{note}[/]" if note else detail
        else:
            detail = note
        table.add_row(r.name, mark, r.source or "-", detail)
    return table


def zoo_command(
    zoo_dir: Path | None = typer.Option(
        None, "--zoo-dir", help="Folder laid out like shared/data/tokenizers (default: $TOKENSMITH_ZOO_DIR)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per name, with full paths."),
) -> None:
    """`tokensmith zoo`: every zoo name, whether it loads here, from which source and file, or why not.

    Args:
        zoo_dir: `--zoo-dir`, a folder laid out like shared/data/tokenizers (default: $TOKENSMITH_ZOO_DIR).
        as_json: `--json`, print one object per name, with full paths.

    Example:
        >>> import contextlib, io, json
        >>> from tokensmith.cli.main import main
        >>> printed = io.StringIO()
        >>> with contextlib.redirect_stdout(printed), contextlib.suppress(SystemExit):
        ...     main(["zoo", "--json"])
        >>> rows = json.loads(printed.getvalue())  # which names are available depends on the machine
        >>> [r["name"] for r in rows][:4], all(r["available"] or r["reason"] for r in rows)
        (['gpt2', 'r50k_base', 'cl100k_base', 'o200k_base'], True)
    """
    from tokensmith.zoo import zoo_dir_from, zoo_status

    rows = zoo_status(zoo_dir=zoo_dir)
    if as_json:
        emit_json([dataclasses.asdict(r) for r in rows])
        return
    folder = zoo_dir_from(zoo_dir)
    console.print(_table(rows, folder=folder, width=console.width), highlight=False)
    ok = sum(r.available for r in rows)
    console.print(f"{ok} of {len(rows)} available. Use a name as a SPEC, or in tokensmith.load('<name>').",
                  highlight=False)
    if folder is not None:
        shown = min(home_short(str(folder)), os.path.relpath(folder), key=len)
        console.print(f"Zoo folder: {fit_words(shown, console.width - 12)}. --json gives full paths.",
                      highlight=False)


def register(app: typer.Typer) -> None:
    """Add `zoo` to the CLI.

    Args:
        app: the `tokensmith` typer app.

    Example:
        >>> import typer
        >>> app = typer.Typer()
        >>> register(app)
        >>> [c.name for c in app.registered_commands]
        ['zoo']
    """
    app.command("zoo", help=HELP)(zoo_command)
