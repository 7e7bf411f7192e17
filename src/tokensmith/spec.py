"""Resolve a tokenizer spec (a path or a zoo name) to a `Tokenizer`.

`load` is the public entry point (`tokensmith.load`). Paths are recognised by what they are: a directory (tokenizer.json, tokenizer.model or one .gguf inside), a
`.json`, a SentencePiece `.model`, a `.tiktoken` rank file or a `.gguf` file. Anything else is a zoo name.
"""

from __future__ import annotations

import os
from pathlib import Path

from tokensmith.errors import SpecError, TokenizerFileError
from tokensmith.tokenizer import Tokenizer


def _from_dir(path: Path, *, pattern: str | None) -> Tokenizer:
    for candidate in ("tokenizer.json", "tokenizer.model", "spiece.model", "sentencepiece.bpe.model"):
        if (path / candidate).is_file():
            return resolve(str(path / candidate), pattern=pattern, name=path.name)
    ggufs = sorted(path.glob("*.gguf"))
    if len(ggufs) == 1:
        return resolve(str(ggufs[0]), pattern=pattern, name=path.name)
    raise TokenizerFileError(
        f"directory '{path}' holds no tokenizer: expected tokenizer.json, tokenizer.model or a single .gguf file. "
        "Point the spec at the tokenizer file itself."
    )


def _from_file(path: Path, *, pattern: str | None, name: str) -> Tokenizer:
    try:
        with path.open("rb") as f:
            head = f.read(4)  # the format's magic, when the suffix does not say
    except OSError as e:
        raise TokenizerFileError(f"cannot read '{path}' ({e.strerror}). Check the file's permissions.") from e
    suffix = path.suffix.lower()
    if suffix == ".json":
        from tokensmith.backends.hf import HFBackend

        return Tokenizer(HFBackend.from_file(path), name=name, source=str(path))
    if suffix == ".tiktoken":
        from tokensmith.backends.tiktoken import TiktokenBackend

        return Tokenizer(TiktokenBackend.from_file(path, pattern=pattern), name=name, source=str(path))
    if suffix == ".gguf" or head == b"GGUF":
        from tokensmith.formats.gguf import tokenizer_from_gguf

        return tokenizer_from_gguf(path, name=name)
    if suffix == ".model" or ".model." in path.name or head[:1] == b"\n":
        from tokensmith.backends.sentencepiece import SentencePieceBackend

        return Tokenizer(SentencePieceBackend.from_file(path), name=name, source=str(path))
    raise TokenizerFileError(
        f"'{path}' is not a tokenizer file tokensmith knows: use a tokenizer.json, a SentencePiece .model, a "
        ".tiktoken rank file or a .gguf model."
    )


def resolve(spec: str, *, pattern: str | None = None, name: str | None = None) -> Tokenizer:
    """Turn a spec into a `Tokenizer` (see module docstring); `load` is the public form.

    Args:
        spec: a path (file or directory) or a zoo name.
        pattern: for a `.tiktoken` file, a known encoding name or a split regex (inferred when omitted).
        name: the display name of a tokenizer read from a file; by default the file's stem, or its folder's name
            for a file called tokenizer.*.

    Example:
        >>> import tempfile
        >>> from tokenizers import Tokenizer as HFTokenizer, models
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     (Path(folder) / "toy").mkdir()
        ...     toy = HFTokenizer(models.WordLevel({"a": 0, "[UNK]": 1}, unk_token="[UNK]"))
        ...     toy.save(f"{folder}/toy/tokenizer.json")
        ...     resolve(f"{folder}/toy").name, resolve(f"{folder}/toy/tokenizer.json", name="mine").name
        ('toy', 'mine')
        >>> resolve("missing/tokenizer.json")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokenizerFileError: tokenizer file 'missing/tokenizer.json' does not exist...
    """
    if not spec:
        raise SpecError("the tokenizer spec is empty: pass a path or a zoo name (list them with `tokensmith zoo`).")
    path = Path(spec).expanduser()
    if path.is_dir():
        return _from_dir(path, pattern=pattern)
    if path.is_file():
        default = path.parent.name if path.stem == "tokenizer" else path.stem
        return _from_file(path, pattern=pattern, name=name or default)
    suffixes = (".json", ".model", ".tiktoken", ".gguf")
    looks_like_path = "/" in spec or "\\" in spec or Path(spec).suffix in suffixes
    if looks_like_path:
        raise TokenizerFileError(f"tokenizer file '{spec}' does not exist. Check the path, or use a zoo name.")
    from tokensmith.zoo import load_zoo

    return load_zoo(spec)


def load(spec: str | os.PathLike[str], *, pattern: str | None = None) -> Tokenizer:
    """Load a tokenizer from a spec: a file (tokenizer.json, .model, .tiktoken, .gguf), an HF directory, or a zoo
    name (see `tokensmith zoo`). Each call returns its own read-only `Tokenizer` (zoo backends are cached).

    Args:
        spec: the path or zoo name.
        pattern: for a `.tiktoken` file, a known encoding name ('cl100k_base') or a split regex; inferred from the
            file's hash when omitted.

    Raises:
        SpecError: an empty spec or an unknown zoo name (close names are listed).
        TokenizerFileError: a missing, unreadable or corrupt file.

    Example:
        >>> load("o200k_base").encode("Hello world")
        [13225, 2375]
    """
    return resolve(str(spec), pattern=pattern)
