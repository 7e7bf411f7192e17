"""`tokensmith train`: learn a tokenizer from files and write tokenizer.json (plus the .model for sentencepiece)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import typer

from tokensmith.cli.output import console, emit_json

HELP = """Train a tokenizer on text files, directories or globs (.txt .gz .xz .zst .jsonl .parquet).

Writes OUT/tokenizer.json (OUT may also be a .json path), which loads in
transformers' PreTrainedTokenizerFast; the sentencepiece engine also writes the .model.

Examples:
  tokensmith train --algo bpe --vocab-size 32000 -o out/ corpus.txt
  tokensmith train --algo unigram --engine sentencepiece --vocab-size 8000 -o sp/ 'data/*.txt.gz'
  tokensmith train --algo wordpiece --vocab-size 30000 --normalization nfkc_lower -o bert.json docs.jsonl --field text
"""


class _Counted:
    """Count the lines and characters that pass through (for the summary)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = lines
        self.lines = 0
        self.chars = 0

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            self.lines += 1
            self.chars += len(line)
            yield line


def output_paths(out: Path, *, sentencepiece: bool) -> dict[str, Path]:
    """Where the files go: OUT/tokenizer.json (+ tokenizer.model), or OUT itself when it ends in .json.

    Args:
        out: the `-o/--out` path: a directory, or a .json file.
        sentencepiece: whether the tokenizer is also written as a sentencepiece .model (its native format).

    Example:
        >>> {fmt: str(path) for fmt, path in output_paths(Path("out"), sentencepiece=True).items()}
        {'tokenizer.json': 'out/tokenizer.json', 'sentencepiece': 'out/tokenizer.model'}
        >>> {fmt: str(path) for fmt, path in output_paths(Path("bpe.json"), sentencepiece=False).items()}
        {'tokenizer.json': 'bpe.json'}
    """
    if out.suffix.lower() == ".json":
        paths = {"tokenizer.json": out}
        model = out.with_suffix(".model")
    else:
        paths = {"tokenizer.json": out / "tokenizer.json"}
        model = out / "tokenizer.model"
    if sentencepiece:
        paths["sentencepiece"] = model
    return paths


