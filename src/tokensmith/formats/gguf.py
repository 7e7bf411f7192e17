"""Read the tokenizer vocabulary of a GGUF model file into a `Tokenizer` (and so into tokenizer.json).

We rely on transformers' own GGUF tokenizer converter (`gguf_file=`), which rebuilds the tokenizer.json that the
model was converted from (llama/SentencePiece-style and GPT-2-style byte-level vocabularies). transformers and gguf
are imported lazily: this is a model-side feature (extra `[models]`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

from tokensmith.cache import cache_dir
from tokensmith.errors import ConversionError, TokenizerFileError, require

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer


def hf_tokenizer_from_gguf(path: str | Path):  # -> tokenizers.Tokenizer
    """The `tokenizers.Tokenizer` that transformers rebuilds from a GGUF file's metadata (seconds; not cached).

    Args:
        path: the .gguf model file.

    Raises:
        ModelError: transformers or gguf is not installed (extra `[models]`).
        TokenizerFileError: the file does not exist.
        ConversionError: transformers cannot read or convert the file's tokenizer.

    Example:
        >>> hf_tokenizer_from_gguf("missing.gguf")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokenizerFileError: GGUF file 'missing.gguf' does not exist. Check the path.
    """
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


def _cache_file(path: Path) -> Path:
    """Where the converted tokenizer.json of a GGUF file is cached, keyed by its resolved path, size and mtime."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:24]
    return cache_dir("gguf") / f"{path.stem}-{key}.json"


def tokenizer_from_gguf(path: str | Path, *, name: str | None = None, cache: bool = True) -> Tokenizer:
    """A `Tokenizer` over the vocabulary stored in a GGUF model file.

    Converting a GGUF vocabulary through transformers takes seconds, so the resulting tokenizer.json is cached
    (atomically written, under $TOKENSMITH_CACHE or ~/.cache/tokensmith/gguf) and reused while the GGUF file's
    size and mtime are unchanged. Pass `cache=False` to always convert.

    Args:
        path: the .gguf model file.
        name: the display name; the file's stem by default.
        cache: read and write the converted tokenizer.json under `cache_dir("gguf")`.

    Example:
        >>> require_model("smollm2")
        >>> from tokensmith.models import packaged_gguf_path
        >>> tok = tokenizer_from_gguf(packaged_gguf_path("smollm2"), name="smollm2")
        >>> tok.name, tok.vocab_size, tok.encode("Hello world")
        ('smollm2', 49152, [19556, 905])
        >>> any(cache_dir("gguf").glob("SmolLM2-*.json"))  # the next call reads this file instead
        True
    """
    from tokensmith import atomic
    from tokensmith.backends.hf import HFBackend
    from tokensmith.tokenizer import Tokenizer

    path = Path(path)
    cached = _cache_file(path) if cache and path.is_file() else None
    if cached is not None and cached.is_file():
        backend = HFBackend.from_file(cached)
    else:
        backend = HFBackend(hf_tokenizer_from_gguf(path))
        if cached is not None:
            with contextlib.suppress(OSError):
                atomic.write_bytes(cached, backend.native_bytes())
    return Tokenizer(backend, name=name or path.stem, source=str(path))
