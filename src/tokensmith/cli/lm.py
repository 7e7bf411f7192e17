"""`tokensmith lm`: train small LMs at equal training FLOPs and compare them in bits per byte.

Examples:
    tokensmith lm train --arch byte --budget 1e12 --train train.txt --valid valid.txt -o runs/byte
    tokensmith lm train --arch subword --tokenizer bpe4k/tokenizer.json --budget 1e12 --train train.txt \\
        --valid valid.txt --seed 1 -o runs/bpe4k
    tokensmith lm train --arch hierarchical --set pooling=query --budget 1e12 --train train.txt \\
        --valid valid.txt -o runs/hat
    tokensmith lm train --arch mrt5 --set delete_weight=0.05 --budget 1e12 --train train.txt --valid valid.txt \\
        -o runs/mrt5
    tokensmith lm train --arch ftp --tokenizer bpe4k/tokenizer.json --set n_future=4 --budget 1e12 \\
        --train train.txt --valid valid.txt -o runs/ftp
    tokensmith lm train --arch patch --patching entropy --entropy-model runs/byte --threshold 2.0 \\
        --budget 1e12 --train train.txt --valid valid.txt -o runs/blt
    tokensmith lm eval runs/byte runs/bpe4k runs/hat --text test.txt --json
    tokensmith lm compare grid.toml
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import typer

from tokensmith.cli.output import console, emit_json
from tokensmith.errors import TokensmithError

lm_app = typer.Typer(help="Small LMs trained at equal FLOPs, compared in bits per byte.", no_args_is_help=True)


def _parse_sets(items: list[str]) -> dict[str, object]:
    """`--set key=value` pairs → a dict, values read as int, float, or text."""
    out: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise TokensmithError(f"--set {item!r} is not KEY=VALUE; write e.g. --set n_layer=4")
        for cast in (int, float):
            try:
                out[key] = cast(value)
                break
            except ValueError:
                continue
        else:
            out[key] = value
    return out


def train_command(
    arch: str = typer.Option(..., "--arch", help="subword | byte | hierarchical | patch | lexinvariant | mrt5 | "
                                                 "ftp | compressed"),  # fmt: skip
    budget: float = typer.Option(..., "--budget", help="Training FLOPs (6 x parameters x tokens), e.g. 1e12."),
    train: Path = typer.Option(..., "--train", help="Training text (UTF-8)."),
    valid: Path = typer.Option(..., "--valid", help="Validation text (UTF-8), scored after training."),
    out: Path = typer.Option(..., "--out", "-o", help="Checkpoint directory."),
    tokenizer: str | None = typer.Option(None, "--tokenizer", help="Tokenizer spec (subword, lexinvariant)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the initialisation and the batches."),
    sets: list[str] = typer.Option([], "--set", help="Model setting KEY=VALUE (n_layer, n_embd, ...); repeatable."),
    batch_size: int = typer.Option(16, "--batch-size", help="Windows per step."),
    lr: float = typer.Option(1e-3, "--lr", help="Peak AdamW learning rate."),
    json_out: bool = typer.Option(False, "--json", help="Print the training record as JSON."),
    patching: str | None = typer.Option(None, "--patching", help="patch: fixed | space | entropy (BLT)."),
    entropy_model: Path | None = typer.Option(None, "--entropy-model", help="entropy: a byte checkpoint."),
    threshold: float = typer.Option(2.0, "--threshold", help="entropy: next-byte entropy threshold in bits."),
) -> None:
    """`tokensmith lm train --arch A --budget FLOPS --train F --valid F -o DIR`: train until the budget is spent.

    Args:
        arch: `--arch`, the architecture.
        budget: `--budget`, training FLOPs.
        train: `--train`, the training text.
        valid: `--valid`, the validation text.
        out: `-o`, the checkpoint directory (resumed when it holds an unfinished run of the same settings).
        tokenizer: `--tokenizer`, the subword model's tokenizer.
        seed: `--seed`.
        sets: `--set KEY=VALUE`, model settings.
        batch_size: `--batch-size`.
        lr: `--lr`.
        json_out: `--json`.
        patching: `--patching`, the patch model's boundaries (sets `splitter`).
        entropy_model: `--entropy-model`, the byte checkpoint of `--patching entropy`.
        threshold: `--threshold`, theta in bits for `--patching entropy`.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:  # the training file is missing: exit 2, nothing written
        ...     main(["lm", "train", "--arch", "byte", "--budget", "1e9", "--train", "no-such.txt",
        ...           "--valid", "no-such.txt", "-o", "never-written"])
        ... except SystemExit as done:
        ...     print("exit", done.code, Path("never-written").exists())
        exit 2 False
    """
    from tokensmith.lm.train import TrainSettings, train_model

    settings = TrainSettings(budget=budget, seed=seed, batch_size=batch_size, lr=lr)
    model_settings = _parse_sets(sets) | _patching_settings(arch, patching, entropy_model, threshold, sets)
    result = train_model(arch=arch, train_file=train, valid_file=valid, out=out, tokenizer=tokenizer,
                         model_settings=model_settings, settings=settings, progress=not json_out)  # fmt: skip
    if json_out:
        emit_json(result.as_dict())
        return
    extra = "".join(f", {k} {v:.3g}" for k, v in result.stats.items())
    console.print(f"wrote {result.out}: {result.arch}, {result.params:,} params, {result.steps} steps, "
                  f"{result.flops:.3g} FLOPs, valid {result.valid_bits_per_byte:.4f} bits/byte{extra}, "
                  f"{result.seconds:.1f} s", highlight=False)  # fmt: skip


def _patching_settings(arch: str, patching: str | None, entropy_model: Path | None, threshold: float,
                       sets: list[str]) -> dict[str, object]:  # fmt: skip
    """`--patching` / `--entropy-model` / `--threshold` → patch-model settings (refused with other archs)."""
    if patching is None and entropy_model is None:
        return {}
    if arch != "patch" or patching not in ("fixed", "space", "entropy"):
        raise TokensmithError(f"--patching {patching} (with --arch {arch}): --patching takes fixed, space or "
                              "entropy, with --arch patch only.")  # fmt: skip
    if patching != "entropy":
        if entropy_model is not None:
            raise TokensmithError("--entropy-model is for --patching entropy; drop it or pass --patching entropy.")
        return {"splitter": patching}
    if entropy_model is None:
        raise TokensmithError("--patching entropy needs --entropy-model DIR (a checkpoint of `lm train --arch byte`).")
    from tokensmith.lm.blt import entropy_settings

    rule = str(_parse_sets(sets).get("entropy_rule", "global"))
    return entropy_settings(entropy_model, threshold=threshold, rule=rule)


def eval_command(
    models: list[Path] = typer.Argument(..., help="Checkpoint directories."),
    text: Path = typer.Option(..., "--text", help="Held-out text (UTF-8)."),
    max_bytes: int | None = typer.Option(None, "--max-bytes", help="Score only the first N bytes."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples for the CIs."),
    json_out: bool = typer.Option(False, "--json", help="Print {'results': [...]} as JSON."),
) -> None:
    """`tokensmith lm eval DIR... --text FILE`: bits per byte of each model with a bootstrap CI.

    Args:
        models: checkpoint directories.
        text: `--text`, the held-out text.
        max_bytes: `--max-bytes`, a cap (cut at a character boundary).
        resamples: `--resamples`.
        json_out: `--json`: rows with model, arch, bits_per_byte, ci_low, ci_high, flops, params, n_bytes,
            n_tokens, tokens_per_byte, seconds.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:  # not a checkpoint: exit 2
        ...     main(["lm", "eval", "no-such-dir", "--text", "no-such.txt"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        exit 2
    """
    from tokensmith.lm.bpb import evaluate_checkpoints
    from tokensmith.lm.corpus import read_text

    body = read_text(text, what="--text", max_bytes=max_bytes)
    rows = evaluate_checkpoints([str(m) for m in models], text=body, resamples=resamples)
    if json_out:
        emit_json({"text": str(text), "results": [r.as_dict() for r in rows]})
        return
    console.print(f"{rows[0].n_bytes} bytes of {text}:", highlight=False)
    for r in rows:
        console.print(f"  {r.model:<32} {r.arch:<12} {r.bits_per_byte:.4f} bits/byte [{r.ci_low:.4f}, "
                      f"{r.ci_high:.4f}]  {r.tokens_per_byte:.3f} tokens/byte  {r.flops:.3g} FLOPs",
                      highlight=False)  # fmt: skip


def compare_command(
    config: Path = typer.Argument(..., help="Grid file (TOML): [grid] settings and [[model]] entries."),
    json_out: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
) -> None:
    """`tokensmith lm compare GRID.toml`: train and evaluate every model of a grid; write a results file.

    Args:
        config: the grid (see docs/lm.md for its keys).
        json_out: `--json`.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:  # no such grid file: exit 2
        ...     main(["lm", "compare", "no-such-grid.toml"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        exit 2
    """
    from tokensmith.lm.compare import run_grid

    grid = run_grid(config, progress=not json_out)
    if json_out:
        emit_json({"results": grid.rows, "out": str(grid.out)})
        return
    for r in grid.rows:
        console.print(f"  {r['model']:<40} {r['bits_per_byte']:.4f} bits/byte [{r['ci_low']:.4f}, "
                      f"{r['ci_high']:.4f}]  {r['flops']:.3g} FLOPs", highlight=False)  # fmt: skip
    console.print(f"wrote {grid.out}", highlight=False)


def register(root: typer.Typer) -> None:
    """Add the `lm` command group (train, eval, compare; equalinfo when that module is present).

    Args:
        root: the `tokensmith` Typer app.

    Example:
        >>> from tokensmith.cli.main import app as tokensmith_app  # registered already: do not register twice
        >>> "lm" in [g.name for g in tokensmith_app.registered_groups]
        True
    """
    lm_app.command("train")(train_command)
    lm_app.command("eval")(eval_command)
    lm_app.command("compare")(compare_command)
    if importlib.util.find_spec("tokensmith.cli.lm_equalinfo") is not None:
        importlib.import_module("tokensmith.cli.lm_equalinfo").register_into(lm_app)
    root.add_typer(lm_app, name="lm")
