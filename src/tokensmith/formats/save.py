"""Save a `Tokenizer` in any format: its native one as is, any other through the verified conversion.

`Tokenizer.save` writes only the native format; a cross-format write is a conversion, which can lose information,
so it goes through `formats.convert.convert_tokenizer` (reload from the exact bytes, compare ids on the built-in
multilingual sample, refuse with `ConversionError` on any difference).
"""

from __future__ import annotations

import os
from pathlib import Path

from tokensmith.formats.convert import convert_tokenizer
from tokensmith.tokenizer import DEFAULT_FILE_NAMES, SaveFormat, Tokenizer


def save(
    tok: Tokenizer,
    path: str | os.PathLike[str],
    *,
    format: SaveFormat | None = None,
    verify_corpus: str | os.PathLike[str] | None = None,
) -> Path:
    """Write `tok` atomically in `format` (its native format by default) and return the file path.

    Args:
        tok: the tokenizer.
        path: a file path, or a directory (the file is then named after the format).
        format: 'tokenizer.json' (loads in `PreTrainedTokenizerFast(tokenizer_file=...)`), 'tiktoken' (byte-level
            BPE only) or 'sentencepiece' (SentencePiece-backed tokenizers only).
        verify_corpus: a text file whose lines must also encode identically after a conversion.

    Raises:
        ConversionError: the conversion is impossible or would change ids (nothing is written).

    Example:
        >>> import tempfile, tokensmith
        >>> out = save(tokensmith.load("gpt2"), tempfile.mkdtemp(), format="tokenizer.json")
        >>> out.name, tokensmith.load(str(out)).encode("Hello world")
        ('tokenizer.json', [15496, 995])
    """
    fmt = format or tok.native_format
    target = Path(path)
    if target.is_dir() or (not target.suffix and not target.exists()):
        target = target / DEFAULT_FILE_NAMES[fmt]
    if fmt == tok.native_format:
        return tok.save(target)
    convert_tokenizer(tok, target, fmt=fmt, verify_corpus=verify_corpus)
    return target
