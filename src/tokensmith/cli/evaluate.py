"""`tokensmith eval`: evaluate tokenizers on parallel or monolingual text, morphology gold and compounds.

The command only parses options and prints: the work is `tokensmith.measure.evaluation.evaluate`. Output follows
the CLI convention: a table by default, `--json` prints the results JSON on stdout, `-o/--out PATH` writes a .json
or .parquet file. The old `--json PATH` form still works for one release, with a deprecation notice (see
`legacy_json_args`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import typer
from rich.table import Column, Table
from typer.core import TyperCommand

from tokensmith.cli.output import console, emit_json, err_console
from tokensmith.errors import TokensmithError
from tokensmith.measure.results import Results, Row

if TYPE_CHECKING:
    from tokensmith.corpora.monolingual import MonolingualCorpus
    from tokensmith.measure.evaluation import EvalInputs
    from tokensmith.tokenizer import Tokenizer

HELP = """Evaluate tokenizers: compression, fertility, parity, Rényi efficiency, vocabulary use, morphology,
compounds and noise robustness, each with a bootstrap 95% CI. Every row says whether the tokenizer was lossless on
that text; tokenizers that were not are marked "(lossy)".

Examples:
  tokensmith eval gpt2 o200k_base --langs eng_Latn,deu_Latn,zho_Hans
  tokensmith eval tok.json --parallel udhr -o results.json
  tokensmith eval gpt2 llama3 --corpus notes.txt.gz --corpus 'data/*.jsonl' --lang fr-CA --json
  tokensmith eval my/tokenizer.json --corpus notes.txt --strict   # exit 2 if it drops any text
  tokensmith eval gpt2 llama3 --engine ray --address HEAD:6379   # encode the shards on a Ray cluster
  tokensmith eval llama3 --morph ../shared/data/morph/sigmorphon2022 --compounds germanet-dev.tsv --noise 0.01,0.05
