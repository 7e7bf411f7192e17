"""`tokensmith reduce eval`: an unreduced and a token-reduced encoder side by side, at a FLOPs cut.

Examples:
    tokensmith reduce eval --model minilm --method tome --ratio 0.4
    tokensmith reduce eval --model minilm --method prune --ratio 0.25 --data stsb-en-dev.csv --json
    tokensmith reduce eval --model minilm --method random --ratio 0.6 --data stsb-de-dev.csv --no-batch-one
    tokensmith reduce eval --model dinov2 --method aim --ratio 0.4 --json
    tokensmith reduce eval --model minilm --method budget --by received --ratio 0.4
    tokensmith reduce eval --model minilm --method diffrate --ratio 0.4 --search-data my-sentences.txt --json
    tokensmith reduce eval --model smollm2 --method tome --ratio 0.4 --data wiki.test.txt --context 512
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from tokensmith.cli.output import console, emit_json

app = typer.Typer(help="Merge or prune tokens inside an encoder; compare it with the unreduced one.",
                  no_args_is_help=True)  # fmt: skip
MODELS = ("minilm", "dinov2", "smollm2")
ATTENTION = ("sdpa", "eager")


def eval_command(
    model: str = typer.Option("minilm", "--model", help="minilm | dinov2 | smollm2 (or an HF encoder directory)."),
    method: str = typer.Option(..., "--method", help="tome | prune | fopru | random | truncate | pool | budget | "
                                                     "diffrate | aim | greedy"),  # fmt: skip
    ratio: float = typer.Option(..., "--ratio", help="Share of the unreduced FLOPs to remove, in [0, 1)."),
    data: Path | None = typer.Option(None, "--data", help="minilm: STS-B-style CSV 'sentence1,sentence2,score', no "
                                                          "header (default: a built-in 20-pair sample); smollm2: a "
                                                          "UTF-8 text file (default: a built-in text)."),  # fmt: skip
    fuse: bool = typer.Option(False, "--fuse", help="prune: fuse the pruned tokens into one (EViT)."),
    by: str = typer.Option("cls", "--by", help="prune, fopru, budget: rank by 'cls' or 'received' attention."),
    attn: str = typer.Option("sdpa", "--attn-implementation", help="The model's attention implementation."),
    batch_one: bool = typer.Option(True, "--batch-one/--no-batch-one", help="Also time batch 1 (seconds_b1)."),
    seed: int = typer.Option(0, "--seed", help="Seed of 'random' and of the diffrate search."),
    search_data: Path | None = typer.Option(None, "--search-data", help="diffrate/greedy: text file, one sentence "
                                            "a line, to search the schedule on (default: wikitext-2 valid from "
                                            "../shared/data, else a built-in sample)."),  # fmt: skip
    json_out: bool = typer.Option(False, "--json", help="Print {'unreduced': {...}, 'reduced': {...}} as JSON."),
    context: int = typer.Option(256, "--context", help="smollm2: context tokens per chunk (reducible)."),
    continuation: int = typer.Option(32, "--continuation", help="smollm2: continuation tokens per chunk (scored, "
                                                                "never reduced)."),  # fmt: skip
    chunks: int | None = typer.Option(None, "--chunks", help="smollm2: at most this many chunks of the text."),
) -> None:
    """`tokensmith reduce eval --model minilm --method M --ratio R`: fidelity, FLOPs and time, side by side.

    Args:
        model: `--model`, the encoder.
        method: `--method`, the reduction method.
        ratio: `--ratio`, R, the share of FLOPs to remove.
        data: `--data`, the STS CSV.
        fuse: `--fuse`, EViT fusion for prune.
        by: `--by`, prune's attention score.
        attn: `--attn-implementation`, passed to transformers.
        batch_one: `--batch-one/--no-batch-one`, time batch 1 too.
        seed: `--seed`.
        search_data: `--search-data`, the diffrate/greedy search texts.
        json_out: `--json`.
        context: `--context`, smollm2's context tokens per chunk.
        continuation: `--continuation`, smollm2's scored tokens per chunk.
        chunks: `--chunks`, smollm2's chunk limit.

    Example:
        >>> from tokensmith.cli.main import main
        >>> try:  # a ratio outside [0, 1): exit 2 before any model loads
        ...     main(["reduce", "eval", "--method", "tome", "--ratio", "1.2"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        exit 2
    """
    from tokensmith.reduce.methods import build
    from tokensmith.reduce.patch import check_attention, check_ratio

    check_ratio(ratio)
    if search_data is not None and not search_data.is_file():
        from tokensmith.errors import CorpusError

        raise CorpusError(f"--search-data {search_data} does not exist; pass a UTF-8 text file with one sentence per "
                          "line (or leave it out: wikitext-2 valid, else a built-in sample).")  # fmt: skip
    if model == "dinov2" and (method == "greedy" or search_data is not None):
        from tokensmith.errors import ModelError

        raise ModelError("--model dinov2 searches diffrate's schedule on scikit-learn's sample photos and takes no "
                         "--search-data; the greedy baseline is for sentence encoders only (2·L passes a step), not "
                         "yet for --model dinov2: use --method diffrate.")  # fmt: skip
    if model == "dinov2":  # the image branch lives in cli/reduce_dinov2.py
        from tokensmith.cli.reduce_dinov2 import GRID, eval_images, print_images

        check_attention(attn, build(method, grid=GRID, fuse=fuse, by=by))
        result = eval_images(method=method, ratio=ratio, data=data, attn=attn, batch_one=batch_one, seed=seed,
                             fuse=fuse, by=by)  # fmt: skip
        _show(result, json_out=json_out, printer=print_images)
        return
    if model == "smollm2":  # the decoder prefill branch lives in cli/reduce_smollm2.py
        from tokensmith.cli.reduce_smollm2 import eval_prefill, print_prefill
        from tokensmith.reduce.decoder import build_decoder

        build_decoder(method, seed=seed, fuse=fuse)  # method errors before the model loads
        result = eval_prefill(method=method, ratio=ratio, data=data, attn=attn, seed=seed, fuse=fuse, context=context,
                              continuation=continuation, chunks=chunks)  # fmt: skip
        _show(result, json_out=json_out, printer=print_prefill)
        return
    check_attention(attn, build(method, fuse=fuse, by=by))  # method errors before any model loads
    result = _eval_text(model, method=method, ratio=ratio, data=data, fuse=fuse, by=by, attn=attn,
                        batch_one=batch_one, seed=seed, search_data=search_data)  # fmt: skip
    _show(result, json_out=json_out, printer=_print)


def _show(result: dict, *, json_out: bool, printer: Callable[[dict], None]) -> None:
    """`--json`: the result as JSON on stdout; else the printer's tables."""
    if json_out:
        emit_json(result)
    else:
        printer(result)


def _eval_text(model: str, *, method: str, ratio: float, data: Path | None, fuse: bool, by: str, attn: str,
               batch_one: bool, seed: int, search_data: Path | None = None) -> dict:  # fmt: skip
    from tokensmith.models import load_encoder
    from tokensmith.reduce.evaluate import evaluate_sts
    from tokensmith.reduce.sts import read_sts
    from tokensmith.reduce.sts_sample import SAMPLE

    pairs = read_sts(data) if data is not None else list(SAMPLE)
    if attn not in ATTENTION:
        from tokensmith.errors import ModelError

        raise ModelError(f"--attn-implementation {attn!r} is not one the runner reproduces; use one of: "
                         f"{', '.join(ATTENTION)}.")  # fmt: skip
    loaded = load_encoder(model, attn_implementation=attn)
    result = evaluate_sts(loaded, pairs, method=method, ratio=ratio, batch_one=batch_one, seed=seed, fuse=fuse, by=by,
                          search_data=search_data)  # fmt: skip
    result["data"] = str(data) if data is not None else "built-in sample (20 pairs)"
    result["model"] = model
    return result


def _print(result: dict) -> None:
    u, r = result["unreduced"], result["reduced"]
    console.print(f"{result['model']} on {result['data']} ({result['pairs']} pairs), {r['method']} at a "
                  f"{r['ratio']:.0%} FLOPs cut:", highlight=False)  # fmt: skip
    console.print(f"  {'':<12}{'spearman':>10}{'gflops':>10}{'kept':>8}{'seconds':>10}{'s (b1)':>10}",
                  highlight=False)  # fmt: skip
    for name, row in (("unreduced", u), ("reduced", r)):
        b1 = f"{row['seconds_b1']:>10.2f}" if "seconds_b1" in row else f"{'-':>10}"
        console.print(f"  {name:<12}{row['spearman']:>10.2f}{row['gflops']:>10.2f}{row.get('flops_kept', 1.0):>8.3f}"
                      f"{row['seconds']:>10.2f}{b1}", highlight=False)  # fmt: skip
    console.print(f"  cosine to unreduced: mean {r['cosine_mean']:.4f}, p5 {r['cosine_p5']:.4f}; tokens per layer "
                  f"{r['mean_tokens_per_layer']} (unreduced {u['mean_tokens']:.1f})", highlight=False)  # fmt: skip


def register(root: typer.Typer) -> None:
    """Add the `reduce` command group (eval) to the root app.

    Args:
        root: the `tokensmith` Typer app.

    Example:
        >>> from tokensmith.cli.main import app as tokensmith_app  # registered already: do not register twice
        >>> "reduce" in [g.name for g in tokensmith_app.registered_groups]
        True
    """
    app.command("eval")(eval_command)
    root.add_typer(app, name="reduce")
