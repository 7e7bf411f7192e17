"""tokensmith: train, measure, convert and use tokenizers through one interface, ids → exact bytes.

The public API is re-exported here explicitly. `import tokensmith` loads neither torch nor transformers.
"""

from tokensmith.errors import (
    ConversionError,
    CorpusError,
    ModelError,
    SpecError,
    TokenizerFileError,
    TokensmithError,
    TrainingError,
)
from tokensmith.learn import TrainConfig, train, train_files
from tokensmith.tokenizer import Encoding, Tokenizer, load

__version__ = "0.1.0"

__all__ = [
    "ConversionError",
    "CorpusError",
    "Encoding",
    "ModelError",
    "SpecError",
    "Tokenizer",
    "TokenizerFileError",
    "TokensmithError",
    "TrainConfig",
    "TrainingError",
    "load",
    "train",
    "train_files",
]
