"""`tokensmith lm equalinfo`: code any file into Equal-Info Windows of 16-bit tokens and back, losslessly.

`cli/lm.py` calls `register_into(lm_app)`, which adds the `equalinfo` group to the `lm` group.

Examples:
    tokensmith lm equalinfo ngram ../shared/data/lm/wikitext-2/valid.txt --order 3 -o m1-ngram
    tokensmith lm equalinfo encode --model m1-ngram --bits 16 test.txt test.ew16
    tokensmith lm equalinfo decode --model m1-ngram test.ew16 test.back.txt
    tokensmith lm equalinfo encode --model byte-run/ --bits 32 test.txt test.ew32 --json
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from tokensmith import atomic
from tokensmith.cli.output import console, emit_json
from tokensmith.errors import CorpusError, TokensmithError

HELP = "Equal-Info Windows: any file as b-bit windows of an arithmetic code, in 16-bit tokens, and back."


def _read(path: Path, *, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise CorpusError(f"{what} {path} cannot be read ({e.strerror or e}); pass an existing file.") from e


def _write(path: Path, blob: bytes) -> None:
    try:
        atomic.write_bytes(path, blob)
    except OSError as e:
        raise TokensmithError(f"cannot write {path} ({e.strerror or e}); pass a path in an existing, writable "
                              "directory.") from e  # fmt: skip


def encode_command(
    source: Path = typer.Argument(..., help="Any file (text or not): coded byte for byte."),
    out: Path = typer.Argument(..., help="The coded file to write."),
    model: Path = typer.Option(..., "--model", help="Byte model directory (byte_ngram or a byte transformer)."),
    bits: int = typer.Option(16, "--bits", help="Window budget b: 16 or 32 (1 or 2 tokens per window)."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """`tokensmith lm equalinfo encode --model DIR --bits 16 IN OUT`: write the coded file.

    Args:
        source: the input file.
        out: the output file (written atomically).
        model: `--model`, the byte model directory.
        bits: `--bits`, the window budget.
        json_out: `--json`, the summary as JSON.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:  # b must be 16 or 32: exit 2 before anything is read
        ...     main(["lm", "equalinfo", "encode", "--model", "m", "--bits", "24", "in.txt", "out.ew"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        exit 2
    """
    from tokensmith.lm.coding_model import load_coding_model
    from tokensmith.lm.equalinfo import check_bits, encode_windows
    from tokensmith.lm.equalinfo_format import Header

    check_bits(bits)
    data = _read(source, what="input")
    lm = load_coding_model(model)
    t0 = time.perf_counter()
    windows = encode_windows(data, lm, bits=bits)
    header = Header(bits=bits, fingerprint=lm.fingerprint, n_bytes=len(data), exceptions=windows.exceptions)
    blob = header.pack() + windows.tokens().astype(">u2").tobytes()
    _write(out, blob)
    summary = {"out": str(out), "bits": bits, "n_bytes": len(data), "windows": len(windows.values),
               "tokens": len(windows.values) * bits // 16, "exceptions": len(windows.exceptions),
               "bits_per_byte": round(windows.bits_per_byte(), 4), "file_bytes": len(blob),
               "seconds": round(time.perf_counter() - t0, 3)}  # fmt: skip
    if json_out:
        emit_json(summary)
        return
    console.print(f"wrote {out}: {len(data)} bytes -> {summary['windows']} windows of {bits} bits "
                  f"({summary['tokens']} tokens, {summary['bits_per_byte']} bits/byte, "
                  f"{summary['exceptions']} exceptions), {len(blob)} bytes", highlight=False)  # fmt: skip


def decode_command(
    source: Path = typer.Argument(..., help="A file written by `lm equalinfo encode`."),
    out: Path = typer.Argument(..., help="Where to write the original bytes."),
    model: Path = typer.Option(..., "--model", help="The byte model directory that encoded it."),
    bits: int | None = typer.Option(None, "--bits", help="Optional check: the b the file must have (16 or 32)."),
) -> None:
    """`tokensmith lm equalinfo decode --model DIR IN OUT`: write the original bytes back.

    Args:
        source: the coded file.
        out: the output file (written atomically).
        model: `--model`, the byte model that encoded it (its fingerprint is checked).
        bits: `--bits`, when given, the b the file header must carry.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:  # the coded file is missing: exit 2
        ...     main(["lm", "equalinfo", "decode", "--model", "m", "no-such.ew", "out.txt"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        exit 2
    """
    from tokensmith.errors import ModelError
    from tokensmith.lm.coding_model import load_coding_model
    from tokensmith.lm.equalinfo import check_bits
    from tokensmith.lm.equalinfo_format import Header, decode_bytes

    if bits is not None:
        check_bits(bits)
    blob = _read(source, what="coded file")
    header, _ = Header.unpack(blob)
    if bits is not None and header.bits != bits:
        raise ModelError(f"{source} has {header.bits}-bit windows, not --bits {bits}; drop --bits or pass "
                         f"--bits {header.bits}.")  # fmt: skip
    _write(out, decode_bytes(blob, load_coding_model(model)))
    console.print(f"wrote {out}: {header.n_bytes} bytes", highlight=False)


def ngram_command(
    text: Path = typer.Argument(..., help="Training file (its bytes are counted as they are)."),
    out: Path = typer.Option(..., "--out", "-o", help="The model directory to write."),
    order: int = typer.Option(3, "--order", help="Bytes of context, 0..6."),
) -> None:
    """`tokensmith lm equalinfo ngram TEXT -o DIR`: count a byte n-gram model M1 (Witten-Bell interpolated).

    Args:
        text: the training file.
        out: `-o`, the model directory.
        order: `--order`, bytes of context.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:  # an order beyond 6: exit 2
        ...     main(["lm", "equalinfo", "ngram", "no-such.txt", "--order", "9", "-o", "never"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        exit 2
    """
    from tokensmith.lm.byte_ngram import MAX_ORDER, ByteNgram
    from tokensmith.errors import ModelError

    if not 0 <= order <= MAX_ORDER:
        raise ModelError(f"--order {order} is out of range: choose 0..{MAX_ORDER} bytes of context.")
    data = _read(text, what="training file")
    if not data:
        raise CorpusError(f"training file {text} is empty; pass a file with text in it.")
    lm = ByteNgram.train(data, order=order)
    lm.save(out)
    console.print(f"wrote {out}: order-{order} byte n-gram from {len(data)} bytes, fingerprint "
                  f"{lm.fingerprint[:16]}", highlight=False)  # fmt: skip


def register_into(lm_app: typer.Typer) -> None:
    """Add the `equalinfo` group (encode, decode, ngram) to the `lm` command group.

    Args:
        lm_app: the `lm` Typer group.

    Example:
        >>> group = typer.Typer()
        >>> register_into(group)
        >>> [g.name for g in group.registered_groups]
        ['equalinfo']
    """
    group = typer.Typer(help=HELP, no_args_is_help=True)
    for name, command in {"encode": encode_command, "decode": decode_command, "ngram": ngram_command}.items():
        group.command(name)(command)
    lm_app.add_typer(group, name="equalinfo")
