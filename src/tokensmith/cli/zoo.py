"""`tokensmith zoo`: list the reference tokenizers and say which load on this machine, from where, or why not."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from rich.table import Table

from tokensmith.cli.output import console, emit_json

HELP = """List reference tokenizers and where each one comes from on this machine.

Examples:
  tokensmith zoo
  tokensmith zoo --zoo-dir ../shared/data/tokenizers --json
"""


def zoo_command(
    zoo_dir: Path | None = typer.Option(
        None, "--zoo-dir", help="Folder laid out like shared/data/tokenizers (default: $TOKENSMITH_ZOO_DIR)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per name."),
) -> None:
    from tokensmith.zoo import zoo_status

    rows = zoo_status(zoo_dir=zoo_dir)
    if as_json:
        emit_json([dataclasses.asdict(r) for r in rows])
        return
    table = Table("name", "available", "source", "file or reason")
    table.columns[3].overflow = "fold"
    for r in rows:
        mark = "[green]yes[/]" if r.available else "[red]no[/]"
        detail = r.path if r.available else r.reason
        if r.available and r.reason:
            detail = f"{r.path}\n[dim]{r.reason}[/]"
        table.add_row(r.name, mark, r.source or "-", detail or "")
    console.print(table)
    ok = sum(r.available for r in rows)
    console.print(f"{ok} of {len(rows)} available. Load one with tokensmith.load('<name>') or any command's SPEC.")


def register(app: typer.Typer) -> None:
    """Add `zoo` to the CLI."""
    app.command("zoo", help=HELP)(zoo_command)
