"""`tokensmith encode-corpus`: text files → sharded numpy token ids plus index.json, locally or on Ray.

The work is `tokensmith.engines.corpus_files.encode_corpus_files`; this module parses options and prints.
"""

from __future__ import annotations

from pathlib import Path

import typer

from tokensmith.cli.output import console, emit_json

HELP = """Encode text files into sharded numpy token ids plus index.json, locally or on Ray.

One document per line; shard-00000.npy, ... hold the ids (dtype from the vocabulary size), and documents are
separated by offsets, not by a token. Streaming, resumable (a shard already written is not redone) and atomic per
shard.

Examples:
  tokensmith encode-corpus gpt2 corpus.txt -o ids/
  tokensmith encode-corpus llama3 data/ more.txt -o ids/ --engine ray              # a local Ray cluster
  tokensmith encode-corpus llama3 /shared/corpus -o /shared/ids --engine ray --address HEAD:6379
"""


def encode_corpus_command(
    spec: str = typer.Argument(..., help="Tokenizer: zoo name or file."),
    inputs: list[Path] = typer.Argument(..., help="Text files or directories of them (UTF-8, one document per line)."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder (shards + index.json)."),
    engine: str = typer.Option("local", "--engine", help="local (default) or ray."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster to join (HOST:PORT, ray://…, auto)."),
    shard_mb: float = typer.Option(16.0, "--shard-mb", help="Text per shard, in MiB."),
    as_json: bool = typer.Option(False, "--json", help="Print the index as JSON."),
) -> None:
    """`tokensmith encode-corpus SPEC INPUT... -o OUT`: shards of token ids and their index.

    Args:
        spec: SPEC, the tokenizer.
        inputs: INPUT..., text files or directories.
        out: `-o/--out`, the output folder.
        engine: `--engine`, local or ray.
        address: `--address`, the Ray cluster (with `--engine ray`; default: start a local Ray).
        shard_mb: `--shard-mb`, MiB of text per shard.
        as_json: `--json`, print the index JSON instead of the summary line.

    Example:
        >>> import tempfile
        >>> from tokensmith.cli.main import main
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "c.txt").write_text("Hello world\\nHi\\n", encoding="utf-8")
        >>> try:
        ...     main(["encode-corpus", "gpt2", str(folder / "c.txt"), "-o", str(folder / "ids")])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        gpt2: 2 documents, 3 tokens (uint16) in 1 shard(s): 1 encoded, 0 kept from an earlier run
        exit 0
    """
    from tokensmith.engines import open_engine
    from tokensmith.engines.corpus_files import encode_corpus_files
    from tokensmith.spec import load

    tok = load(spec)
    with open_engine(engine, address=address) as running:
        run = encode_corpus_files(tok, inputs, out, engine=running, shard_bytes=max(1, int(shard_mb * (1 << 20))))
    index = run.index
    if as_json:
        emit_json(index)
        return
    console.print(f"{tok.name}: {sum(index['documents']):,} documents, {sum(index['tokens']):,} tokens "
                  f"({index['dtype']}) in {len(index['shards'])} shard(s): {run.encoded} encoded, {run.kept} kept "
                  "from an earlier run", highlight=False)  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add `encode-corpus` to the CLI.

    Args:
        app: the `tokensmith` typer app.

    Example:
        >>> register(app := typer.Typer())
        >>> [c.name for c in app.registered_commands]
        ['encode-corpus']
    """
    app.command("encode-corpus", help=HELP)(encode_corpus_command)
