"""`tokensmith adapt`: move a model to a new tokenizer (`transfer`) and compare models in bits per byte (`eval`).

Examples:
    tokensmith adapt transfer smollm2 --to uk-bpe/tokenizer.json --method fvt -o smollm2-uk-fvt
    tokensmith adapt transfer smollm2 --to uk-bpe/tokenizer.json --method focus --aux-corpus uk.txt -o out/
    tokensmith adapt transfer smollm2 --to uk-bpe/tokenizer.json --method wechsel --aux-corpus uk.txt \\
        --source-corpus wikitext-2/valid.txt --dict dicts/wechsel/ukrainian.txt -o out/
    tokensmith adapt transfer smollm2 --to gemma3 --method omp --donor gemma3 -o out/
    tokensmith adapt eval smollm2 smollm2-uk-fvt --text heldout.txt --json
"""

from __future__ import annotations

import warnings
from pathlib import Path

import typer

from tokensmith.cli.output import console, emit_json, err_console

app = typer.Typer(help="Move a pretrained LM to a new tokenizer; compare models in bits per byte.",
                  no_args_is_help=True)  # fmt: skip


def transfer_command(
    model: str = typer.Argument(..., help="Source model: smollm2, an HF directory or a .gguf file."),
    to: str = typer.Option(..., "--to", help="Target tokenizer spec (file, directory or zoo name)."),
    method: str = typer.Option(..., "--method", help="fvt | focus | wechsel | omp | random | identity"),
    out: Path = typer.Option(..., "--out", "-o", help="Output model directory."),
    aux_corpus: Path | None = typer.Option(None, "--aux-corpus", help="Target-language text (focus, wechsel)."),
    source_corpus: Path | None = typer.Option(None, "--source-corpus", help="Source-language text (wechsel)."),
    dictionary: Path | None = typer.Option(None, "--dict", help="Bilingual dictionary, source<TAB>target (wechsel)."),
    donor: str | None = typer.Option(None, "--donor", help="A model that uses the target tokenizer (omp)."),
    k: int | None = typer.Option(None, "--k", help="Neighbours (wechsel, default 10) or atoms (omp, default 8)."),
    candidates: int | None = typer.Option(None, "--omp-candidates", help="Shared tokens searched per new token."),
    ridge: float | None = typer.Option(None, "--omp-ridge", help="Ridge weight of OMP's refits (default 0.01; 0 = plain)."),
    untie_output: bool = typer.Option(False, "--untie", help="Give a tied model its own output layer."),
    tune_steps: int = typer.Option(0, "--tune-steps", help="Embedding-tuning steps after the transfer."),
    tune_corpus: Path | None = typer.Option(None, "--tune-corpus", help="Target-language text for tuning."),
    tune_batch: int = typer.Option(8, "--tune-batch", help="Windows per tuning step."),
    tune_seq_len: int = typer.Option(512, "--tune-seq-len", help="Tokens per tuning window."),
    tune_lr: float = typer.Option(1e-3, "--tune-lr", help="AdamW learning rate of the embeddings."),
    tune_output: bool = typer.Option(False, "--tune-output", help="Tune an untied output layer too."),
    add_specials: bool = typer.Option(True, "--add-specials/--no-add-specials",
                                      help="Add the source's chat and bos/eos tokens the target lacks."),  # fmt: skip
    seed: int = typer.Option(0, "--seed", help="Seed of random rows, static vectors and tuning."),
    json_out: bool = typer.Option(False, "--json", help="Print the transfer record as JSON."),
) -> None:
    """`tokensmith adapt transfer MODEL --to TOKENIZER --method M -o DIR`: write the adapted model directory.

    Args:
        model: the source model.
        to: `--to`, the target tokenizer.
        method: `--method`, the transfer method.
        out: `-o`, the output directory (written whole, or not at all).
        aux_corpus: `--aux-corpus`, target-language text.
        source_corpus: `--source-corpus`, source-language text.
        dictionary: `--dict`, the bilingual dictionary.
        donor: `--donor`, the donor model for omp.
        k: `--k`, neighbours (wechsel) or atoms (omp).
        candidates: `--omp-candidates`, shared tokens searched per new token (omp; all when omitted).
        ridge: `--omp-ridge`, the Tikhonov weight of OMP's least-squares refits.
        untie_output: `--untie`, a separate output layer for a tied model.
        tune_steps: `--tune-steps`, tuning steps (0: none).
        tune_corpus: `--tune-corpus`, the tuning text.
        tune_batch: `--tune-batch`, windows per step.
        tune_seq_len: `--tune-seq-len`, tokens per window.
        tune_lr: `--tune-lr`, the learning rate.
        tune_output: `--tune-output`, train the (untied) output layer as well.
        add_specials: `--add-specials/--no-add-specials`.
        seed: `--seed`.
        json_out: `--json`, the record as JSON on stdout.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:  # a method that needs an input it was not given: exit 2, nothing loaded or written
        ...     main(["adapt", "transfer", "smollm2", "--to", "gpt2", "--method", "focus", "-o", "never-written"])
        ... except SystemExit as done:
        ...     print("exit", done.code, Path("never-written").exists())
        exit 2 False
    """
    from tokensmith.adapt.transfer import transfer
    from tokensmith.adapt.tune import TuneSettings

    options = {}
    if k is not None:
        options["k"] = k
    if candidates is not None:
        options["candidates"] = candidates
    if ridge is not None:
        options["ridge"] = ridge
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = transfer(
            model, to=to, method=method, out=out, aux_corpus=aux_corpus, source_corpus=source_corpus,
            dictionary=dictionary, donor=donor, tune_steps=tune_steps, tune_corpus=tune_corpus,
            tune=TuneSettings(steps=tune_steps, batch_size=tune_batch, seq_len=tune_seq_len, lr=tune_lr,
                             train_output=tune_output),
            add_specials=add_specials, seed=seed, options=options, progress=not json_out, untie_output=untie_output,
        )  # fmt: skip
    for w in caught:
        err_console.print(f"warning: {w.message}", highlight=False, markup=False)
    if json_out:
        emit_json({"out": str(result.out), "method": result.method, "counts": result.counts,
                   "added_specials": list(result.added_specials), "seconds": round(result.seconds, 3)})  # fmt: skip
        return
    c = result.counts
    console.print(f"wrote {result.out} ({method}): {c['copied']} rows copied, {c['combined']} combined, "
                  f"{c['random']} random, in {result.seconds:.1f} s", highlight=False)  # fmt: skip


