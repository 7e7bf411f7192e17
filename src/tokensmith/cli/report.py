"""CLI: `tokensmith report`, `tokensmith diff` and `tokensmith demo` (thin shells over tokensmith.report/demo).

Examples:
    tokensmith report results.json -o report.html
    tokensmith diff gpt2 o200k_base --text "Tokenization is fun"
    tokensmith demo -o demo-out
"""

from __future__ import annotations

from pathlib import Path

import typer

from tokensmith.cli.output import console, emit_json
from tokensmith.errors import TokensmithError


class DiffInputError(TokensmithError):
    """`tokensmith diff` was given no text, or both --text and --file."""


def report(
    results: list[Path] = typer.Argument(..., help="Results files (JSON or parquet) from `tokensmith eval`/`demo`."),
    out: Path = typer.Option(Path("report.html"), "-o", "--out", help="The HTML file to write."),
    title: str = typer.Option("tokensmith report", "--title", help="Page title."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary instead of text."),
) -> None:
    """Write one self-contained, offline HTML report (plots and tables) from results files.

    Examples:
        tokensmith report results.json -o report.html
        tokensmith report a.json b.json -o both.html --title "BPE vs Unigram"
    \f
    (`--help` stops at the form feed above: what follows is for readers of the code.)

    Args:
        results: RESULTS..., the results files (JSON or parquet) of `tokensmith eval` or `tokensmith demo`.
        out: `-o/--out`, the HTML file to write.
        title: `--title`, the page title.
        as_json: `--json`, print a JSON summary (file, size, tokenizers, rows, metrics) instead of text.

    Example:
        >>> import tempfile
        >>> from tokensmith.cli.evaluate import write_results
        >>> from tokensmith.cli.main import main
        >>> from tokensmith.measure.results import Results, Row
        >>> folder = Path(tempfile.mkdtemp())
        >>> rows = (Row("gpt2", "cat", "eng_Latn", "bytes_per_token", None, 22 / 6, n=1, lossless=True),)
        >>> results = write_results(Results(tokenizers={"gpt2": {"vocab_size": 50257}}, langs={}, rows=rows),
        ...                         folder / "results.json")
        >>> try:
        ...     main(["report", str(results), "-o", str(folder / "report.html")])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        wrote .../report.html (... MB): 1 tokenizers, 1 rows. Open it in a browser; it works offline.
        exit 0
    """
    from tokensmith.report.data import read_report_data
    from tokensmith.report.html import render_report
    from tokensmith import atomic

    data = read_report_data(results)
    path = atomic.write_text(out, render_report(data, title=title))
    info = {"report": str(path), "bytes": path.stat().st_size, "tokenizers": data.tokenizer_names(),
            "rows": len(data.rows), "metrics": sorted(data.metrics())}
    if as_json:
        emit_json(info)
    else:
        console.print(f"wrote [bold]{path}[/] ({info['bytes'] / 1e6:.1f} MB): {len(info['tokenizers'])} tokenizers, "
                      f"{info['rows']:,} rows. Open it in a browser; it works offline.")


def _read_text(text: str | None, file: Path | None) -> str:
    if (text is None) == (file is None):
        raise DiffInputError("give the text to segment with exactly one of --text 'some text' or --file FILE.")
    if text is not None:
        return text
    assert file is not None
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise DiffInputError(f"file '{file}' does not exist: check the path given to --file.") from e
    except UnicodeDecodeError as e:
        raise DiffInputError(f"file '{file}' is not UTF-8 text: convert it (e.g. with iconv) first.") from e


def _names(specs: list[str]) -> list[str]:
    """Short row labels: a zoo name as is, a path by its file or directory name; repeats get '#2', '#3'."""
    names: list[str] = []
    for spec in specs:
        path = Path(spec)
        base = path.parent.name if path.stem == "tokenizer" and path.parent.name else path.name
        name = base if base not in names else f"{base}#{names.count(base) + 1}"
        names.append(name)
    return names


def diff(
    specs: list[str] = typer.Argument(..., help="Tokenizer specs: zoo names or paths."),
    text: str | None = typer.Option(None, "--text", "-t", help="The text to segment."),
    file: Path | None = typer.Option(None, "--file", "-f", help="A UTF-8 file to segment."),
    html_out: Path | None = typer.Option(None, "--html", help="Also write a small self-contained HTML view."),
    ids: bool = typer.Option(False, "--ids", help="Show each token's id after it (in HTML: ticked by default)."),
    width: int = typer.Option(0, "--width", help="Display width (default: the terminal's)."),
    as_json: bool = typer.Option(False, "--json", help="Print tokens, spans, ids and bytes as JSON."),
) -> None:
    """Show how tokenizers segment the same text: one block per tokenizer, each token in its own colour.

    Tokens that split a UTF-8 character show byte escapes (\\xe4) for their own bytes; '^' marks the
    boundaries that every tokenizer makes. Without colours (a pipe, NO_COLOR), '│' separates the tokens.

    Examples:
        tokensmith diff gpt2 llama3 mistral-v3 --text "Donaudampfschifffahrt 東京"
        tokensmith diff gpt2 bert-base-uncased --text "naïve café" --ids
        tokensmith diff out/tokenizer.json cl100k_base --file sample.txt --html diff.html
    \f
    (`--help` stops at the form feed above: what follows is for readers of the code.)

    Args:
        specs: SPEC..., the tokenizers (zoo names or paths).
        text: `--text/-t`, the text to segment.
        file: `--file/-f`, a UTF-8 file to segment instead.
        html_out: `--html`, also write a small self-contained HTML view there.
        ids: `--ids`, show each token's id after it.
        width: `--width`, the display width (0: the terminal's).
        as_json: `--json`, print tokens, byte spans, ids and bytes as JSON.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:  # no colours here (not a terminal), so '│' separates the tokens and '·' shows a space
        ...     main(["diff", "gpt2", "mistral-v1", "--text", "naïve café"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        ^ marks the 2 boundaries that every tokenizer makes.
        <BLANKLINE>
        gpt2  3 tokens, 4.00 bytes/token, 2/2 boundaries shared by all
        na│ïve│·café
           ^   ^
        <BLANKLINE>
        mistral-v1  4 tokens, 3.00 bytes/token, 2/3 boundaries shared by all
        na│ï│ve│·café
           ^    ^
        exit 0
    """
    from tokensmith import atomic
    from tokensmith.report.diff import align, render_html, render_rich, to_json
    from tokensmith.spec import load

    body = _read_text(text, file)
    alignment = align([load(s) for s in specs], body, names=_names(specs))
    if html_out is not None:
        atomic.write_text(html_out, render_html(alignment, ids=ids))
    if as_json:
        emit_json(to_json(alignment))
        return
    separator = "" if console.color_system else "│"
    console.print(render_rich(alignment, width=width or console.width, ids=ids, separator=separator),
                  highlight=False, soft_wrap=True)
    if html_out is not None:
        console.print(f"wrote {html_out}", highlight=False, soft_wrap=True)


def demo(
    out: Path = typer.Option(Path("demo-out"), "-o", "--out", help="Directory for report.html and results.json."),
    fast: bool = typer.Option(False, "--fast", help="Smaller vocabularies and fewer languages (a quick check)."),
    seed: int = typer.Option(0, "--seed", help="Seed for the data split and training."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary instead of text."),
) -> None:
    """The main job: train BPE and Unigram at three sizes on built-in multilingual data (UDHR, wordfreq),
    evaluate them with every zoo tokenizer on this machine, and write DIR/report.html and DIR/results.json.

    Examples:
        tokensmith demo -o demo-out
        tokensmith demo --fast -o /tmp/demo
        tokensmith data fetch udhr && tokensmith demo    # with the UDHR (`make demo` does both)
    \f
    (`--help` stops at the form feed above: what follows is for readers of the code.)

    Args:
        out: `-o/--out`, the directory for report.html, results.json and the trained tokenizers.
        fast: `--fast`, smaller vocabularies and fewer languages (a quick check).
        seed: `--seed`, the seed of the data split and of training.
        as_json: `--json`, print the JSON summary (files, tokenizers, rows, seconds) instead of text.

    Example:
        A real run takes a quarter of a minute even with `--fast`, so the example asks for the help only:

        >>> import contextlib, io
        >>> from tokensmith.cli.main import main
        >>> printed = io.StringIO()
        >>> with contextlib.redirect_stdout(printed), contextlib.suppress(SystemExit):
        ...     main(["demo", "--help"])
        >>> [option in printed.getvalue() for option in ("--out", "--fast", "--seed", "--json")]
        [True, True, True, True]
    """
    from tokensmith.cli.runtime import StepProgress, numba_threads
    from tokensmith.demo import STEPS, DemoConfig, run_demo

    # One numba thread: the demo's corpora are small, so a thread pool costs more than it saves (see numba_threads).
    with StepProgress(total=len(STEPS), label="demo", quiet=as_json) as progress, numba_threads(1):
        summary = run_demo(DemoConfig(out=out, fast=fast, seed=seed), progress=progress)
    if as_json:
        emit_json(summary)
        return
    n = len(summary["trained"]) + len(summary["zoo"])
    console.print(f"{n} tokenizers, {summary['rows']:,} results in {summary['seconds']['total']:.0f} s. "
                  f"Open [bold]{summary['files']['report']}[/] in a browser (works offline); the rows are in "
                  f"{summary['files']['results']}.", highlight=False)


def register(app: typer.Typer) -> None:
    """Add report, diff and demo to the `tokensmith` app (their help is their docstring, up to the form feed).

    Args:
        app: the app that gets the commands (`tokensmith.cli.main.app`).

    Example:
        >>> import typer
        >>> from typer.testing import CliRunner
        >>> register(app := typer.Typer())
        >>> [c.name for c in app.registered_commands]
        ['report', 'diff', 'demo']
        >>> [">>>" in CliRunner().invoke(app, [name, "--help"]).output for name in ("report", "diff", "demo")]
        [False, False, False]
    """
    app.command("report")(report)
    app.command("diff")(diff)
    app.command("demo")(demo)
