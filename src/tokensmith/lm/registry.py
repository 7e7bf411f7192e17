"""`--arch` names → the architecture's config dataclass and model class (imported lazily: they load torch).

Each model class has the same training/scoring surface: `arch`, `prepare(text)`, `batch_loss(stream, *,
batch_size, seed, step) -> (loss, flops)`, `chunk_logprobs(chunk) -> (n_symbols,)` and `flop_params()`; the
subword and lexinvariant models also take their `Tokenizer` (and are scored through it).
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

from tokensmith.errors import ModelError, close_matches

# name -> (module, config class, model class)
_ARCHS = {
    "subword": ("tokensmith.lm.subword", "SubwordConfig", "SubwordLM"),
    "byte": ("tokensmith.lm.byte", "ByteConfig", "ByteLM"),
    "hierarchical": ("tokensmith.lm.hierarchical", "HierConfig", "HierarchicalLM"),
    "patch": ("tokensmith.lm.patch", "PatchConfig", "PatchLM"),
    "lexinvariant": ("tokensmith.lm.lexinvariant", "LexConfig", "LexinvariantLM"),
    "compressed": ("tokensmith.lm.compressed", "CompressedConfig", "CompressedLM"),
    "mrt5": ("tokensmith.lm.mrt5", "MrT5Config", "MrT5LM"),
    "ftp": ("tokensmith.lm.ftp", "FTPConfig", "FTPLM"),
}
ARCHS = tuple(_ARCHS)
TOKENIZED = ("subword", "lexinvariant", "ftp")  # the architectures that read a tokenizer's ids (--tokenizer)


def check_arch(arch: str) -> str:
    """Return `arch` when it names an architecture; otherwise a ModelError listing the valid ones.

    Args:
        arch: the `--arch` value.

    Example:
        >>> check_arch("byte")
        'byte'
    """
    if arch not in _ARCHS:
        raise ModelError(f"unknown architecture {arch!r}: {close_matches(arch, ARCHS)} (--arch takes one of "
                         f"{', '.join(ARCHS)})")  # fmt: skip
    return arch


def config_class(arch: str) -> type:
    """The config dataclass of `arch`.

    Args:
        arch: an architecture name.

    Example:
        >>> config_class("byte").__name__
        'ByteConfig'
    """
    module, config_name, _ = _ARCHS[check_arch(arch)]
    return getattr(importlib.import_module(module), config_name)  # type: ignore[no-any-return]


def make_config(arch: str, fields: dict[str, Any]) -> Any:
    """Build `arch`'s config from a dict, refusing unknown fields with the list of known ones.

    Args:
        arch: an architecture name.
        fields: field name → value (missing fields take their defaults).

    Example:
        >>> make_config("byte", {"n_layer": 1}).n_layer
        1
    """
    cls = config_class(arch)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ModelError(f"{arch} models have no setting {', '.join(unknown)}; the settings are: "
                         f"{', '.join(sorted(known))}")  # fmt: skip
    return cls(**fields)


def build_model(arch: str, config: Any, *, tokenizer: Any = None) -> Any:
    """A freshly initialised model of `arch` (seed torch first for a reproducible initialisation).

    Args:
        arch: an architecture name.
        config: its config dataclass.
        tokenizer: the `Tokenizer` (the `TOKENIZED` architectures only).

    Example:
        >>> build_model("byte", make_config("byte", {"n_layer": 1, "n_embd": 8, "n_head": 1})).arch
        'byte'
    """
    module, _, model_name = _ARCHS[check_arch(arch)]
    cls = getattr(importlib.import_module(module), model_name)
    return cls(config, tokenizer=tokenizer) if arch in TOKENIZED else cls(config)
