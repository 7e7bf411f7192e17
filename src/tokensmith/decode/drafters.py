"""Drafters by name: the registry behind `tokensmith generate --speculate`.

Later drafters (DySpec, RSD) add one entry to `DRAFTER_NAMES` and one branch to `make_drafter`.
"""

from __future__ import annotations

import numpy as np

from tokensmith.decode.lookup import LookupRecycling, PromptLookup
from tokensmith.decode.recycling import TokenRecycling
from tokensmith.decode.speculative import DEFAULT_BUDGET, Drafter, NullDrafter
from tokensmith.errors import GenerationError, close_matches

DRAFTER_NAMES = ("none", "lookup", "recycling", "lookup+recycling")


def make_drafter(
    name: str,
    *,
    vocab_size: int,
    tree: int = DEFAULT_BUDGET,
    k: int = 8,
    hot: bool = True,
    matrix: np.ndarray | None = None,
) -> Drafter:
    """A fresh drafter by name.

    Args:
        name: one of DRAFTER_NAMES.
        vocab_size: the model's vocabulary (rows of the recycling matrix).
        tree: draft nodes per step for Token Recycling (its template size).
        k: candidates per token in the recycling matrix.
        hot: keep the recycling matrix across prompts.
        matrix: a saved recycling matrix [vocab_size, k] to start from (see `recycling.load_matrix`).

    Example:
        >>> type(make_drafter("lookup", vocab_size=100)).__name__
        'PromptLookup'
    """
    if name == "none":
        return NullDrafter()
    if name == "lookup":
        return PromptLookup()
    if name == "recycling":
        return TokenRecycling(vocab_size=vocab_size, k=k, tree=tree, hot=hot, matrix=matrix)
    if name == "lookup+recycling":
        recycling = TokenRecycling(vocab_size=vocab_size, k=k, tree=tree, hot=hot, matrix=matrix)
        return LookupRecycling(PromptLookup(), recycling)
    raise GenerationError(f"unknown drafter '{name}'; {close_matches(name, DRAFTER_NAMES)}")


def recycler_of(drafter: Drafter) -> TokenRecycling | None:
    """The Token Recycling part of a drafter (whose matrix can be saved), or None.

    Args:
        drafter: any drafter.

    Example:
        >>> recycler_of(PromptLookup()) is None, type(recycler_of(make_drafter("lookup+recycling", vocab_size=8))).__name__
        (True, 'TokenRecycling')
    """
    if isinstance(drafter, LookupRecycling):
        return drafter.recycling
    return drafter if isinstance(drafter, TokenRecycling) else None
