"""`Tokenizer`: one read-only class over Hugging Face tokenizers, sentencepiece and tiktoken, seen as ids → exact bytes.

Conventions (the same for every backend):
- `encode` adds no BOS/EOS unless `add_special_tokens=True`, and reads special-token strings in the text as plain
  text unless they are allowed (`allowed_special={"<|endoftext|>"}`, or `"all"`; `parse_special=True` is the same as
  `allowed_special="all"`), tiktoken's `encode_ordinary` rule. Measurement therefore never counts specials that the
  user did not ask for.
- `token_bytes(id)` is exact: for a lossless tokenizer, the bytes of `encode(text)` concatenate to the text's
  UTF-8 bytes (after the one dummy-prefix space of SentencePiece-style models, when present).
- Offsets are byte offsets into the UTF-8 text, always (`encode_with_offsets`, `encode_batch_with_offsets`).
- A `Tokenizer` never changes: caches hold backends, `with_name` gives a renamed copy, and `token_table` is a tuple.
This file does not resolve specs (`spec.py`), zoo names (`zoo.py`) or convert formats (`formats/`).
"""

from __future__ import annotations

import hashlib
import os
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tokensmith import atomic
from tokensmith.accel.select import accelerator_for, encoder_name
from tokensmith.backends.base import Backend, BackendKind, NativeFormat
from tokensmith.backends.chunking import LONG
from tokensmith.errors import ConversionError, TokensmithError
from tokensmith.flat import flatten
from tokensmith.offsets import Encoding, encodings
from tokensmith.specials import AllowedSpecial, allowed_specials, encode_allowing

SaveFormat = NativeFormat


