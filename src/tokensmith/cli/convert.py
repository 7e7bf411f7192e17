"""`tokensmith convert`: lossless conversion between tokenizer.json, .tiktoken and SentencePiece, verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tokensmith.cli.output import bytes_repr, console, emit_json

HELP = """Convert a tokenizer to the format DST's suffix names (.json, .tiktoken, .model) and verify it.

The target is reloaded from the written bytes and must give the same ids as the source on a built-in multilingual
sample and on --verify CORPUS (one text per line); otherwise nothing is written (unless --force).

Examples:
  tokensmith convert cl100k_base out/cl100k.json --verify corpus.txt
  tokensmith convert mistral-v1 out/mistral/tokenizer.json
  tokensmith convert model.gguf out/tokenizer.json
  tokensmith convert out/gpt2/tokenizer.json out/gpt2.tiktoken --json
"""


def _verification_json(v: Any) -> dict[str, Any] | None:
    if v is None:
        return None
    out: dict[str, Any] = {"corpus": v.corpus, "n_lines": v.n_lines, "n_identical": v.n_identical, "share": v.share}
    m = v.first_mismatch
    out["first_mismatch"] = None if m is None else {
        "line": m.line, "text": m.text, "text_bytes": list(m.text.encode("utf-8")), "first_diff": m.first_diff,
        "src_ids": m.src_ids, "dst_ids": m.dst_ids,
        "src_tokens": [bytes_repr(b) for b in m.src_tokens], "dst_tokens": [bytes_repr(b) for b in m.dst_tokens],
    }  # fmt: skip
    return out


def report_json(report: Any) -> dict[str, Any]:
    """A ConversionReport as plain JSON (token bytes as readable strings).

    Args:
        report: what `tokensmith.formats.convert.convert` returned.

    Example:
        >>> import tempfile
        >>> from tokensmith.formats.convert import convert
        >>> out = report_json(convert("gpt2", Path(tempfile.mkdtemp()) / "gpt2.tiktoken"))
        >>> out["dst_format"], out["vocab_size"], out["sample"]["n_identical"], out["sample"]["first_mismatch"]
        ('tiktoken', 50257, 24, None)
    """
    return {
        "src": report.src, "dst": report.dst, "src_backend": report.src_backend, "dst_format": report.dst_format,
        "vocab_size": report.vocab_size, "special_tokens": report.special_tokens, "pattern": report.pattern,
        "sample": _verification_json(report.sample), "verification": _verification_json(report.verification),
        "notes": list(report.notes),
    }  # fmt: skip


def _print_verification(v: Any) -> None:
    console.print(f"{v.corpus}: {v.n_identical}/{v.n_lines} lines identical ({v.share:.2%})", highlight=False)
    if v.first_mismatch is not None:
        console.print(f"  first mismatch: {v.first_mismatch.describe()}", highlight=False, markup=False)


def convert_command(
    src: str = typer.Argument(..., help="Zoo name or tokenizer file (tokenizer.json, .model, .tiktoken, .gguf)."),
    dst: Path = typer.Argument(..., help="Output file; its suffix picks the format: .json, .tiktoken or .model."),
    verify: Path | None = typer.Option(None, "--verify", help="UTF-8 text file: compare ids on every line."),
    pattern: str | None = typer.Option(
        None, "--pattern", help="Split regex: of a .tiktoken SRC, or for a .tiktoken DST when it cannot be derived."
    ),
    max_lines: int | None = typer.Option(None, "--max-lines", help="Verify on at most this many lines."),
    force: bool = typer.Option(False, "--force", help="Write even when some ids differ."),
    as_json: bool = typer.Option(False, "--json", help="Print the conversion report as JSON."),
) -> None:
    """`tokensmith convert SRC DST`: write SRC in DST's format, reload it and check that the ids agree.

    Args:
        src: SRC, a zoo name or tokenizer file.
        dst: DST, the file to write; its suffix (.json, .tiktoken, .model) picks the format.
        verify: `--verify`, a UTF-8 text file whose every line must encode the same in SRC and DST.
        pattern: `--pattern`, the split regex of a .tiktoken SRC (or DST, when it cannot be derived).
        max_lines: `--max-lines`, verify on at most this many lines of `--verify`.
        force: `--force`, write DST even when some ids differ.
        as_json: `--json`, print the conversion report as JSON.

    Example:
        >>> import tempfile
        >>> from tokensmith.cli.main import main
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "lines.txt").write_text("Grüße aus Köln\\nnaïve café", encoding="utf-8")
        >>> try:
        ...     main(["convert", "mistral-v1", str(folder / "tokenizer.json"), "--verify", str(folder / "lines.txt")])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        wrote .../tokenizer.json (tokenizer.json, 32000 ids) from mistral-v1 (sentencepiece)
        built-in sample: 24/24 lines identical (100.00%)
        .../lines.txt: 2/2 lines identical (100.00%)
        exit 0
    """
    from tokensmith.formats.convert import convert

    report = convert(src, dst, verify_corpus=verify, pattern=pattern, max_lines=max_lines, force=force)
    if as_json:
        emit_json(report_json(report))
        return
    console.print(f"wrote {report.dst} ({report.dst_format}, {report.vocab_size} ids) from {report.src} "
                  f"({report.src_backend})", highlight=False)  # fmt: skip
    _print_verification(report.sample)
    if report.verification is not None:
        _print_verification(report.verification)
    if report.dst_format == "tiktoken":
        console.print(f"split pattern: {report.pattern}", highlight=False, markup=False)
        console.print(f"special tokens: {report.special_tokens}", highlight=False, markup=False)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `convert` to the CLI.

    Args:
        app: the app that gets the command (`tokensmith.cli.main.app`).

    Example:
        >>> import typer
        >>> register(app := typer.Typer())
        >>> [(c.name, c.help.startswith("Convert a tokenizer")) for c in app.registered_commands]
        [('convert', True)]
    """
    app.command("convert", help=HELP)(convert_command)