def eval_command(
    models: list[str] = typer.Argument(..., help="Models: the original by name, then adapted directories."),
    text: Path = typer.Option(..., "--text", help="Held-out text file (UTF-8)."),
    max_bytes: int | None = typer.Option(None, "--max-bytes", help="Score only the first N bytes of the text."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples for the CIs."),
    json_out: bool = typer.Option(False, "--json", help="Print {'results': [...]} as JSON."),
) -> None:
    """`tokensmith adapt eval MODEL_OR_DIR... --text FILE`: bits per byte, bytes per token, change vs the first.

    Args:
        models: the models, the first one being the reference of `delta_bits_per_byte`.
        text: `--text`, the held-out text.
        max_bytes: `--max-bytes`, a cap on the text (cut at a character boundary).
        resamples: `--resamples`, bootstrap resamples.
        json_out: `--json`, rows with model, bits_per_byte, ci_low, ci_high, bytes_per_token, delta_bits_per_byte,
            delta_ci_low, delta_ci_high, n_bytes, n_tokens, seconds.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:  # the text file is missing: exit 2 before any model loads
        ...     main(["adapt", "eval", "smollm2", "--text", "no-such-file.txt"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        exit 2
    """
    from tokensmith.adapt.evaluate import evaluate_models
    from tokensmith.adapt.transfer import read_lines

    body = "\n".join(read_lines(text, what="--text"))
    if max_bytes is not None:
        body = body.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")
    rows = evaluate_models(models, text=body, resamples=resamples)
    if json_out:
        emit_json({"text": str(text), "results": [r.as_dict() for r in rows]})
        return
    console.print(f"{rows[0].n_bytes} bytes of {text}:", highlight=False)
    for r in rows:
        console.print(f"  {r.model:<40} {r.bits_per_byte:.4f} bits/byte [{r.ci_low:.4f}, {r.ci_high:.4f}]  "
                      f"{r.bytes_per_token:.2f} bytes/token  Δ {r.delta_bits_per_byte:+.4f}", highlight=False)  # fmt: skip


def register(root: typer.Typer) -> None:
    """Add the `adapt` command group (transfer, eval) to the root app.

    Args:
        root: the `tokensmith` Typer app.

    Example:
        >>> from tokensmith.cli.main import app as tokensmith_app  # registered already: do not register twice
        >>> "adapt" in [g.name for g in tokensmith_app.registered_groups]
        True
    """
    app.command("transfer")(transfer_command)
    app.command("eval")(eval_command)
    root.add_typer(app, name="adapt")
