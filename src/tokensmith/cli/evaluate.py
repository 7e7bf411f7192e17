"""`tokensmith eval`: evaluate tokenizers on parallel text, morphology gold and compounds; print a table, write JSON.

The command only parses options and prints: the work is `tokensmith.measure.evaluation.evaluate`.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from tokensmith.cli.output import console, err_console
from tokensmith.errors import TokensmithError
from tokensmith.measure.results import Results, Row

HELP = """Evaluate tokenizers: compression, fertility, parity, Rényi efficiency, vocabulary use, morphology,
compounds and noise robustness, each with a bootstrap 95% CI.

Examples:
  tokensmith eval gpt2 o200k_base --langs eng_Latn,deu_Latn,zho_Hans
  tokensmith eval tok.json --parallel udhr --json results.json
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
    json_out: Path | None = typer.Option(None, "--json", help="Write the results JSON here ('-' = stdout)."),
    parquet_out: Path | None = typer.Option(None, "--parquet", help="Also write the rows as parquet."),
    parallel: str | None = typer.Option(None, "--parallel", help="flores200 | udhr | DIR of aligned <lang>.txt."),
    langs: str | None = typer.Option(None, "--langs", help="Comma-separated languages, e.g. eng_Latn,deu_Latn."),
    limit: int | None = typer.Option(None, "--limit", help="Use only the first N aligned lines."),
    morph: Path | None = typer.Option(None, "--morph", help="SIGMORPHON 2022 folder (<lang>.word.dev.tsv)."),
    compounds: Path | None = typer.Option(None, "--compounds", help="Compound TSV: compound, modifiers, head."),
    noise: str | None = typer.Option(None, "--noise", help="Character-noise rates, e.g. 0.01,0.05."),
    alpha: str = typer.Option("2.5", "--alpha", help="Rényi order(s) α, comma-separated."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples (0: no CIs)."),
    dist_resamples: int = typer.Option(200, "--dist-resamples", help="Resample cap for Rényi/Shannon/utilization."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap and the noise."),
) -> None:
    from tokensmith.measure import EvalConfig, EvalInputs, evaluate
    from tokensmith.measure.results import write_json, write_parquet

    if parallel is None and morph is None and compounds is None:
        parallel = "flores200"
    config = EvalConfig(
        langs=tuple(x.strip() for x in langs.split(",") if x.strip()) if langs else None, limit=limit,
        alphas=_floats(alpha, option="--alpha") or (2.5,), noise=_floats(noise, option="--noise"),
        resamples=resamples, dist_resamples=dist_resamples, seed=seed,
    )  # fmt: skip
    inputs = EvalInputs(parallel=parallel, morph=morph, compounds=compounds)
    with err_console.status("evaluating…") as status:
        results = evaluate(specs, inputs, config=config, progress=lambda msg: status.update(msg))
    if parquet_out is not None:
        write_parquet(results, parquet_out)
    if json_out is not None and str(json_out) == "-":
        import json

        print(json.dumps(results.to_dict(), ensure_ascii=False, indent=1))
        return
    if json_out is not None:
        write_json(results, json_out)
    console.print(summary_table(results))
    _print_errors(results)


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
    """Tokenizers × key metrics: one language gives value ± half the 95% CI; several give the mean over them."""
    present = {r.metric for r in results.rows}
    cols = [(m, title, p) for m, title, p in SUMMARY if m in present]
    n_langs = len(results.langs)
    caption = f"per-language metrics: mean over {n_langs} languages" if n_langs > 1 else "± half the 95% CI"
    table = Table("tokenizer", "vocab", *[title for _, title, _ in cols], title="tokensmith eval", caption=caption)
    for name, meta in results.tokenizers.items():
        cells = []
        for metric, _, param in cols:
            rows = [r for r in results.rows if r.tokenizer == name and r.metric == metric]
            if param is not None and rows:  # one α / noise rate in the table: the first one
                first = next((r.param for r in rows if r.param is not None), None)
                rows = [r for r in rows if r.param == first]
            cells.append(_cell(rows))
        table.add_row(name, f"{meta.get('vocab_size', 0):,}", *cells)
    return table


def _print_errors(results: Results) -> None:
    errors = [r for r in results.rows if r.error]
    if errors:
        first = errors[0]
        err_console.print(f"[yellow]{len(errors)} error row(s)[/], e.g. {first.tokenizer} / {first.lang} / "
                          f"{first.metric}: {first.error}")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add `eval` to the CLI."""
    app.command("eval", help=HELP)(eval_command)
