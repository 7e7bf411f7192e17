"""Read a causal LM's embedding matrices and install new ones (torch is imported lazily).

A model is *tied* when its output layer is its input embedding (SmolLM2, Gemma 3): then one matrix is read and
written, and the model stays tied unless asked (`untie`: the output layer becomes its own copy of the input
embedding first, so the plan builds two matrices that tuning can move apart). An untied model has a second (n_vocab, d) output matrix, which the same plan
rebuilds from the source's output rows. The config's bos/eos/pad ids are moved to the target's ids.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def is_tied(model: Any) -> bool:
    """True when the output layer shares the input embedding's weights (or there is no output layer).

    Args:
        model: a transformers `PreTrainedModel`.

    Example:
        >>> is_tied(tiny_causal_lm())  # LlamaConfig unties by default
        False
    """
    out = model.get_output_embeddings()
    return out is None or out.weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()


def untie(model: Any) -> None:
    """Give a tied model's output layer its own copy of the input embedding (a no-op when already untied).

    The config's `tie_word_embeddings` becomes False, so `save_pretrained` writes both matrices and
    `from_pretrained` keeps them apart.

    Args:
        model: a transformers `PreTrainedModel` (changed in place).

    Example:
        >>> model = tiny_causal_lm()
        >>> model.tie_weights(); model.get_output_embeddings().weight = model.get_input_embeddings().weight
        >>> is_tied(model), (untie(model), is_tied(model))[1]
        (True, False)
    """
    import torch

    if is_tied(model) and model.get_output_embeddings() is not None:
        copy = model.get_input_embeddings().weight.detach().clone()
        model.get_output_embeddings().weight = torch.nn.Parameter(copy)
        model.config.tie_word_embeddings = False
        text_config = getattr(model.config, "get_text_config", lambda: model.config)()
        text_config.tie_word_embeddings = False


def embedding_matrices(model: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """(input embedding (n, d), output matrix (n, d) or None when tied), as float32 numpy copies.

    Args:
        model: a transformers `PreTrainedModel`.

    Example:
        >>> inp, out = embedding_matrices(tiny_causal_lm())
        >>> inp.shape, out.shape
        ((320, 64), (320, 64))
    """
    inp = model.get_input_embeddings().weight.detach().float().numpy().copy()
    if is_tied(model):
        return inp, None
    return inp, model.get_output_embeddings().weight.detach().float().numpy().copy()


def install_embeddings(model: Any, inp: np.ndarray, out: np.ndarray | None, *, role_ids: dict[str, int]) -> None:
    """Resize the model to `len(inp)` rows and write the new matrices; point the config's special ids at `role_ids`.

    Args:
        model: the source model (changed in place).
        inp: (n_target, d) the new input embedding.
        out: (n_target, d) the new output matrix, or None for a tied model.
        role_ids: 'bos' / 'eos' / 'pad' → target id, written to the config and the generation config.

    Example:
        >>> model = tiny_causal_lm()
        >>> new_input, new_output = np.ones((10, 64), np.float32), np.zeros((10, 64), np.float32)
        >>> install_embeddings(model, new_input, new_output, role_ids={"eos": 3})
        >>> model.get_input_embeddings().weight.shape[0], model.config.vocab_size, model.config.eos_token_id
        (10, 10, 3)
    """
    import torch

    dtype = model.get_input_embeddings().weight.dtype
    model.resize_token_embeddings(len(inp), mean_resizing=False)
    with torch.no_grad():
        model.get_input_embeddings().weight.copy_(torch.from_numpy(inp).to(dtype))
        if out is not None:
            model.get_output_embeddings().weight.copy_(torch.from_numpy(out).to(dtype))
    for role in ("bos", "eos", "pad"):
        value = role_ids.get(role)
        setattr(model.config, f"{role}_token_id", value)
        if getattr(model, "generation_config", None) is not None:
            setattr(model.generation_config, f"{role}_token_id", value)
