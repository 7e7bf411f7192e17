"""tokensmith: train, measure, convert and use tokenizers through one interface, ids → exact bytes.

The public API is listed here explicitly. `import tokensmith` loads the core only (no stage module, neither torch
nor transformers): the stage functions (`train`, `evaluate`, `score_bytes`, `speculative_generate`, ...) are
imported on first use.

Example:
    >>> import tokensmith
    >>> tok = tokensmith.load("o200k_base")
    >>> tok.encode("Hello world")
    [13225, 2375]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tokensmith.errors import (
    ConversionError,
    CorpusError,
    GenerationError,
    LossyEncodingError,
    MissingDependencyError,
    ModelError,
    SpecError,
    TokenizerFileError,
    TokensmithError,
    TrainingError,
)
from tokensmith.spec import load
from tokensmith.tokenizer import Encoding, Tokenizer
from tokensmith.zoo import ZooStatus, load_zoo, zoo_names, zoo_status

if TYPE_CHECKING:
    from tokensmith.decode.bytelevel import score_bytes
    from tokensmith.decode.speculative import speculative_generate
    from tokensmith.formats.convert import ConversionReport, convert
    from tokensmith.formats.save import save
    from tokensmith.learn import TrainConfig, train, train_files
    from tokensmith.measure import EvalConfig, EvalInputs, evaluate

__version__ = "0.1.0"

# name → module it is imported from on first use (PEP 562)
_LAZY = {
    "ConversionReport": "tokensmith.formats.convert",
    "convert": "tokensmith.formats.convert",
    "save": "tokensmith.formats.save",
    "TrainConfig": "tokensmith.learn",
    "train": "tokensmith.learn",
    "train_files": "tokensmith.learn",
    "EvalConfig": "tokensmith.measure",
    "EvalInputs": "tokensmith.measure",
    "evaluate": "tokensmith.measure",
    "score_bytes": "tokensmith.decode.bytelevel",
    "speculative_generate": "tokensmith.decode.speculative",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tokensmith' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ConversionError",
    "ConversionReport",
    "CorpusError",
    "Encoding",
    "EvalConfig",
    "EvalInputs",
    "GenerationError",
    "LossyEncodingError",
    "MissingDependencyError",
    "ModelError",
    "SpecError",
    "Tokenizer",
    "TokenizerFileError",
    "TokensmithError",
    "TrainConfig",
    "TrainingError",
    "ZooStatus",
    "convert",
    "evaluate",
    "load",
    "load_zoo",
    "save",
    "score_bytes",
    "speculative_generate",
    "train",
    "train_files",
    "zoo_names",
    "zoo_status",
]
