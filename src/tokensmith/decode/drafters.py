"""Drafters by name: the registry behind `tokensmith generate --speculate`.

Later drafters add one entry to `DRAFTER_NAMES` and one branch to `make_drafter`. `rsd` draws random trees from an
explicit draft distribution (`rsd.py`); its source is `q_source` (ngram, self-draft, a draft model). `dyspec` grows
recycling trees best-first and sizes them by a cost curve (`dyspec.py`); `rest` retrieves them from a datastore
(`draft_rest.py`), which it needs. `draft` decodes greedy chains with a draft model of any tokenizer, aligned
through bytes (`draft_crossvocab.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tokensmith.decode.draft_rest import Datastore, RestDrafter
from tokensmith.decode.dyspec import DySpec
from tokensmith.decode.lookup import LookupRecycling, PromptLookup
from tokensmith.decode.recycling import TokenRecycling
from tokensmith.decode.rsd import MODES, QSource, RSDDrafter, tree_size
from tokensmith.decode.speculative import DEFAULT_BUDGET, Drafter, NullDrafter
from tokensmith.errors import GenerationError, close_matches

DRAFTER_NAMES = ("none", "lookup", "recycling", "lookup+recycling", "rsd", "dyspec", "rest", "draft")
Q_SOURCES = ("ngram", "self")  # or a model spec: a same-tokenizer draft model
MAX_RSD_NODES = 80  # the largest tree the CLI verifies (Token Recycling's biggest template)


def make_drafter(
    name: str,
    *,
    vocab_size: int,
    tree: int = DEFAULT_BUDGET,
    k: int = 8,
    hot: bool = True,
    matrix: np.ndarray | None = None,
    q_source: QSource | None = None,
    rsd_mode: str = "c",
    width: int = 2,
    depth: int = 2,
    seed: int = 0,
    draft: Any = None,
    target_tokenizer: Any = None,
    cost: Mapping[int, float] | None = None,
    datastore: Datastore | None = None,
) -> Drafter:
    """A fresh drafter by name.

    Args:
        name: one of DRAFTER_NAMES.
        vocab_size: the model's vocabulary (rows of the recycling matrix).
        tree: draft nodes per step for Token Recycling (its template size).
        k: candidates per token in the recycling matrix.
        hot: keep the recycling matrix across prompts.
        matrix: a saved recycling matrix [vocab_size, k] to start from (see `recycling.load_matrix`).
        q_source: for 'rsd', the draft distribution (an n-gram model over the context when None).
        rsd_mode: for 'rsd', 'c' (RSD-C), 's' (RSD-S) or 'specinfer' (i.i.d. children).
        width: for 'rsd', K: children per node (c, specinfer) or beam width (s).
        depth: for 'rsd', D: levels below the root.
        seed: for 'rsd', the seed of the tree draws.
        draft: for 'draft', the draft model (a `models.LoadedModel`); it drafts max(`tree`, 4) + 2 tokens per step.
        target_tokenizer: for 'draft', the target model's tokenizer.
        cost: for 'dyspec', the forward-cost points {n: t(n)/t(1)} (its documented default when None).
        datastore: for 'rest', the datastore (required; `draft_rest.datastore_from_file`).

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
    if name == "rsd":
        return _rsd(vocab_size, q_source, mode=rsd_mode, width=width, depth=depth, seed=seed)
    if name == "draft":
        from tokensmith.decode.draft_crossvocab import CrossVocabDrafter

        if draft is None or target_tokenizer is None:
            raise GenerationError("--speculate draft needs a draft model: pass --draft-model, e.g. smollm2.")
        return CrossVocabDrafter(draft.model, draft.tokenizer, target_tokenizer, k=max(tree, 4) + 2)
    if name == "dyspec":
        return DySpec(vocab_size=vocab_size, cost=cost, k=k, hot=hot, matrix=matrix)
    if name == "rest":
        if datastore is None:
            raise GenerationError("REST drafts from a datastore: pass --datastore FILE (a text corpus of the prompts' "
                                  "domain, tokenized with the model's tokenizer).")
        return RestDrafter(datastore)
    raise GenerationError(f"unknown drafter '{name}'; {close_matches(name, DRAFTER_NAMES)}")


def _rsd(vocab_size: int, source: QSource | None, *, mode: str, width: int, depth: int, seed: int) -> RSDDrafter:
    from tokensmith.decode.draft_ngram import NgramQ

    if mode not in MODES:
        raise GenerationError(f"unknown RSD mode '{mode}'; {close_matches(mode, MODES)}")
    if width < 1 or depth < 1:
        raise GenerationError(f"--width and --depth must be at least 1 (got {width} and {depth}).")
    if tree_size(mode, width=width, depth=depth) > MAX_RSD_NODES:
        raise GenerationError(
            f"an RSD-{mode} tree of width {width} and depth {depth} has {tree_size(mode, width=width, depth=depth)} "
            f"draft nodes, more than the {MAX_RSD_NODES} one pass verifies here; lower --width or --depth."
        )
    source = source if source is not None else NgramQ(vocab_size=vocab_size)
    return RSDDrafter(source, mode=mode, width=width, depth=depth, seed=seed)


def recycler_of(drafter: Drafter) -> TokenRecycling | None:
    """The Token Recycling part of a drafter (whose matrix can be saved), or None.

    Args:
        drafter: any drafter.

    Example:
        >>> recycler_of(PromptLookup()) is None, type(recycler_of(make_drafter("lookup+recycling", vocab_size=8))).__name__
        (True, 'TokenRecycling')
    """
    if isinstance(drafter, (LookupRecycling, DySpec)):
        return drafter.recycling
    return drafter if isinstance(drafter, TokenRecycling) else None