"""

# Metrics shown in the terminal table: (metric, column title, param); the JSON holds everything.
SUMMARY = [
    ("bytes_per_token", "B/tok", None),
    ("fertility", "fert.", None),
    ("parity_max_premium", "max prem.", None),
    ("parity_gini", "Gini", None),
    ("renyi_efficiency", "Rényi", "alpha"),
    ("morph_f1", "morph F1", None),
    ("compound_boundary_rate", "cmpd split", None),
    ("noise_edit_distance", "noise ED", "noise"),
]


def _floats(text: str | None, *, option: str) -> tuple[float, ...]:
    if not text:
        return ()
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError as e:
        raise TokensmithError(f"{option} takes comma-separated numbers, e.g. {option} 0.01,0.05 (got '{text}').") from e


def eval_command(
    specs: list[str] = typer.Argument(..., help="Tokenizer specs: zoo names or paths."),
    as_json: bool = typer.Option(False, "--json", help="Print the results JSON on stdout instead of the table."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Write the results to PATH (.json or .parquet)."),
    parallel: str | None = typer.Option(None, "--parallel", help="flores200 | udhr | DIR of aligned <lang>.txt."),
    corpus: list[str] = typer.Option([], "--corpus", help="Monolingual text: FILE, DIR or quoted GLOB (repeatable)."),
    lang: list[str] = typer.Option([], "--lang", help="Language of the --corpus text: once, or once per --corpus."),
    langs: str | None = typer.Option(None, "--langs", help="Comma-separated languages, e.g. eng_Latn,deu_Latn."),
    limit: int | None = typer.Option(None, "--limit", help="Use only the first N lines (per corpus)."),
    morph: Path | None = typer.Option(None, "--morph", help="SIGMORPHON 2022 folder (<lang>.word.dev.tsv)."),
    compounds: Path | None = typer.Option(None, "--compounds", help="Compound TSV: compound, modifiers, head."),
    noise: str | None = typer.Option(None, "--noise", help="Character-noise rates, e.g. 0.01,0.05."),
    alpha: str = typer.Option("2.5", "--alpha", help="Rényi order(s) α, comma-separated."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples (0: no CIs)."),
    dist_resamples: int = typer.Option(200, "--dist-resamples", help="Resample cap for Rényi/Shannon/utilization."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap and the noise."),
    legacy_json: Path | None = typer.Option(None, "--legacy-json", hidden=True),
    parquet_out: Path | None = typer.Option(None, "--parquet", hidden=True, help="Deprecated: use -o OUT.parquet."),
    strict: bool = typer.Option(False, "--strict", help="Exit 2 when a lossless tokenizer drops --corpus text."),
    engine: str = typer.Option("local", "--engine", help="Where encoding runs: local (default) or ray."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster to join (HOST:PORT, ray://…, auto)."),
) -> None:
    """`tokensmith eval SPEC...`: every metric for every tokenizer × corpus × language, with bootstrap CIs.

    Args:
        specs: SPEC..., the tokenizers (zoo names or paths).
        as_json: `--json`, print the results JSON on stdout instead of the table.
        out: `-o/--out`, also write the results to a .json or .parquet file.
        parallel: `--parallel`, a parallel corpus: flores200 (the default without other inputs), udhr or a DIR.
        corpus: `--corpus`, monolingual text: a file, directory or quoted glob (repeatable).
        lang: `--lang`, the language of the `--corpus` text: once for all, or once per `--corpus`.
        langs: `--langs`, the languages to use, comma-separated (e.g. eng_Latn,deu_Latn).
        limit: `--limit`, read only the first N lines of each corpus.
        morph: `--morph`, a SIGMORPHON 2022 folder (morphological boundary F1).
        compounds: `--compounds`, a compound TSV (compound, modifiers, head).
        noise: `--noise`, character-noise rates, comma-separated.
        alpha: `--alpha`, the Rényi order(s), comma-separated.
        resamples: `--resamples`, bootstrap resamples (0: no CIs).
        dist_resamples: `--dist-resamples`, the resample cap of the distribution metrics (Rényi, Shannon, use).
        seed: `--seed`, the seed of the bootstrap and of the noise.
        legacy_json: `--legacy-json`, hidden: what the deprecated `--json PATH` becomes (see `legacy_json_args`).
        parquet_out: `--parquet`, hidden and deprecated: use `-o OUT.parquet`.
        strict: `--strict`, exit 2 (`LossyEncodingError`) when a tokenizer that claims to be lossless drops
            `--corpus` text; without it, one `warning: dropped ...` line per tokenizer goes to stderr.
        engine: `--engine`, where the encoding runs: `local` (this process) or `ray` (shards as Ray tasks; the
            same results, see `tokensmith.engines.eval_encoder`).
        address: `--address`, the Ray cluster to join (default with `--engine ray`: start a local one).

    Example:
        >>> import tempfile
        >>> from tokensmith.cli.main import main
        >>> corpus = Path(tempfile.mkdtemp()) / "cat.txt"
        >>> # 22 bytes, 6 words, 6 distinct gpt2 tokens ("the" and " the" differ): B/tok = 22/6, fertility = 6/6,
        >>> # and Rényi efficiency = log2(6) / log2(50257) (a uniform distribution has every order's entropy)
        >>> _ = corpus.write_text("the cat sat on the mat", encoding="utf-8")
        >>> try:
        ...     main(["eval", "gpt2", "--corpus", str(corpus), "--lang", "eng_Latn", "--resamples", "0"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
                       tokensmith eval
        ┏━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━┳━━━━━━━┳━━━━━━━┓
        ┃ tokenizer ┃ vocab  ┃ B/tok ┃ fert. ┃ Rényi ┃
        ┡━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━╇━━━━━━━╇━━━━━━━┩
        │ gpt2      │ 50,257 │ 3.67  │ 1     │ 0.166 │
        └───────────┴────────┴───────┴───────┴───────┘
                      ± half the 95% CI
        exit 0
    """
    from tokensmith.measure import EvalConfig, evaluate

    outputs = _outputs(out, legacy_json=legacy_json, parquet=parquet_out)
    if parallel is None and morph is None and compounds is None and not corpus:
        parallel = "flores200"
    config = EvalConfig(
        langs=tuple(x.strip() for x in langs.split(",") if x.strip()) if langs else None, limit=limit,
        alphas=_floats(alpha, option="--alpha") or (2.5,), noise=_floats(noise, option="--noise"),
        resamples=resamples, dist_resamples=dist_resamples, seed=seed,
    )  # fmt: skip
    inputs = _inputs(parallel=parallel, corpus=corpus, lang=lang, morph=morph, compounds=compounds, limit=limit)
    with _encoder(engine, address) as encoder, err_console.status("evaluating…") as status:
        results = evaluate(specs, inputs, config=config, progress=lambda msg: status.update(msg), encoder=encoder)
    warn_corpus_drops(results, specs, inputs.corpus or [], strict=strict)
    for path in outputs:
        write_results(results, path)
    if as_json or legacy_json == Path("-"):
        emit_json(results.to_dict())
    else:
        console.print(summary_table(results))
    _print_notes(results)


@contextlib.contextmanager
def _encoder(engine: str, address: str | None) -> Iterator[Callable[..., Any] | None]:
    """None for the plain local path (Ray never imported); else a sharded encoder on the chosen engine."""
    if engine == "local" and address is None:
        yield None
        return
    from tokensmith.engines import open_engine
    from tokensmith.engines.eval_encoder import sharded_encoder

    with open_engine(engine, address=address) as running:
        yield sharded_encoder(running)


def _outputs(out: Path | None, *, legacy_json: Path | None, parquet: Path | None) -> list[Path]:
    """The files to write, checked before any work; the deprecated forms say what to use instead."""
    if legacy_json is not None:
        err_console.print("[yellow]deprecated:[/] `--json PATH` will be removed in the next release: use "
                          "`--json` (JSON on stdout) or `-o/--out PATH` (a .json or .parquet file).",
                          highlight=False)  # fmt: skip
    if parquet is not None:
        err_console.print("[yellow]deprecated:[/] `--parquet PATH` will be removed in the next release: use "
                          "`-o/--out PATH.parquet`.", highlight=False)  # fmt: skip
    paths = [p for p in (out, None if legacy_json == Path("-") else legacy_json, parquet) if p is not None]
    for p in paths:
        if p.suffix.lower() not in (".json", ".parquet"):
            raise TokensmithError(f"-o/--out writes .json or .parquet files, chosen by the suffix; got '{p}'. "
                                  f"Use e.g. -o {p.with_suffix('.json')}.")  # fmt: skip
    return paths


def _inputs(
    *, parallel: str | None, corpus: list[str], lang: list[str], morph: Path | None, compounds: Path | None,
    limit: int | None,
) -> EvalInputs:  # fmt: skip
    """The corpora; `--lang` given once applies to every `--corpus`, given once per `--corpus` pairs with them."""
    from tokensmith.corpora.monolingual import load_corpora
    from tokensmith.measure.evaluation import EvalInputs

    if lang and not corpus:
        raise TokensmithError("--lang names the language of --corpus text; give --corpus FILE too (for a parallel "
                              "corpus, choose languages with --langs).")  # fmt: skip
    if len(lang) > 1 and len(lang) != len(corpus):
        raise TokensmithError(f"give --lang once (for every --corpus) or once per --corpus: got {len(lang)} --lang "
                              f"for {len(corpus)} --corpus.")  # fmt: skip
    if len(lang) <= 1:
        mono = load_corpora(corpus, lang=lang[0] if lang else None, limit=limit) if corpus else None
    else:
        mono = [c for src, code in zip(corpus, lang, strict=True) for c in load_corpora([src], lang=code, limit=limit)]
    return EvalInputs(parallel=parallel, corpus=mono, morph=morph, compounds=compounds)


def warn_corpus_drops(
    results: Results, specs: list[str], corpora: Sequence[MonolingualCorpus], *, strict: bool, batch_size: int = 4096
) -> None:
    """One `warning: dropped ...` line per tokenizer that claims to be lossless but whose rows on a `--corpus` say
    it was not (`tokensmith.dropped` finds the first line and byte); with `strict`, a `LossyEncodingError` instead.

    Args:
        results: the evaluation (its rows' `lossless` flags choose what to re-read).
        specs: the tokenizer specs, as given to `evaluate` (loaded again: the zoo caches their backends).
        corpora: the monolingual corpora that were evaluated.
        strict: raise instead of warning (`--strict`).
        batch_size: lines per encode call while looking for the first dropped line.

    Example:
        >>> from tokensmith.corpora.monolingual import MonolingualCorpus
        >>> warn_corpus_drops(Results(tokenizers={}, langs={}, rows=()), ["gpt2"], [MonolingualCorpus("c", {})],
        ...                   strict=True)  # no row is lossy: nothing to re-read
    """
    from tokensmith.measure.evaluation import load_tokenizers

    lossy = {(r.tokenizer, r.corpus, r.lang) for r in results.rows if r.lossless is False}
    if not lossy or not corpora:
        return
    for loaded in (t for t in load_tokenizers(specs) if t.tokenizer.lossless):
        pairs = [(c.name, lang, lines) for c in corpora for lang, lines in c.texts.items()
                 if (loaded.name, c.name, lang) in lossy]  # fmt: skip
        for name, lang, lines in pairs:
            if _warn_first_drop(loaded.tokenizer, lines, where=f"corpus '{name}' ({lang})", strict=strict,
                                batch_size=batch_size):  # fmt: skip
                break  # one line per tokenizer


def _warn_first_drop(tok: Tokenizer, lines: Sequence[str], *, where: str, strict: bool, batch_size: int) -> bool:
    from tokensmith.cli.tokenize import warn_dropped

    for start in range(0, len(lines), batch_size):
        chunk = lines[start : start + batch_size]
        if warn_dropped(tok, chunk, tok.encode_batch(chunk), strict=strict, where=where, first_line=start + 1):
            return True
    return False


def write_results(results: Results, path: Path) -> Path:
    """Write `results` as parquet when `path` ends in .parquet, else as JSON.

    Args:
        results: the evaluation.
        path: the file to write (atomically).

    Example:
        >>> import tempfile, pathlib
        >>> p = write_results(Results(tokenizers={}, langs={}, rows=()), pathlib.Path(tempfile.mkdtemp()) / "r.json")
        >>> p.name
        'r.json'
    """
    from tokensmith.measure.results import write_json, write_parquet

    return write_parquet(results, path) if path.suffix.lower() == ".parquet" else write_json(results, path)


def _cell(rows: list[Row]) -> str:
    ok = [r for r in rows if r.value is not None]
    if not ok:
        return "[red]error[/]" if rows else "-"
    if len(ok) == 1:
        r = ok[0]
        if r.ci_low is None or r.ci_high is None or r.value is None:
            return f"{r.value:.3g}"
        return f"{r.value:.3g} [dim]±{(r.ci_high - r.ci_low) / 2:.2g}[/]"
    return f"{sum(r.value for r in ok if r.value is not None) / len(ok):.3g}"


def summary_table(results: Results) -> Table:
    """Tokenizers × key metrics: one language gives value ± half the 95% CI; several give the mean over them.
    A tokenizer that was not lossless on some text is named "NAME (lossy)".

    Args:
        results: the evaluation.

    Example:
        >>> import io
        >>> from rich.console import Console
        >>> r = Results(tokenizers={"b": {"vocab_size": 9}}, langs={}, rows=(Row("b", "c", "und", "fertility",
        ...             None, 1.0, lossless=False),))
        >>> out = Console(file=io.StringIO(), width=100)
        >>> out.print(summary_table(r))
        >>> "b (lossy)" in out.file.getvalue()
        True
    """
    present = {r.metric for r in results.rows}
    cols = [(m, title, p) for m, title, p in SUMMARY if m in present]
    n_langs = len(results.langs)
    caption = f"per-language metrics: mean over {n_langs} languages" if n_langs > 1 else "± half the 95% CI"
    lossy = set(lossy_tokenizers(results))
    if lossy:
        caption += "; (lossy) = its token bytes do not spell the text, so its figures are not comparable"
    name_column = Column("tokenizer", overflow="fold")  # wrap long names ("… (lossy)") instead of cutting them
    table = Table(name_column, "vocab", *[title for _, title, _ in cols], title="tokensmith eval", caption=caption)
    for name, meta in results.tokenizers.items():
        cells = []
        for metric, _, param in cols:
            rows = [r for r in results.rows if r.tokenizer == name and r.metric == metric]
            if param is not None and rows:  # one α / noise rate in the table: the first one
                first = next((r.param for r in rows if r.param is not None), None)
                rows = [r for r in rows if r.param == first]
            cells.append(_cell(rows))
        label = f"{name} (lossy)" if name in lossy else name
        table.add_row(label, f"{meta.get('vocab_size', 0):,}", *cells)
    return table


def _print_notes(results: Results) -> None:
    """Notes, lossy tokenizers and error rows, on stderr so that `--json` output stays clean."""
    for note in results.notes:
        err_console.print(f"[cyan]note:[/] {note}", highlight=False)
    lossy = lossy_tokenizers(results)
    if lossy:
        err_console.print(f"[yellow]lossy:[/] {', '.join(lossy)}: the token bytes do not spell the text (unknown "
                          "tokens, lower-casing or other normalization), so compression and fertility flatter "
                          "them; rows carry lossless=false.", highlight=False)  # fmt: skip
    errors = [r for r in results.rows if r.error]
    if errors:
        first = errors[0]
        err_console.print(f"[yellow]{len(errors)} error row(s)[/], e.g. {first.tokenizer} / {first.lang} / "
                          f"{first.metric}: {first.error}")  # fmt: skip


def lossy_tokenizers(results: Results) -> list[str]:
    """Tokenizers with at least one row that is not lossless, in results order.

    Args:
        results: the evaluation.

    Example:
        >>> r = Results(tokenizers={"a": {}, "b": {}}, langs={}, rows=(Row("b", "c", "und", "fertility", None, 1.0,
        ...             lossless=False), Row("a", "c", "und", "fertility", None, 1.0, lossless=True)))
        >>> lossy_tokenizers(r)
        ['b']
    """
    lossy = {r.tokenizer for r in results.rows if r.lossless is False}
    return [name for name in results.tokenizers if name in lossy]


def legacy_json_args(args: list[str]) -> list[str]:
    """Rewrite the deprecated `--json PATH` (and `--json=PATH`) to the hidden `--legacy-json PATH`.

    `--json` is a flag now, so a following word is a tokenizer spec, unless it is '-' (the old "stdout") or a
    .json/.parquet path that does not exist yet or already holds tokensmith results (a re-run of an old command).
    An existing tokenizer.json stays a spec: it is never overwritten.

    Args:
        args: the arguments after `eval`.

    Example:
        >>> legacy_json_args(["gpt2", "--json", "out.json"]), legacy_json_args(["--json", "gpt2"])
        (['gpt2', '--legacy-json', 'out.json'], ['--json', 'gpt2'])
    """
    out: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--json="):
            out += ["--legacy-json", a.split("=", 1)[1]]
        elif a == "--json" and i + 1 < len(args) and _legacy_path(args[i + 1]):
            out += ["--legacy-json", args[i + 1]]
            i += 1
        else:
            out.append(a)
        i += 1
    return out


def _legacy_path(word: str) -> bool:
    if word == "-":
        return True
    if word.startswith("-") or not word.lower().endswith((".json", ".parquet")):
        return False
    path = Path(word)
    if not path.is_file() or word.lower().endswith(".parquet"):
        return True
    with path.open("rb") as fh:
        return b'"schema": "tokensmith.results/' in fh.read(256)


class _EvalCommand(TyperCommand):
    """`eval` with the deprecated `--json PATH` form rewritten before parsing (see `legacy_json_args`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the rewritten arguments."""
        return super().parse_args(ctx, legacy_json_args(args))


def register(app: typer.Typer) -> None:
    """Add `eval` to the CLI, parsed by `_EvalCommand` (which still takes the deprecated `--json PATH`).

    Args:
        app: the app that gets the command (`tokensmith.cli.main.app`).

    Example:
        >>> import typer
        >>> register(app := typer.Typer())
        >>> [(c.name, c.cls is _EvalCommand) for c in app.registered_commands]
        [('eval', True)]
    """
    app.command("eval", help=HELP, cls=_EvalCommand)(eval_command)
