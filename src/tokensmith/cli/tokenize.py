"""`tokensmith encode` and `tokensmith decode`: ids, exact token bytes and byte offsets for any tokenizer spec.

Input text is taken byte-exact: from the TEXT argument, `--file`, or stdin (a trailing newline on stdin is part of
the text, as it is part of the bytes; use `printf` rather than `echo` to avoid it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from tokensmith.cli.output import bytes_repr, console, emit_json
from tokensmith.errors import TokensmithError

ENCODE_HELP = """Encode text into token ids and show the exact bytes of each token.

Examples:
  tokensmith encode o200k_base "Hello world"
  tokensmith encode llama2 --file notes.txt --json
  printf 'Grüße' | tokensmith encode mistral-v1
"""
DECODE_HELP = """Decode token ids back into text (ids as arguments, or from stdin as a JSON list or whitespace-separated).

Examples:
  tokensmith decode o200k_base 13225 2375
  echo '[15496, 995]' | tokensmith decode gpt2 --json
"""


def read_text(text: str | None, file: Path | None) -> str:
    """The text to encode: the argument, the file's UTF-8 content, or stdin (when neither is given).

    Args:
        text: the TEXT argument, or None.
        file: the `--file` path, or None.

    Example:
        >>> read_text("Grüße", None)
        'Grüße'
        >>> read_text("Grüße", Path("notes.txt"))
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokensmithError: give the text either as an argument or with --file, not both.
    """
    if text is not None and file is not None:
        raise TokensmithError("give the text either as an argument or with --file, not both.")
    if text is not None:
        return text
    if file is None:
        return sys.stdin.read()
    from tokensmith.formats.verify import read_utf8

    return read_utf8(file, what="input file")


def parse_ids(args: list[str] | None, stdin_text: str | None = None) -> list[int]:
    """Ids from arguments, else from stdin as a JSON list or whitespace-separated integers.

    Args:
        args: the ID arguments, or None to read `stdin_text`.
        stdin_text: what stdin holds (default: read `sys.stdin`).

    Example:
        >>> parse_ids(["15496", "995"]), parse_ids(None, " [15496, 995] "), parse_ids(None, "15496 995")
        ([15496, 995], [15496, 995], [15496, 995])
    """
    raw = " ".join(args) if args else (stdin_text if stdin_text is not None else sys.stdin.read())
    raw = raw.strip()
    try:
        values = json.loads(raw) if raw.startswith("[") else [int(v) for v in raw.replace(",", " ").split()]
        ids = [int(v) for v in values]
    except (ValueError, TypeError) as e:
        raise TokensmithError(
            f"token ids must be integers, given as arguments, a JSON list or whitespace-separated ({e}). "
            "Example: tokensmith decode gpt2 15496 995"
        ) from e
    if not ids:
        raise TokensmithError("no token ids given: pass them as arguments or on stdin, e.g. tokensmith decode gpt2 15496")
    return ids


def token_record(tok_bytes: bytes, idx: int, span: tuple[int, int] | None = None) -> dict[str, object]:
    """One token as JSON: id, its bytes (ints and a readable string) and, when known, its byte span.

    Args:
        tok_bytes: the token's exact bytes.
        idx: its id.
        span: its (start, end) byte offsets in the text, or None (decode has no text to point into).

    Example:
        >>> token_record(b" world", 995, (5, 11))
        {'id': 995, 'bytes': [32, 119, 111, 114, 108, 100], 'text': ' world', 'start': 5, 'end': 11}
    """
    rec: dict[str, object] = {"id": idx, "bytes": list(tok_bytes), "text": bytes_repr(tok_bytes)}
    if span is not None:
        rec["start"], rec["end"] = span
    return rec


def human_bytes(data: bytes) -> str:
    r"""Token bytes for people: quoted text when valid UTF-8 (spaces and newlines visible), else b'..' escapes.

    Args:
        data: the bytes of one token.

    Example:
        >>> print(human_bytes(b" world\n"), human_bytes("ü".encode("utf-8")[:1]))
        " world\n" b'\xc3'
    """
    try:
        return json.dumps(data.decode("utf-8"), ensure_ascii=False)
    except UnicodeDecodeError:
        return repr(data)


def encode_command(
    spec: str = typer.Argument(..., help="Tokenizer: zoo name or file (tokenizer.json, .model, .tiktoken, .gguf)."),
    text: str | None = typer.Argument(None, help="Text to encode (default: --file or stdin)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="Read the text from this UTF-8 file."),
    add_special: bool = typer.Option(False, "--add-special", help="Add the tokenizer's BOS/EOS tokens."),
    pattern: str | None = typer.Option(None, "--pattern", help="Split regex or encoding name for a .tiktoken file."),
    as_json: bool = typer.Option(False, "--json", help="Print ids, token bytes and byte offsets as JSON."),
) -> None:
    """`tokensmith encode SPEC [TEXT]`: ids, then one line per token: id, byte span, exact bytes.

    Args:
        spec: SPEC, the tokenizer (zoo name or file).
        text: TEXT to encode (else `--file`, else stdin).
        file: `--file/-f`, a UTF-8 file to encode.
        add_special: `--add-special`, add the tokenizer's BOS/EOS tokens.
        pattern: `--pattern`, the split regex (or encoding name) of a .tiktoken SPEC.
        as_json: `--json`, print ids, token records and byte offsets as JSON.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:
        ...     main(["encode", "gpt2", "Hello world"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        gpt2: 2 tokens, 11 bytes
        ids: [15496, 995]
           15496       0-5      "Hello"
             995       5-11     " world"
        exit 0
    """
    from tokensmith.spec import load

    tok = load(spec, pattern=pattern)
    content = read_text(text, file)
    enc = tok.encode_with_offsets(content, add_special_tokens=add_special)
    table = tok.token_table
    records = [token_record(table[i], i, span) for i, span in zip(enc.ids, enc.offsets, strict=True)]
    if as_json:
        emit_json({"tokenizer": tok.name, "n_tokens": len(enc.ids), "n_bytes": len(content.encode("utf-8")),
                   "ids": enc.ids, "tokens": records})  # fmt: skip
        return
    console.print(f"{tok.name}: {len(enc.ids)} tokens, {len(content.encode('utf-8'))} bytes", highlight=False)
    console.print(f"ids: {enc.ids}", highlight=False, soft_wrap=True)
    for i, (start, end) in zip(enc.ids, enc.offsets, strict=True):
        console.print(f"{i:>8}  {start:>6}-{end:<6} {human_bytes(table[i])}", highlight=False, markup=False)


def decode_command(
    spec: str = typer.Argument(..., help="Tokenizer: zoo name or file."),
    ids: list[str] | None = typer.Argument(None, help="Token ids (default: read from stdin)."),
    pattern: str | None = typer.Option(None, "--pattern", help="Split regex or encoding name for a .tiktoken file."),
    as_json: bool = typer.Option(False, "--json", help="Print the text, its exact bytes and each token as JSON."),
) -> None:
    """`tokensmith decode SPEC [ID...]`: the text that the ids spell (ids from arguments or stdin).

    Args:
        spec: SPEC, the tokenizer (zoo name or file).
        ids: ID... to decode (else read from stdin: a JSON list or whitespace-separated).
        pattern: `--pattern`, the split regex (or encoding name) of a .tiktoken SPEC.
        as_json: `--json`, print the text, its exact bytes and each token as JSON.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:
        ...     main(["decode", "o200k_base", "13225", "2375"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        Hello world
        exit 0
    """
    from tokensmith.spec import load

    tok = load(spec, pattern=pattern)
    values = parse_ids(ids)
    records = [token_record(tok.token_bytes(i), i) for i in values]  # token_bytes checks the range
    text = tok.decode(values)
    if as_json:
        raw = tok.decode_bytes(values)
        emit_json({"tokenizer": tok.name, "ids": values, "text": text, "bytes": list(raw), "tokens": records})
        return
    sys.stdout.write(text + "\n")


def register(app: typer.Typer) -> None:
    """Add `encode` and `decode` to the CLI.

    Args:
        app: the `tokensmith` typer app.

    Example:
        >>> import typer
        >>> app = typer.Typer()
        >>> register(app)
        >>> [c.name for c in app.registered_commands]
        ['encode', 'decode']
    """
    app.command("encode", help=ENCODE_HELP)(encode_command)
    app.command("decode", help=DECODE_HELP)(decode_command)