class Tokenizer:
    """A tokenizer from any backend, with exact token bytes. Read-only: safe to share between callers and threads.

    Args:
        backend: an object implementing `tokensmith.backends.base.Backend` (the Tokenizer never changes it).
        name: a display name (the spec it was loaded from, by default).
        source: where it was read from (a path or a package file), for provenance.

    Example:
        >>> import tokensmith
        >>> tok = tokensmith.load("gpt2")
        >>> tok.encode("Hello world")
        [15496, 995]
        >>> [tok.token_bytes(i) for i in tok.encode("Hello world")]
        [b'Hello', b' world']
        >>> tok.with_name("mine").name, tok.name
        ('mine', 'gpt2')
    """

    __slots__ = ("_backend", "_name", "_source", "_table", "_bos_eos")

    def __init__(self, backend: Backend, *, name: str = "tokenizer", source: str | None = None) -> None:
        object.__setattr__(self, "_backend", backend)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_table", None)
        object.__setattr__(self, "_bos_eos", None)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(
            f"Tokenizer is read-only (cannot set '{key}'): use tok.with_name(...) for another name, or load a new one."
        )

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"Tokenizer is read-only (cannot delete '{key}').")

    def __repr__(self) -> str:
        return f"Tokenizer(name={self.name!r}, backend={self.backend_kind!r}, vocab_size={self.vocab_size})"

    def with_name(self, name: str, *, source: str | None = None) -> Tokenizer:
        """The same tokenizer (sharing its backend) under another name.

        Args:
            name: the new display name.
            source: a new provenance string; the current one when None.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").with_name("baseline").name
            'baseline'
        """
        return Tokenizer(self._backend, name=name, source=self._source if source is None else source)

    # ---- identity ---------------------------------------------------------------------------------------------------
    @property
    def backend(self) -> Backend:
        """The backend (its protocol is `tokensmith.backends.base.Backend`)."""
        return self._backend

    @property
    def backend_kind(self) -> BackendKind:
        """'hf', 'sentencepiece' or 'tiktoken'."""
        return self._backend.kind

    @property
    def name(self) -> str:
        """The display name."""
        return self._name

    @property
    def encoder(self) -> str:
        """The encoder that plain-text `encode`/`encode_batch` calls use: a verified accelerator ('fastokens',
        'bpe-openai', … see `tokensmith.accel`), else the backend's library ('tiktoken', 'hf-tokenizers',
        'sentencepiece'). The first access verifies the installed accelerators (cached per fingerprint);
        `TOKENSMITH_ACCEL=0` turns them off.

        Example:
            >>> import os, tokensmith
            >>> os.environ["TOKENSMITH_ACCEL"] = "0"
            >>> tokensmith.load("gpt2").encoder
            'tiktoken'
            >>> del os.environ["TOKENSMITH_ACCEL"]
        """
        return encoder_name(self)

    @property
    def source(self) -> str | None:
        """Where the tokenizer was read from, when known."""
        return self._source

    @property
    def native_format(self) -> NativeFormat:
        """The format `save` writes: 'tokenizer.json', 'tiktoken' or 'sentencepiece'."""
        return self._backend.native_format

    def native_bytes(self) -> bytes:
        """The backend's own serialization (what `save` writes).

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").native_bytes().splitlines()[:2]  # the .tiktoken rank file
            [b'IQ== 0', b'Ig== 1']
        """
        return self._backend.native_bytes()

    @property
    def fingerprint(self) -> str:
        """sha256 (hex) of `native_bytes()`: the key of everything cached for this tokenizer.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").fingerprint == tokensmith.load("r50k_base").fingerprint
            True
        """
        return _fingerprint(self._backend)

    # ---- sizes and specials -----------------------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        """Number of ids (max id + 1), special tokens included."""
        return self._backend.vocab_size

    @property
    def special_tokens(self) -> dict[str, int]:
        """Special tokens by their text (a fresh dict)."""
        return dict(self._backend.special_tokens)

    @property
    def special_ids(self) -> frozenset[int]:
        """Ids of the special tokens."""
        return frozenset(self._backend.special_tokens.values())

    @property
    def unk_id(self) -> int | None:
        """Id of the unknown token, or None when the tokenizer never produces one."""
        return self._backend.unk_id

    @property
    def byte_fallback_ids(self) -> frozenset[int]:
        """Ids of SentencePiece-style byte-fallback pieces ('<0xNN>')."""
        return self._backend.byte_fallback_ids()

    @property
    def lossless(self) -> bool:
        """True when token bytes always concatenate back to the input (byte-level BPE, tiktoken, byte fallback)."""
        return self._backend.lossless

    @property
    def dummy_prefix(self) -> bool:
        """True when the model prepends one space to the text (SentencePiece `add_dummy_prefix`)."""
        return self._backend.dummy_prefix

    # ---- encode / decode --------------------------------------------------------------------------------------------
    def encode(
        self,
        text: str,
        *,
        add_special_tokens: bool = False,
        allowed_special: AllowedSpecial = frozenset(),
        parse_special: bool = False,
        strict: bool = False,
    ) -> list[int]:
        """Token ids of `text`.

        Args:
            text: the text.
            add_special_tokens: add the tokenizer's BOS/EOS (as its post-processor or SentencePiece options say).
            allowed_special: special-token strings that become their ids when they occur in the text ("all" for
                every one); the others are read as plain text. Raises on a string that is no special token.
            parse_special: the same as `allowed_special="all"`.
            strict: raise `LossyEncodingError` (naming the first dropped byte offset) when the tokens do not spell
                the text: exact bytes for a lossless tokenizer, token spans for a lossy one (`tokensmith.dropped`).

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> tok.encode("hi<|endoftext|>")
            [5303, 27, 91, 437, 1659, 5239, 91, 29]
            >>> tok.encode("hi<|endoftext|>", allowed_special={"<|endoftext|>"})
            [5303, 50256]
            >>> tok.encode("hi", strict=True)
            [5303]
        """
        if strict or allowed_special or parse_special:
            return self.encode_batch([text], add_special_tokens=add_special_tokens, allowed_special=allowed_special,
                                     parse_special=parse_special, strict=strict)[0]  # fmt: skip
        if not add_special_tokens and len(text) <= LONG:  # the common case: a verified accelerator, if any
            acc = accelerator_for(self, work=len(text))
            if acc is not None and acc.single:
                return acc.encode(text)
        return self._backend.encode(text, add_special_tokens=add_special_tokens)

    def encode_batch(
        self,
        texts: Sequence[str],
        *,
        add_special_tokens: bool = False,
        allowed_special: AllowedSpecial = frozenset(),
        parse_special: bool = False,
        strict: bool = False,
    ) -> list[list[int]]:
        """Token ids of many texts, through the verified accelerator's or the backend's own threaded batch encoder.

        Args:
            texts: the texts.
            add_special_tokens: see `encode`.
            allowed_special: see `encode`.
            parse_special: see `encode`.
            strict: see `encode`; the error names the first text that drops bytes.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").encode_batch(["Hello", " world"], strict=True)
            [[15496], [995]]
        """
        batch = self._encode_batch(texts, add_special_tokens=add_special_tokens, allowed_special=allowed_special,
                                   parse_special=parse_special)  # fmt: skip
        if strict:
            from tokensmith.dropped import check_spelled

            check_spelled(self, texts, batch, add_special_tokens=add_special_tokens)
        return batch

    def encode_batch_flat(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Plain-text ids of many texts (no special tokens, no BOS/EOS) as flat arrays: ids (T,) uint32 and
        offsets (S+1,) int64, text s being `ids[offsets[s]:offsets[s+1]]`. The same ids as `encode_batch`; an
        accelerator with a flat call (fastokens) fills the arrays without a Python list per text.

        Args:
            texts: the texts.

        Example:
            >>> import tokensmith
            >>> ids, offsets = tokensmith.load("gpt2").encode_batch_flat(["Hello world", "", "Hi"])
            >>> ids.tolist(), offsets.tolist()
            ([15496, 995, 17250], [0, 2, 2, 3])
        """
        acc = self._batch_accelerator(texts)
        if acc is not None:
            return acc.encode_batch_flat(texts)
        return flatten(self._backend.encode_batch(texts, add_special_tokens=False))

    def encode_parts(self, text: str, *, add_special_tokens: bool = False) -> Iterator[list[int]]:
        """Token ids of `text`, a part at a time: concatenated, they are `encode(text)`. A text longer than about a
        million characters comes in many parts, so a caller that writes or packs each part (numpy) never holds
        the whole id list; a shorter one is one part. Special-token strings are read as plain text.

        Args:
            text: the text.
            add_special_tokens: see `encode` (BOS in the first part, EOS in the last).

        Example:
            >>> import tokensmith
            >>> list(tokensmith.load("gpt2").encode_parts("Hello world"))
            [[15496, 995]]
        """
        return self._backend.encode_parts(text, add_special_tokens=add_special_tokens)

    def _encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool, allowed_special: AllowedSpecial, parse_special: bool
    ) -> list[list[int]]:
        if not allowed_special and not parse_special:
            acc = None if add_special_tokens else self._batch_accelerator(texts)
            if acc is not None:
                return acc.encode_batch(texts)
            return self._backend.encode_batch(texts, add_special_tokens=add_special_tokens)
        allowed = allowed_specials(self._backend.special_tokens, allowed_special, parse_special, name=self.name)
        if allowed == "all" or not allowed:
            return self._backend.encode_batch(texts, add_special_tokens=add_special_tokens, parse_special=bool(allowed))
        frame = self._bos_eos_ids() if add_special_tokens else ([], [])
        return encode_allowing(self._backend, texts, allowed, frame=frame)

    def _batch_accelerator(self, texts: Sequence[str]) -> Any:
        """The verified accelerator for a plain-text batch, or None (none verified, or a text too long for it)."""
        lengths = [len(t) for t in texts]
        acc = accelerator_for(self, work=sum(lengths))
        return acc if acc is not None and max(lengths, default=0) <= LONG else None

    def _bos_eos_ids(self) -> tuple[list[int], list[int]]:
        """The ids `add_special_tokens=True` puts before and after a text (found by encoding one probe text)."""
        if self._bos_eos is None:
            probe = "a"
            plain = self._backend.encode(probe, add_special_tokens=False)
            full = self._backend.encode(probe, add_special_tokens=True)
            at = next((i for i in range(len(full) - len(plain) + 1) if full[i : i + len(plain)] == plain), None)
            value = ([], []) if at is None else (full[:at], full[at + len(plain) :])
            object.__setattr__(self, "_bos_eos", value)
        return self._bos_eos

    def decode(self, ids: Sequence[int]) -> str:
        """The backend's own decoding of `ids` (it may normalize, e.g. strip the dummy-prefix space).

        Args:
            ids: token ids.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").decode([15496, 995])
            'Hello world'
        """
        return self._backend.decode(ids)

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """The exact concatenated bytes of `ids` (no dummy-prefix stripping, no UTF-8 repair).

        Args:
            ids: token ids.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").decode_bytes([15496, 995])
            b'Hello world'
        """
        table = self.token_table
        return b"".join(table[i] for i in ids)

    # ---- bytes ------------------------------------------------------------------------------------------------------
    @property
    def token_table(self) -> tuple[bytes, ...]:
        """Exact bytes of every id, index = id (an immutable tuple). Special tokens map to their text; unused ids
        to b''."""
        if self._table is None:
            object.__setattr__(self, "_table", _shared_table(self._backend))
        return self._table  # type: ignore[return-value]

    def token_bytes(self, idx: int) -> bytes:
        """The exact bytes token `idx` stands for.

        Args:
            idx: a token id.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").token_bytes(995)
            b' world'
        """
        table = self.token_table
        if not 0 <= idx < len(table):
            raise TokensmithError(f"token id {idx} is out of range: this tokenizer has ids 0..{len(table) - 1}.")
        return table[idx]

    def encode_with_offsets(self, text: str, *, add_special_tokens: bool = False) -> Encoding:
        """Ids plus the byte span of each token in `text.encode('utf-8')`.

        For lossless tokenizers spans come from token byte lengths (exact, and a byte-fallback run that spells one
        character gets one span per byte). The dummy-prefix space is not part of the text, so the first span is
        shortened by one byte. Otherwise the library's own offsets are used.

        Args:
            text: the text.
            add_special_tokens: add BOS/EOS (their spans come from the library).

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").encode_with_offsets("Hello world").offsets
            [(0, 5), (5, 11)]
        """
        return self.encode_batch_with_offsets([text], add_special_tokens=add_special_tokens)[0]

    def encode_batch_with_offsets(self, texts: Sequence[str], *, add_special_tokens: bool = False) -> list[Encoding]:
        """`encode_with_offsets` for many texts, with one batch call to the backend.

        Args:
            texts: the texts.
            add_special_tokens: see `encode_with_offsets`.

        Example:
            >>> import tokensmith
            >>> [e.offsets for e in tokensmith.load("bert-base-uncased").encode_batch_with_offsets(["Hi there"])]
            [[(0, 2), (3, 8)]]
        """
        batch = self.encode_batch(texts, add_special_tokens=add_special_tokens)
        return encodings(self._backend, self.token_table, texts, batch, add_special_tokens=add_special_tokens,
                         name=self.name)

    # ---- saving -----------------------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str], *, format: SaveFormat | None = None) -> Path:
        """Write the tokenizer atomically in its native format (`native_format`) and return the file path.

        Other formats are a conversion, which must be verified: use `tokensmith.save(tok, path, format=...)`.

        Args:
            path: a file path, or a directory (the file is then named after the format).
            format: the native format, or None; another format raises `ConversionError` naming the fix.

        Example:
            >>> import tempfile, tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> tok.save(tempfile.mkdtemp()).name
            'tokenizer.tiktoken'
        """
        native = self.native_format
        if format is not None and format != native:
            raise ConversionError(
                f"{self.name} is a {self.backend_kind} tokenizer whose native format is {native}; writing {format} is "
                f"a conversion. Call tokensmith.save(tok, path, format={format!r}), which converts and verifies it."
            )
        target = Path(path)
        if target.is_dir() or (not target.suffix and not target.exists()):
            target = target / DEFAULT_FILE_NAMES[native]
        return atomic.write_bytes(target, self.native_bytes())


DEFAULT_FILE_NAMES: dict[NativeFormat, str] = {
    "tokenizer.json": "tokenizer.json",
    "tiktoken": "tokenizer.tiktoken",
    "sentencepiece": "tokenizer.model",
}

_FINGERPRINTS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()  # backend → sha256


def _fingerprint(backend: Backend) -> str:
    """sha256 of a backend's native bytes, computed once per backend (backends never change)."""
    digest = _FINGERPRINTS.get(backend)
    if digest is None:
        digest = hashlib.sha256(backend.native_bytes()).hexdigest()
        _FINGERPRINTS[backend] = digest
    return digest


_TABLES: weakref.WeakKeyDictionary[Any, tuple[bytes, ...]] = weakref.WeakKeyDictionary()  # backend → table


def _shared_table(backend: Backend) -> tuple[bytes, ...]:
    """A backend's token table as one tuple shared by every Tokenizer over it (the zoo hands out a new Tokenizer per
    `load`; copying a 200k-entry table each time cost ~0.7 ms per load)."""
    table = _TABLES.get(backend)
    if table is None:
        table = tuple(backend.token_table())
        _TABLES[backend] = table
    return table


__all__ = ["DEFAULT_FILE_NAMES", "Encoding", "Tokenizer"]
