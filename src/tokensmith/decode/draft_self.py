"""Self-drafting: the target model with some decoder layers skipped is the draft model (no second model to load).

Zhang et al., 2024, "Draft & Verify: Lossless Large Language Model Acceleration via Self-Speculative Decoding"
(ACL 2024), section 3: the draft pass skips intermediate layers of the target and the full model verifies. The
layers skipped here are fixed (every other intermediate layer by default; the first and last are always kept), not
searched by the paper's Bayesian optimization. The draft shares the target's weights: `skip_layers` builds a shallow
copy of the model whose layer list is a subset; each kept layer keeps its `layer_idx`, so it reads and writes its
own slot of a cache laid out for the full model.

Not handled: models whose decoder layers are not a `model.layers` ModuleList (Llama, Mistral, Qwen2, Gemma and
SmolLM have one), the paper's layer search.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from tokensmith.decode.draft_model import ModelQ
from tokensmith.errors import ModelError

__all__ = ["default_kept_layers", "self_draft", "skip_layers"]


def default_kept_layers(num_layers: int) -> list[int]:
    """The first and last layers and every other layer between them.

    Args:
        num_layers: decoder layers of the target.

    Example:
        >>> default_kept_layers(6)
        [0, 2, 4, 5]
    """
    return sorted({0, num_layers - 1, *range(0, num_layers, 2)})


def skip_layers(model: Any, keep: Sequence[int]) -> Any:
    """A view of `model` that runs only the decoder layers `keep` (weights shared, nothing copied).

    Args:
        model: a transformers causal LM with `model.model.layers`.
        keep: indices of the layers to run, increasing; 0 must be among them (the cache's length is read there).

    Raises:
        ModelError: the model has no layer list, or `keep` is not a valid subset.

    Example:
        >>> model = tiny_causal_lm()
        >>> len(skip_layers(model, [0]).model.layers), len(model.model.layers)
        (1, 2)
    """
    import torch

    inner = getattr(model, "model", None)
    layers = getattr(inner, "layers", None)
    if not isinstance(layers, torch.nn.ModuleList):
        raise ModelError(f"{type(model).__name__} has no model.layers list, so layers cannot be skipped; use "
                         "--drafter ngram or a small --draft-model instead.")
    keep = sorted(set(int(i) for i in keep))
    if not keep or keep[0] != 0 or keep[-1] >= len(layers):
        raise ModelError(f"layers to keep must include 0 and lie in 0..{len(layers) - 1} (got {keep}).")
    view_inner = copy.copy(inner)  # a new Module object whose _modules dict is copied below, sharing parameters
    view_inner._modules = dict(inner._modules)
    view_inner._modules["layers"] = torch.nn.ModuleList([layers[i] for i in keep])
    view = copy.copy(model)
    view._modules = dict(model._modules)
    view._modules["model"] = view_inner
    return view


def self_draft(model: Any, *, vocab_size: int, keep: Sequence[int] | None = None, temperature: float = 1.0) -> ModelQ:
    """The target with layers skipped, as a draft distribution for RSD.

    Args:
        model: the target causal LM.
        vocab_size: width of q (the target's logits).
        keep: layers to run (default `default_kept_layers`).
        temperature: q = softmax(logits / temperature).

    Example:
        >>> type(self_draft(tiny_causal_lm(), vocab_size=320)).__name__
        'ModelQ'
    """
    count = int(model.config.num_hidden_layers)
    return ModelQ(skip_layers(model, keep if keep is not None else default_kept_layers(count)),
                  vocab_size=vocab_size, temperature=temperature)
