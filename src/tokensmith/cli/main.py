"""Entry point of the `tokensmith` command.

Every command module exposes `register(app)`. User errors (`TokensmithError`) print one paragraph to stderr and
exit with code 2, without a traceback unless `--debug` is given.

Examples:
    tokensmith zoo
    tokensmith encode gpt2 "Hello world" --json
    tokensmith train --algo bpe --vocab-size 8000 -o out/ corpus.txt
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import warnings

import typer
from rich.console import Console
from rich.markup import escape

from tokensmith.errors import TokensmithError

# Command modules, in help order. Each defines `register(app: typer.Typer) -> None`.
COMMAND_MODULES = [
    "tokenize",  # encode, decode
    "zoo",
    "convert",
    "train",
    "evaluate",  # eval
    "report",  # report, diff, demo
    "data",  # data list|fetch|path
    "bytes",  # bytes next|score|generate
    "generate",  # speculative decoding
    "encode_corpus",  # encode-corpus (sharded numpy ids, local or Ray)
    "serve",  # the playground
    "bench",  # bench encode
    "adapt",  # adapt transfer|eval
    "reduce",  # reduce eval
    "lm",  # lm train|eval|compare (+ equalinfo)
]

app = typer.Typer(
    name="tokensmith",
    help="Train, measure, convert and use tokenizers through one byte-exact interface.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_state = {"debug": False}


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks for errors."),
    no_accel: bool = typer.Option(False, "--no-accel", help="Encode with the backends only (TOKENSMITH_ACCEL=0)."),
) -> None:
    _state["debug"] = debug
    if no_accel:
        os.environ["TOKENSMITH_ACCEL"] = "0"  # read by tokensmith.accel on every call, and by child processes


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module_name = f"tokensmith.cli.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name).register(app)


_register_all()


def _one_line_warning(message: Warning | str, category: type[Warning], *_args: object, **_kw: object) -> str:
    return f"warning: {message}\n"


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn user errors into exit code 2 with a one-paragraph message (on stderr).

    Like any click program it ends with `SystemExit`: code 0 on success, 2 on a user error.

    Args:
        argv: the arguments after `tokensmith` (default: `sys.argv[1:]`).

    Example:
        >>> try:
        ...     main(["decode", "gpt2", "15496", "995"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        Hello world
        exit 0
        >>> try:
        ...     main(["decode", "gpt2", "50257"])  # one past the last id: a user error, its message on stderr
        ... except SystemExit as done:
        ...     print("exit", done.code)
        exit 2
    """
    args = sys.argv[1:] if argv is None else argv
    try:
        saved, warnings.formatwarning = warnings.formatwarning, _one_line_warning  # read like the CLI's own lines
        try:
            app(args=args, prog_name="tokensmith")
        finally:
            warnings.formatwarning = saved
    except TokensmithError as e:
        if _state["debug"] or "--debug" in args:
            raise
        Console(stderr=True).print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)  # keeps [extra]
        sys.exit(2)


if __name__ == "__main__":
    main()
