"""`tokensmith encode` and `tokensmith decode`: ids, exact token bytes and byte offsets for any tokenizer spec.

Input text is taken byte-exact: from the TEXT argument, `--file`, or stdin (a trailing newline on stdin is part of
the text, as it is part of the bytes; use `printf` rather than `echo` to avoid it).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tokensmith.cli.output import bytes_repr, emit_json, err_console
from tokensmith.errors import CorpusError, LossyEncodingError, TokensmithError

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer

ENCODE_HELP = """Encode text into token ids and show the exact bytes of each token.

Examples:
  tokensmith encode o200k_base "Hello world"
  tokensmith encode llama2 --file notes.txt --json
  tokensmith encode o200k_base --file corpus.txt --json -o corpus.tokens.json
  printf 'Grüße' | tokensmith encode mistral-v1
  tokensmith encode my/tokenizer.json --file notes.txt --strict   # exit 2 if its tokens drop any text
"""
DECODE_HELP = """Decode token ids back into text (ids as arguments, or from stdin as a JSON list or whitespace-separated).

Examples:
  tokensmith decode o200k_base 13225 2375
  echo '[15496, 995]' | tokensmith decode gpt2 --json
"""


def read_text(text: str | None, file: Path | None) -> str:
    """The text to encode: the argument (empty is valid: no tokens), the file's UTF-8 content, or stdin.

    Args:
        text: the TEXT argument, or None.
        file: the `--file` path, or None; an empty or whitespace-only file is an error (`CorpusError`).

    Example:
        >>> read_text("", None)
        ''
    """
    if text is not None and file is not None:
        raise TokensmithError("give the text either as an argument or with --file, not both.")
    if text is not None:
        return text
    if file is None:
        return sys.stdin.read()
    from tokensmith.formats.verify import read_utf8

    content = read_utf8(file, what="input file")
    if not content.strip():
        raise CorpusError(f"input file '{file}' is empty{' (whitespace only)' if content else ''}: there is nothing "
                          "to encode. Check the path; to encode empty text on purpose, pass it as an argument: \"\".")  # fmt: skip
    return content


def warn_dropped(
    tok: Tokenizer,
    texts: Sequence[str],
    batch: Sequence[Sequence[int]],
    *,
    strict: bool,
    offsets: Sequence[Sequence[tuple[int, int]]] | None = None,
    where: str = "the input",
    first_line: int = 1,
) -> bool:
    """One stderr line `warning: dropped N bytes (first at byte offset K) ...` when the tokens do not spell the
    text (`tokensmith.dropped`), or with `strict` a `LossyEncodingError` (the CLI's exit 2). True when it warned.

    Args:
        tok: the tokenizer that gave `batch`.
        texts: the texts.
        batch: their ids.
        strict: raise instead of warning (`--strict`).
        offsets: the byte spans of `batch`, when known (saves an encode for a lossy tokenizer).
        where: what the texts are, for the message ("the input", "corpus 'notes'").
        first_line: the line number of `texts[0]` in `where`, when there are several texts.

    Example:
        >>> import tokensmith
        >>> warn_dropped(tokensmith.load("gpt2"), ["hello"], [[31373]], strict=True)
        False
        >>> warn_dropped(tokensmith.load("gpt2"), ["hello"], [[258]], strict=True)
        Traceback (most recent call last):
        ...
        tokensmith.errors.LossyEncodingError: dropped 3 bytes (first at byte offset 2) of the input: b'llo' is in no token of gpt2. ...
    """
    from tokensmith.dropped import explain, find_dropped

    hit = find_dropped(tok, texts, batch, offsets=offsets)
    if hit is None:
        return False
    k, found = hit
    place = where if len(texts) == 1 else f"line {first_line + k} of {where}"
    line = f"{explain(texts[k], found, where=place)} of {tok.name}"
    if strict:
        raise LossyEncodingError(f"{line}. Use a tokenizer whose vocabulary covers this text, or drop --strict.")
    err_console.print(f"warning: {line} (--strict makes this an error).", markup=False, highlight=False, soft_wrap=True)
    return True


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


def encode_command(
    spec: str = typer.Argument(..., help="Tokenizer: zoo name or file (tokenizer.json, .model, .tiktoken, .gguf)."),
    text: str | None = typer.Argument(None, help="Text to encode (default: --file or stdin)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="Read the text from this UTF-8 file."),
    add_special: bool = typer.Option(False, "--add-special", help="Add the tokenizer's BOS/EOS tokens."),
    pattern: str | None = typer.Option(None, "--pattern", help="Split regex or encoding name for a .tiktoken file."),
    as_json: bool = typer.Option(False, "--json", help="Print ids, token bytes and byte offsets as JSON."),
    strict: bool = typer.Option(False, "--strict", help="Exit 2 when the tokens do not spell the text."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the output to this file instead of stdout."),
) -> None:
    """`tokensmith encode SPEC [TEXT]`: ids, then one line per token: id, byte span, exact bytes.

    Args:
        spec: SPEC, the tokenizer (zoo name or file).
        text: TEXT to encode (else `--file`, else stdin).
        file: `--file/-f`, a UTF-8 file to encode.
        add_special: `--add-special`, add the tokenizer's BOS/EOS tokens.
        pattern: `--pattern`, the split regex (or encoding name) of a .tiktoken SPEC.
        as_json: `--json`, print ids, token records and byte offsets as JSON.
        strict: `--strict`, exit 2 (`LossyEncodingError`) when the tokens do not spell the text; without it, one
            `warning: dropped ...` line goes to stderr.
        out: `-o/--out`, write the output to this file (atomically) instead of stdout.

    The output is written as it is made, so an input of any size encodes in memory of a few bytes per input byte
    (`cli/stream_out.py`).

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
    from tokensmith.cli import stream_out
    from tokensmith.spec import load

    tok = load(spec, pattern=pattern)
    content = read_text(text, file)
    data = content.encode("utf-8")
    enc = stream_out.encode_text(tok, content, data, add_special_tokens=add_special)
    if enc.shift is None and not add_special:  # tokens that spell the text drop nothing; BOS/EOS are not text
        assert enc.starts is not None and enc.ends is not None
        warn_dropped(tok, [content], [enc.ids.tolist()], strict=strict,
                     offsets=[list(zip(enc.starts.tolist(), enc.ends.tolist(), strict=True))])  # fmt: skip
    del content
    write = stream_out.write_json if as_json else stream_out.write_human
    if out is None or str(out) == "-":
        write(sys.stdout, tok, enc, n_bytes=len(data))
        return
    from tokensmith import atomic

    with atomic.atomic_path(out) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        write(fh, tok, enc, n_bytes=len(data))


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
