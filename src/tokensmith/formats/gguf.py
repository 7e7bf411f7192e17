"""Read the tokenizer vocabulary of a GGUF model file into a `Tokenizer` (and so into tokenizer.json).

We rely on transformers' own GGUF tokenizer converter (`gguf_file=`), which rebuilds the tokenizer.json that the
model was converted from (llama/SentencePiece-style and GPT-2-style byte-level vocabularies). transformers and gguf
are imported lazily: this is a model-side feature (extra `[models]`).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

from tokensmith.errors import ConversionError, TokenizerFileError, require

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer


def hf_tokenizer_from_gguf(path: str | Path):  # -> tokenizers.Tokenizer
    """The `tokenizers.Tokenizer` that transformers rebuilds from a GGUF file's metadata."""
    require("transformers", extra="models")
    require("gguf", extra="models")
    path = Path(path)
    if not path.is_file():
        raise TokenizerFileError(f"GGUF file '{path}' does not exist. Check the path.")
    from transformers import AutoTokenizer

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            fast = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    except Exception as e:
        raise ConversionError(
            f"could not read a tokenizer from GGUF file '{path}' ({e}). The file may be truncated, or its "
            "tokenizer type (tokenizer.ggml.model) is one transformers cannot convert."
        ) from e
    if not getattr(fast, "is_fast", False):
        raise ConversionError(f"transformers gave no fast tokenizer for '{path}', so it cannot become tokenizer.json.")
    return fast.backend_tokenizer


def tokenizer_from_gguf(path: str | Path, *, name: str | None = None) -> Tokenizer:
    """A `Tokenizer` over the vocabulary stored in a GGUF model file."""
    from tokensmith.backends.hf import HFBackend
    from tokensmith.tokenizer import Tokenizer

    backend = HFBackend(hf_tokenizer_from_gguf(path))
    return Tokenizer(backend, name=name or Path(path).stem, source=str(path))
