"""`tokensmith bench encode`: MB/s of every available encoder of each tokenizer, side by side, ids compared.

The work is `tokensmith.accel.bench`; this module parses options and prints. `--json` prints
`{"results": [{"tokenizer", "encoder", "cores", "mb_per_s", "identical_lines", "lines", "seconds"}]}`.
"""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from tokensmith.cli.output import console, emit_json
from tokensmith.errors import TokensmithError

HELP = """Benchmark encoders: each tokenizer's backend (one call per line, and its batch call), every installed
accelerator, and tokensmith's own encode_batch, on the same lines, with the ids compared to the backend's.

Examples:
  tokensmith bench encode gpt2 o200k_base --corpus ../shared/data/lm/wikipedia/ja.txt
  tokensmith bench encode cl100k_base --corpus a.txt --corpus b.txt --cores 1,2 --json
"""


def _cores(value: str) -> list[int]:
    try:
        cores = [int(c) for c in value.split(",") if c.strip()]
    except ValueError as e:
        raise TokensmithError(f"--cores {value!r} is not a comma-separated list of numbers: give e.g. --cores 1,2.") from e
    if not cores or min(cores) < 1:
        raise TokensmithError(f"--cores {value!r}: give one or more positive counts, e.g. --cores 1,2.")
    return cores


def bench_encode(
    specs: list[str] = typer.Argument(..., help="Tokenizer specs (zoo names or files)."),
    corpus: list[str] = typer.Option(..., "--corpus", help="UTF-8 text file, one text per line (repeatable)."),
    cores: str = typer.Option("1,2", "--cores", help="Core counts to measure, comma-separated."),
    repeat: int = typer.Option(1, "--repeat", min=1, help="Runs per encoder; the fastest counts."),
    json_out: bool = typer.Option(False, "--json", help="Print the results as JSON on stdout."),
) -> None:
    """MB/s of every encoder of each tokenizer, with the ids compared line by line.

    Args:
        specs: tokenizer specs.
        corpus: the corpus files.
        cores: core counts, e.g. '1,2'.
        repeat: runs per encoder.
        json_out: print JSON instead of a table.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:
        ...     main(["bench", "encode", "gpt2", "--corpus", "/nonexistent.txt"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        exit 2
    """
    from tokensmith.accel.bench import on_cores, read_corpus

    read_corpus(corpus)  # a missing or undecodable file is a user error here, before any child starts
    rows = [r for spec in specs for k in _cores(cores) for r in on_cores(spec, corpus, cores=k, repeat=repeat)]
    if json_out:
        emit_json({"results": [asdict(r) for r in rows]})
        return
    table = Table("tokenizer", "encoder", "cores", "MB/s", "identical lines")
    for r in rows:
        table.add_row(r.tokenizer, r.encoder, str(r.cores), f"{r.mb_per_s:.2f}", f"{r.identical_lines}/{r.lines}")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the `bench` command group to the CLI.

    Args:
        app: the root typer app.

    Example:
        >>> import typer
        >>> app = typer.Typer()
        >>> register(app)
        >>> [g.name for g in app.registered_groups]
        ['bench']
    """
    group = typer.Typer(help="Benchmarks: encoding speed of every encoder.", no_args_is_help=True)
    group.command("encode", help=HELP)(bench_encode)
    app.add_typer(group, name="bench")