def train_command(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...", help="Corpus files, directories or quoted globs."),
    algo: str = typer.Option("bpe", "--algo", help="bpe | unigram | wordpiece | lib"),
    engine: str = typer.Option("hf", "--engine", help="hf | sentencepiece"),
    vocab_size: int = typer.Option(..., "--vocab-size", help="Number of ids, special tokens included."),
    out: Path = typer.Option(..., "-o", "--out", "--output", help="Output directory, or a .json file path."),
    normalization: str = typer.Option("none", "--normalization", help="none | nfc | nfkc | nfkc_lower"),
    byte_fallback: bool = typer.Option(
        True, "--byte-fallback/--no-byte-fallback", help="<0xNN> pieces (unigram, sentencepiece)."
    ),
    special_tokens: list[str] = typer.Option([], "--special-token", help="A special token (repeatable)."),
    seed: int = typer.Option(0, "--seed", help="Seed for random choices."),
    epochs: int | None = typer.Option(
        None, "--epochs", help="lib only: epochs, each one document of 200 sampled lines (default 2000)."
    ),
    space_mode: str = typer.Option("keep", "--space-mode", help="keep | remove (delete whitespace first)."),
    field: str | None = typer.Option(None, "--field", help="JSON field of .jsonl records (default: text)."),
    column: str | None = typer.Option(None, "--column", help="Parquet column (default: text)."),
    on_bad_utf8: str = typer.Option("strict", "--on-bad-utf8", help="strict | replace"),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """`tokensmith train INPUT... --vocab-size N -o OUT`: learn a tokenizer and write it (see HELP).

    Args:
        inputs: INPUT..., corpus files, directories or quoted globs.
        algo: `--algo`, the learner: bpe, unigram, wordpiece or lib.
        engine: `--engine`, the library that trains: hf (tokenizers) or sentencepiece.
        vocab_size: `--vocab-size`, the number of ids, special tokens included.
        out: `-o/--out`, the output directory, or a .json file path.
        normalization: `--normalization`, none, nfc, nfkc or nfkc_lower.
        byte_fallback: `--byte-fallback/--no-byte-fallback`, <0xNN> pieces for unknown bytes (unigram, sentencepiece).
        special_tokens: `--special-token`, a special token (repeatable).
        seed: `--seed`, the seed of random choices.
        epochs: `--epochs`, passes over the corpus (lib only).
        space_mode: `--space-mode`, keep, or remove (whitespace deleted before training).
        field: `--field`, the JSON field of .jsonl records (default: text).
        column: `--column`, the parquet column (default: text).
        on_bad_utf8: `--on-bad-utf8`, strict (an error) or replace.
        as_json: `--json`, print the summary (algo, sizes, lines, seconds, files) as JSON.

    Example:
        >>> import tempfile
        >>> from tokensmith.cli.main import main
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "cats.txt").write_text("the cat sat on the mat", encoding="utf-8")
        >>> # 269 ids = <|endoftext|> + 256 bytes + 12 merges, after which each of the 6 words is one token
        >>> # (the: t+he after h+e; then Ġ+the, a+t, c/s/m+at, Ġ+cat/sat/mat, o+n, Ġ+on)
        >>> try:
        ...     main(["train", "--algo", "bpe", "--vocab-size", "300", "-o", str(folder / "bpe"),
        ...           str(folder / "cats.txt")])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        trained bpe (hf): 269 ids from 1 lines in ... s
          wrote .../bpe/tokenizer.json
        exit 0
    """
    from tokensmith.corpora.readers import iter_lines
    from tokensmith.formats.save import save
    from tokensmith.learn import TrainConfig, get_learner, train
    from tokensmith.learn.sentencepiece_engine import sentences_used

    config = TrainConfig(
        vocab_size=vocab_size, engine=engine, normalization=normalization,  # type: ignore[arg-type]
        byte_fallback=byte_fallback, special_tokens=tuple(special_tokens), seed=seed, epochs=epochs,
        space_mode=space_mode, progress=not as_json,  # type: ignore[arg-type]
    )  # fmt: skip
    get_learner(algo)  # an unknown name fails before any file is read
    lines = _Counted(iter_lines(inputs, field=field, column=column, errors=on_bad_utf8))  # type: ignore[arg-type]
    start = time.perf_counter()
    tok = train(algo, lines, config)
    seconds = time.perf_counter() - start
    paths = output_paths(out, sentencepiece=tok.native_format == "sentencepiece")
    written = {fmt: str(save(tok, path, format=fmt)) for fmt, path in paths.items()}  # type: ignore[arg-type]
    sampled = sentences_used(tok)  # sentencepiece trains on a bounded sample; None: every line was used
    summary = {
        "algo": algo, "engine": engine, "vocab_size": tok.vocab_size, "lines": lines.lines, "chars": lines.chars,
        "sentences_used": sampled, "seconds": round(seconds, 3), "files": written,
    }  # fmt: skip
    if as_json:
        emit_json(summary)
        return
    used = "" if sampled is None else f" ({sampled:,} sentences used)"
    console.print(
        f"trained {algo} ({engine}): {tok.vocab_size:,} ids from {lines.lines:,} lines{used} in {seconds:.1f} s",
        highlight=False,
    )
    for path in written.values():
        console.print(f"  wrote {path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `train` to the CLI.

    Args:
        app: the app that gets the command (`tokensmith.cli.main.app`).

    Example:
        >>> import typer
        >>> register(app := typer.Typer())
        >>> [(c.name, c.help == HELP) for c in app.registered_commands]
        [('train', True)]
    """
    app.command("train", help=HELP)(train_command)
