"""`tokensmith lm compare GRID.toml`: train every model of a grid at one FLOPs budget, score them, write results.

The grid file (paths relative to it):

    [grid]
    train = "train.txt"          # training text
    valid = "valid.txt"          # scored after training (the training record keeps it)
    test = "test.txt"            # the held-out text of the results
    budget = 1e12                # training FLOPs per model
    seeds = [0, 1, 2]
    out = "runs"                 # checkpoints go to runs/<name>-s<seed>
    results = "lm-results.json"  # the results file (schema tokensmith.results/2)
    corpus = "wikitext-2"
    lang = "eng_Latn"
    batch_size = 16
    lr = 1e-3
    max_test_bytes = 100000      # optional cap on the test text

    [[model]]
    name = "bpe-4k"
    arch = "subword"
    tokenizer = "bpe4k/tokenizer.json"
    settings = { n_layer = 2, n_embd = 64 }

Not handled: grids over budgets (run one grid per budget; the report merges results files).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokensmith.errors import TokensmithError
from tokensmith.lm.results import results_document, write_results

_GRID_KEYS = {"train", "valid", "test", "budget", "seeds", "out", "results", "corpus", "lang", "batch_size", "lr",
              "max_test_bytes", "script"}  # fmt: skip
_MODEL_KEYS = {"name", "arch", "tokenizer", "settings"}


@dataclass(frozen=True)
class GridRun:
    """What a grid run wrote: the results file and its rows (`LMScore.as_dict()` plus label and seed).

    Args:
        out: the results file.
        rows: one per model and seed.

    Example:
        >>> GridRun(Path("r.json"), []).out.name
        'r.json'
    """

    out: Path
    rows: list[dict[str, Any]]


def read_grid(path: str | Path) -> dict[str, Any]:
    """The grid file as a dict, checked: known keys only, the required ones present.

    Args:
        path: the TOML file.

    Example:
        >>> read_grid("no-such-grid.toml")
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokensmithError: grid file no-such-grid.toml cannot be read ...
    """
    try:
        grid = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise TokensmithError(f"grid file {path} cannot be read ({e}); pass a TOML file with [grid] and "
                              "[[model]] tables (see docs/lm.md).") from e  # fmt: skip
    head, models = grid.get("grid", {}), grid.get("model", [])
    missing = sorted({"train", "valid", "test", "budget"} - set(head))
    unknown = sorted(set(head) - _GRID_KEYS) + sorted({k for m in models for k in m} - _MODEL_KEYS)
    if missing or unknown or not models:
        raise TokensmithError(f"grid file {path}: missing [grid] keys {missing or 'none'}, unknown keys "
                              f"{unknown or 'none'}, {len(models)} [[model]] tables; the [grid] keys are "
                              f"{', '.join(sorted(_GRID_KEYS))}; a model has {', '.join(sorted(_MODEL_KEYS))}.")  # fmt: skip
    return grid


def run_grid(path: str | Path, *, progress: bool = True) -> GridRun:
    """Train and score every model x seed of the grid; write the results file.

    Args:
        path: the grid file.
        progress: show progress bars.

    Example:
        >>> run_grid("no-such-grid.toml")
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokensmithError: grid file no-such-grid.toml cannot be read ...
    """
    from tokensmith.lm.bpb import evaluate_checkpoints
    from tokensmith.lm.corpus import read_text
    from tokensmith.lm.train import TrainSettings, train_model

    grid = read_grid(path)
    head, root = grid["grid"], Path(path).parent
    test = read_text(root / head["test"], what="test", max_bytes=head.get("max_test_bytes"))
    rows: list[dict[str, Any]] = []
    for model in grid["model"]:
        for seed in head.get("seeds", [0]):
            out = root / head.get("out", "runs") / f"{model['name']}-s{seed}"
            tok = model.get("tokenizer")
            settings = TrainSettings(budget=float(head["budget"]), seed=seed, batch_size=head.get("batch_size", 16),
                                     lr=head.get("lr", 1e-3))  # fmt: skip
            train_model(arch=model["arch"], train_file=root / head["train"], valid_file=root / head["valid"],
                        out=out, tokenizer=str(root / tok) if tok and (root / tok).exists() else tok,
                        model_settings=dict(model.get("settings", {})), settings=settings, progress=progress)  # fmt: skip
            score = evaluate_checkpoints([str(out)], text=test)[0].as_dict()
            rows.append({**score, "label": f"{model['name']}-s{seed}", "name": model["name"], "seed": seed})
    doc = results_document([(r["label"], r) for r in rows], corpus=head.get("corpus", "text"),
                           lang=head.get("lang", "und"), script=head.get("script", "Zyyy"),
                           notes=[f"lm compare {path}: every model trained at {float(head['budget']):.3g} FLOPs"])  # fmt: skip
    results = write_results(root / head.get("results", "lm-results.json"), doc)
    return GridRun(results, rows)
