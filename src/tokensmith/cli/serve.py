"""`tokensmith serve`: the playground in the browser (`tokensmith.serve`).

Loads every tokenizer first (a bad SPEC is exit 2 before anything listens), then runs uvicorn on 127.0.0.1:8000
unless told otherwise.
"""

from __future__ import annotations

import typer

from tokensmith.cli.output import err_console
from tokensmith.errors import MissingDependencyError

HELP = """Start the tokenizer playground in the browser (a local web page and its JSON API).

Paste text and see how several tokenizers cut it, their counts and the boundaries they share; a metrics tab and a
results.json viewer. It holds the zoo tokenizers available here plus every SPEC given, and never opens a path sent
by a client.

Examples:
  tokensmith serve                                  # http://127.0.0.1:8000
  tokensmith serve my/tokenizer.json smollm2 --port 8080
  tokensmith serve --no-zoo gpt2 trained.json       # only these
"""

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve_command(
    specs: list[str] | None = typer.Argument(None, help="Extra tokenizers: zoo names or files."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (default: this machine only)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    zoo: bool = typer.Option(True, "--zoo/--no-zoo", help="Also hold every zoo tokenizer available here."),
) -> None:
    """`tokensmith serve [SPEC...]`: load the tokenizers, then serve the page and its API until interrupted.

    Args:
        specs: SPEC..., tokenizers to hold besides the zoo (files or zoo names; a GGUF-backed zoo name adds it).
        host: `--host`, the address to bind; anything but loopback prints a warning.
        port: `--port`, the port.
        zoo: `--zoo/--no-zoo`, also hold the available zoo tokenizers (default yes).

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:
        ...     main(["serve", "--no-zoo", "no-such-tokenizer"])  # refused before anything listens
        ... except SystemExit as done:
        ...     print("exit", done.code)
        exit 2
    """
    from tokensmith.serve.registry import Registry

    registry = Registry.load(list(specs or []), zoo=zoo)  # a bad spec: TokensmithError, exit 2
    if not registry.names():
        raise MissingDependencyError("no tokenizer to serve: give a SPEC (e.g. tokensmith serve gpt2) or drop --no-zoo.")
    try:
        import uvicorn

        from tokensmith.serve.app import create_app
    except ImportError as e:
        raise MissingDependencyError(f"the playground needs FastAPI and uvicorn ({e}): pip install "
                                     "'tokensmith[serve]'.") from e  # fmt: skip
    if host not in _LOOPBACK:
        err_console.print(f"[yellow]warning:[/] binding {host}: anyone who can reach this machine can use the "
                          "playground (it opens no client path, but it runs their text).", highlight=False)  # fmt: skip
    err_console.print(f"tokensmith playground: {len(registry.names())} tokenizers at http://{host}:{port}/ "
                      "(Ctrl-C stops it)", highlight=False)  # fmt: skip
    uvicorn.run(create_app(registry), host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add `serve` to the CLI.

    Args:
        app: the `tokensmith` typer app.

    Example:
        >>> register(app := typer.Typer())
        >>> [c.name for c in app.registered_commands]
        ['serve']
    """
    app.command("serve", help=HELP)(serve_command)
