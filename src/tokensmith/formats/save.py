"""Save a `Tokenizer` in a chosen format, converting when the backend's native format differs."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

from tokensmith import atomic
from tokensmith.errors import ConversionError

if TYPE_CHECKING:
    from tokensmith.tokenizer import SaveFormat, Tokenizer

_DEFAULT_NAMES = {"tokenizer.json": "tokenizer.json", "tiktoken": "tokenizer.tiktoken", "sentencepiece": "tokenizer.model"}


def tiktoken_rank_file(ranks: dict[bytes, int]) -> bytes:
    """Serialize mergeable ranks as a .tiktoken file: one 'base64(token) rank' line per token, by rank."""
    lines = [base64.b64encode(tok) + b" " + str(rank).encode() for tok, rank in sorted(ranks.items(), key=lambda kv: kv[1])]
    return b"\n".join(lines) + b"\n"


def save_tokenizer(tok: Tokenizer, path: Path, *, format: SaveFormat) -> Path:
    """Write `tok` to `path` (a file, or a directory that gets the format's default file name)."""
    if format not in _DEFAULT_NAMES:
        raise ConversionError(f"unknown save format '{format}': choose one of {', '.join(_DEFAULT_NAMES)}.")
    if path.is_dir() or (not path.suffix and not path.exists()):
        path = path / _DEFAULT_NAMES[format]
    backend = tok.backend
    if format == "tokenizer.json":
        if backend.kind == "hf":
            with atomic.atomic_path(path) as tmp:
                backend.save_json(tmp)  # type: ignore[attr-defined]
            return path
        from tokensmith.formats.convert import to_hf_tokenizer

        hf = to_hf_tokenizer(tok)
        with atomic.atomic_path(path) as tmp:
            hf.save(str(tmp))
        return path
    if format == "tiktoken":
        if backend.kind == "tiktoken":
            return atomic.write_bytes(path, tiktoken_rank_file(backend.mergeable_ranks))  # type: ignore[attr-defined]
        from tokensmith.formats.convert import to_tiktoken_ranks

        return atomic.write_bytes(path, tiktoken_rank_file(to_tiktoken_ranks(tok)))
    if backend.kind == "sentencepiece":
        return atomic.write_bytes(path, backend.model_bytes)  # type: ignore[attr-defined]
    raise ConversionError(
        f"cannot save {tok.name} ({backend.kind}) as a SentencePiece .model: only SentencePiece-backed tokenizers "
        "have one. Save as tokenizer.json instead (format='tokenizer.json')."
    )
