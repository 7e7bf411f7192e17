"""The reduction methods by name: which operator each builds and where it acts.

A method is an operator plus a placement (`schedule.py` turns the placement and a FLOPs target into per-layer
ratios):
- `every`: the same share of the current candidates goes after the attention of every layer (tome, prune, fopru
  on grids, random; aim, whose operator merges in the first layers and prunes by PageRank in the later ones);
- `once`: one reduction after the attention of the first layer (pool: Matryoshka pooling keeps the first layer's
  context, then runs the rest at the pooled count; budget: the kept tokens split across regions);
- `input`: one cut on the embeddings, before layer 0 (truncate);
- `learned`: per-layer (prune, merge) shares found by a search on training data (diffrate, its greedy baseline
  greedy: `diffrate.py`, `greedy_rate.py`), refitted to the data's lengths by `PruneMerge.family`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokensmith.errors import ModelError, close_matches

METHODS = ("tome", "prune", "fopru", "random", "truncate", "pool", "budget", "diffrate", "aim", "greedy")


@dataclass(frozen=True)
class Method:
    """A method's operator and placement."""

    name: str
    operator: Any
    placement: str  # 'every' | 'once' | 'input' | 'learned'


def build(name: str, *, grid: tuple[int, int] | None = None, seed: int = 0, fuse: bool = False,
          by: str = "cls", rates: Any = None) -> Method:  # fmt: skip
    """The operator and placement of a method.

    Args:
        name: one of `METHODS` that is built.
        grid: (rows, cols) of an image encoder's patches (None for text): selects 2-D pooling, allows fopru.
        seed: seed of `random`.
        fuse: `prune` fuses its pruned tokens into one (EViT).
        by: `prune`/`fopru`/`budget` rank by 'cls' or 'received' attention.
        rates: `diffrate`/`greedy`: the searched per-layer (prune, merge) shares.

    Raises:
        ModelError: unknown, or not applicable to text (fopru).

    Example:
        >>> build("tome").placement, build("truncate").placement
        ('every', 'input')
        >>> build("tomme")
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: unknown reduction method 'tomme'; did you mean: tome? (valid: tome, prune, fopru, random, truncate, pool, budget, diffrate, aim, greedy).
    """
    from tokensmith.reduce.aim import AIM
    from tokensmith.reduce.budget import Budget
    from tokensmith.reduce.pool import Pool1D, Pool2D
    from tokensmith.reduce.prune_merge import PruneMerge
    from tokensmith.reduce.prune import AttentionPrune, FoPruRows
    from tokensmith.reduce.random_prune import RandomPrune
    from tokensmith.reduce.tome import ToMe
    from tokensmith.reduce.truncate import Truncate

    if name == "fopru" and grid is None:
        raise ModelError("method 'fopru' keeps whole rows of an image grid; it needs an image encoder (--model "
                         "dinov2). For text use 'prune'.")  # fmt: skip
    table: dict[str, tuple[Any, str]] = {
        "tome": (lambda: ToMe(), "every"),
        "prune": (lambda: AttentionPrune(by=by, fuse=fuse), "every"),  # type: ignore[arg-type]
        "fopru": (lambda: FoPruRows(grid=grid, by=by), "once"),  # type: ignore[arg-type]
        "random": (lambda: RandomPrune(seed=seed), "every"),
        "truncate": (lambda: Truncate(), "input"),
        "pool": (lambda: Pool2D(grid=grid) if grid else Pool1D(), "once"),
        "aim": (lambda: AIM(), "every"),
        "budget": (lambda: Budget(grid=grid, by=by), "once"),  # type: ignore[arg-type]
        "diffrate": (lambda: PruneMerge(rates, name="diffrate"), "learned"),
        "greedy": (lambda: PruneMerge(rates, name="greedy"), "learned"),
    }
    if name not in table:
        raise ModelError(f"unknown reduction method '{name}'; {close_matches(name, METHODS)} "
                         f"(valid: {', '.join(METHODS)}).")  # fmt: skip
    make, placement = table[name]
    return Method(name=name, operator=make(), placement=placement)
