"""Send a tokenizer to another process (a Ray worker) by its exact native bytes, not by pickling the backend.

A `Tokenizer` wraps library objects that do not pickle (and it refuses attribute writes, which pickle needs), so a
worker rebuilds it: `TokenizerRef.of(tok)` keeps the native file bytes (`Tokenizer.native_bytes`) and the name;
`ref.load()` writes them once into the cache (`cache_dir("engines", fingerprint)`), loads that file with
`tokensmith.load`, and checks that the fingerprint is the same, so the worker encodes with exactly the same
tokenizer. Loaded tokenizers are kept per process, keyed by fingerprint.

Not handled: tokenizers whose native format cannot be reloaded from bytes alone (none among the current backends).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tokensmith.atomic import write_bytes
from tokensmith.cache import cache_dir
from tokensmith.errors import TokenizerFileError
from tokensmith.tokenizer import Tokenizer

_FILE_NAMES = {"tokenizer.json": "tokenizer.json", "tiktoken": "ranks.tiktoken", "sentencepiece": "spm.model"}


@dataclass(frozen=True)
class TokenizerRef:
    """A picklable handle on a tokenizer: its name, native format, native bytes and fingerprint.

    Args:
        name: the tokenizer's name (kept on the rebuilt tokenizer).
        native_format: 'tokenizer.json' | 'tiktoken' | 'sentencepiece'.
        data: the native file's bytes.
        fingerprint: `Tokenizer.fingerprint`, checked after the reload.

    Example:
        >>> import pickle, tokensmith
        >>> ref = pickle.loads(pickle.dumps(TokenizerRef.of(tokensmith.load("gpt2"))))
        >>> ref.load().encode("Hello world"), ref.load().name
        ([15496, 995], 'gpt2')
    """

    name: str
    native_format: str
    data: bytes
    fingerprint: str

    @classmethod
    def of(cls, tok: Tokenizer) -> TokenizerRef:
        """The handle of `tok`.

        Args:
            tok: any loaded tokenizer.

        Example:
            >>> import tokensmith
            >>> TokenizerRef.of(tokensmith.load("gpt2")).native_format
            'tiktoken'
        """
        return cls(tok.name, tok.native_format, tok.native_bytes(), tok.fingerprint)

    def load(self) -> Tokenizer:
        """The tokenizer, rebuilt from the bytes once per process (then reused).

        Example:
            >>> import tokensmith
            >>> ref = TokenizerRef.of(tokensmith.load("gpt2"))
            >>> ref.load() is ref.load()
            True
        """
        return _load(self.name, self.native_format, self.fingerprint, self.data)


@functools.lru_cache(maxsize=8)
def _load(name: str, native_format: str, fingerprint: str, data: bytes) -> Tokenizer:
    from tokensmith.spec import load

    path = cache_dir("engines", fingerprint[:32]) / _FILE_NAMES[native_format]
    if not path.is_file() or path.stat().st_size != len(data):
        write_bytes(path, data)
    tok = load(path).with_name(name)
    if tok.fingerprint != fingerprint:
        raise TokenizerFileError(f"the tokenizer '{name}' rebuilt on this worker from {path} has fingerprint "
                                 f"{tok.fingerprint[:12]}, not {fingerprint[:12]}: the worker's tokenizers library "
                                 "differs from the driver's. Install the same tokensmith and libraries on every "
                                 "node of the cluster.")  # fmt: skip
    return tok
