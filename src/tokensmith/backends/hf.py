"""Backend over Hugging Face `tokenizers` (tokenizer.json): byte-level BPE, Metaspace/SentencePiece-style BPE and
Unigram, and WordPiece.

How token strings become exact bytes depends on the pipeline, which we read from the tokenizer's JSON:
- ByteLevel pre-tokenizer or decoder: the GPT-2 alphabet ('Ġ' = space) maps back to raw bytes.
- Metaspace or a '▁' normalizer (Llama-2 style): '▁' is a space, '<0xNN>' byte-fallback pieces are single bytes.
- WordPiece: the continuation prefix ('##') is removed. WordPiece is defined on *normalized* text (lowercased,
  accents stripped for BERT uncased) and drops whitespace, so its token bytes do not concatenate to the input.
Added tokens (special or not) stand for their literal UTF-8 content.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from tokenizers import Tokenizer as HFTokenizer

from tokensmith.backends import chunking
from tokensmith.backends.base import (
    SPM_SPACE,
    BackendKind,
    CharOffsets,
    NativeFormat,
    byte_fallback_value,
    byte_level_decode,
    byte_level_encode,
)
from tokensmith.backends.guard import check_ids, guarded, library_call, reraise
from tokensmith.backends.rawbytes import byte_fallback_raw, raw_pieces, spells, valid_head
from tokensmith.backends.tiktoken import CUT_SAFE_PATTERNS
from tokensmith.errors import TokenizerFileError

Spelling = Literal["byte_level", "metaspace", "wordpiece", "plain"]

# Bytes that can occur in UTF-8 text (C0, C1 and F5..FF never do).
_UTF8_BYTES = [b for b in range(0xF5) if b not in (0xC0, 0xC1)]

# Normalizers that never change the text except for the '▁' spelling of spaces.
_SPACE_ONLY_NORMALIZERS = {"Prepend", "Replace"}

# What a library failure while encoding or decoding tells the user to do (`guard.guarded`).
_FIX = ("Re-download or re-export the tokenizer.json (an inconsistent model, e.g. an unk_token missing from the "
        "vocabulary, loads but fails on the first text that needs it).")


def components(node: Any, key: str) -> tuple[dict[str, Any], ...]:
    """Flatten a (possibly nested) Sequence of normalizers / pre-tokenizers / decoders of a tokenizer.json.

    Args:
        node: the JSON object of the `normalizer`, `pre_tokenizer` or `decoder` field (or None).
        key: the list field of a Sequence: 'normalizers', 'pretokenizers' or 'decoders'.

    Example:
        >>> seq = {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]}
        >>> [c["type"] for c in components(seq, "normalizers")]
        ['NFC', 'Lowercase']
    """
    if not node:
        return ()
    if node.get("type") == "Sequence":
        out: list[dict[str, Any]] = []
        for child in node.get(key, []):
            out.extend(components(child, key))
        return tuple(out)
    return (node,)


class HFBackend:
    """A `tokenizers.Tokenizer` seen as ids ↔ exact bytes.

    The pipeline is read once from the tokenizer's JSON: `normalizers`, `pre_tokenizers` and `decoders` (flattened,
    read-only), `spelling` (how token strings map to bytes) and `config` (the parsed tokenizer.json).

    Args:
        tok: the `tokenizers.Tokenizer`; the backend owns it from now on (do not change it afterwards).
        where: the file it came from, named in errors.

    Example:
        >>> from tokenizers import Tokenizer as HFTokenizer, models, pre_tokenizers
        >>> hf = HFTokenizer(models.WordLevel({"a": 0, "b": 1, "[UNK]": 2}, unk_token="[UNK]"))
        >>> hf.pre_tokenizer = pre_tokenizers.Whitespace()
        >>> backend = HFBackend(hf)
        >>> backend.encode("a b c", add_special_tokens=False), backend.spelling, backend.unk_id
        ([0, 1, 2], 'plain', 2)
    """

    kind: BackendKind = "hf"
    native_format: NativeFormat = "tokenizer.json"
    pattern = None

    def __init__(self, tok: HFTokenizer, *, where: str = "the Hugging Face tokenizer") -> None:
        self.tok = tok
        self.where = where  # the file, for errors raised while encoding
        self._json = tok.to_str()
        self.config: dict[str, Any] = json.loads(self._json)
        self.normalizers = components(self.config.get("normalizer"), "normalizers")
        self.pre_tokenizers = components(self.config.get("pre_tokenizer"), "pretokenizers")
        self.decoders = components(self.config.get("decoder"), "decoders")
        self.spelling: Spelling = self._detect_spelling()
        self._table: list[bytes] | None = None

    @classmethod
    def from_file(cls, path: str | Path) -> HFBackend:
        """Read a tokenizer.json file.

        Args:
            path: the tokenizer.json file.

        Raises:
            TokenizerFileError: the file is missing, truncated or not a tokenizer.json.

        Example:
            >>> import pathlib, tempfile
            >>> from tokenizers import Tokenizer as HFTokenizer, models
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     path = pathlib.Path(folder) / "tokenizer.json"
            ...     HFTokenizer(models.WordLevel({"a": 0, "[UNK]": 1}, unk_token="[UNK]")).save(str(path))
            ...     HFBackend.from_file(path).token_table()
            [b'a', b'[UNK]']
        """
        try:
            tok = HFTokenizer.from_file(str(path))
        except Exception as e:  # tokenizers raises bare Exception subclasses on parse errors
            raise TokenizerFileError(
                f"could not read '{path}' as a Hugging Face tokenizer.json ({e}). Check that the file is complete "
                "(re-download or re-export it) and that it was written by `tokenizers` or `save_pretrained`."
            ) from e
        except BaseException as e:  # a Rust panic (pyo3's PanicException is no Exception)
            reraise(e, str(path), doing="loading", fix="Re-download or re-export the tokenizer.json.")
        with library_call(str(path), doing="loading", fix="Re-download or re-export the tokenizer.json."):
            return cls(tok, where=str(path))

    def _detect_spelling(self) -> Spelling:
        types = {c.get("type") for c in self.pre_tokenizers + self.decoders}
        model_type = self.config.get("model", {}).get("type")
        if "ByteLevel" in types:
            return "byte_level"
        if "Metaspace" in types or any(
            c.get("type") in _SPACE_ONLY_NORMALIZERS and SPM_SPACE in json.dumps(c, ensure_ascii=False)
            for c in self.normalizers
        ):
            return "metaspace"
        if model_type == "WordPiece" or "WordPiece" in types:
            return "wordpiece"
        return "plain"

    # ---- capabilities -------------------------------------------------------------------------------------------
    @functools.cached_property
    def vocab_size(self) -> int:
        vocab = self.tok.get_vocab(with_added_tokens=True)
        return max(vocab.values()) + 1 if vocab else 0

    @functools.cached_property
    def special_tokens(self) -> dict[str, int]:
        return {t["content"]: t["id"] for t in self.config.get("added_tokens", []) if t.get("special")}

    def native_bytes(self) -> bytes:
        """The tokenizer.json text, as read at construction.

        Example:
            >>> import json, tokensmith
            >>> json.loads(tokensmith.load("bert-base-uncased").backend.native_bytes())["model"]["type"]
            'WordPiece'
        """
        return self._json.encode("utf-8")

    @functools.cached_property
    def dummy_prefix(self) -> bool:
        for c in self.normalizers:
            if c.get("type") == "Prepend" and c.get("prepend") == SPM_SPACE:
                return True
        for c in self.pre_tokenizers:
            if c.get("type") == "Metaspace" and c.get("prepend_scheme", "always") in ("always", "first"):
                return bool(c.get("add_prefix_space", True))
            if c.get("type") == "ByteLevel" and c.get("add_prefix_space"):
                return True
        return False

    @functools.cached_property  # it scans the token table; the config never changes after __init__
    def lossless(self) -> bool:
        if any(c.get("type") not in _SPACE_ONLY_NORMALIZERS for c in self.normalizers):
            return False
        model = self.config.get("model", {})
        if self.spelling == "byte_level":
            # A byte-level vocabulary may lack some single bytes (SmolLM2 lacks 21); BPE then drops them silently.
            singles = {t for t in self.token_table() if len(t) == 1}
            return all(bytes([b]) in singles for b in _UTF8_BYTES)
        if self.spelling == "metaspace":
            return bool(model.get("byte_fallback"))
        return False

    @functools.cached_property
    def unk_id(self) -> int | None:
        unk = self.config.get("model", {}).get("unk_token")
        return self.tok.token_to_id(unk) if unk else None

    def byte_fallback_ids(self) -> frozenset[int]:
        """Ids of the '<0xNN>' byte pieces of a Metaspace model with byte fallback; empty for any other pipeline.

        Example:
            >>> import tokensmith
            >>> llama2 = tokensmith.load("llama2").backend
            >>> len(llama2.byte_fallback_ids()), llama2.token_table()[min(llama2.byte_fallback_ids())]
            (256, b'\\x00')
            >>> tokensmith.load("bert-base-uncased").backend.byte_fallback_ids()
            frozenset()
        """
        return self._byte_fallback_ids

    @functools.cached_property
    def _byte_fallback_ids(self) -> frozenset[int]:
        if self.spelling != "metaspace" or not self.config.get("model", {}).get("byte_fallback"):
            return frozenset()
        return frozenset(i for t, i in self.tok.get_vocab().items() if byte_fallback_value(t) is not None)

    # ---- encoding -----------------------------------------------------------------------------------------------
    def _set_special_parsing(self, parse_special: bool) -> None:
        # `encode_special_tokens=True` makes special strings in the text encode as ordinary text.
        if hasattr(self.tok, "encode_special_tokens") and self.tok.encode_special_tokens == parse_special:
            self.tok.encode_special_tokens = not parse_special

    @guarded(doing="encoding with", fix=_FIX)
    def encode(self, text: str, *, add_special_tokens: bool, parse_special: bool = False) -> list[int]:
        """Ids of one text.

        A text longer than `chunking.LONG` characters is encoded in pieces cut just before a space that follows a
        letter or digit, where the pipeline provably cuts anyway (same ids, memory of one piece group); a pipeline
        where that cannot be shown (a regex `Split`, `Strip`, a precompiled charsmap...) encodes it whole.

        Args:
            text: the text.
            add_special_tokens: let the post-processor add its tokens (BERT's [CLS] ... [SEP]).
            parse_special: read special tokens' literal text as those tokens; as plain text when False.

        Example:
            >>> import tokensmith
            >>> bert = tokensmith.load("bert-base-uncased").backend
            >>> bert.encode("Hello world", add_special_tokens=False), bert.encode("Hi", add_special_tokens=True)
            ([7592, 2088], [101, 7632, 102])
            >>> bert.encode("[CLS] hi", add_special_tokens=False, parse_special=True)
            [101, 7632]
        """
        self._set_special_parsing(parse_special)
        if len(text) > chunking.LONG and self._cut_safe:
            return self._encode_long(text, add_special_tokens=add_special_tokens)
        return self.tok.encode(text, add_special_tokens=add_special_tokens).ids

    @guarded(doing="encoding with", fix=_FIX)
    def encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool, parse_special: bool = False
    ) -> list[list[int]]:
        """Ids of many texts, in one threaded batch call (the same ids as `encode` on each).

        Args:
            texts: the texts (one longer than `chunking.LONG` characters is encoded in pieces, as by `encode`).
            add_special_tokens: let the post-processor add its tokens.
            parse_special: read special tokens' literal text as those tokens.

        Example:
            >>> import tokensmith
            >>> bert = tokensmith.load("bert-base-uncased").backend
            >>> bert.encode_batch(["Hello world", "hi"], add_special_tokens=False)
            [[7592, 2088], [7632]]
        """
        self._set_special_parsing(parse_special)
        return chunking.batch_with_long(
            texts, batch=lambda ts: self._batch_ids(self.tok, ts, add_special_tokens=add_special_tokens),
            single=lambda t: self.encode(t, add_special_tokens=add_special_tokens, parse_special=parse_special),
        )

    @staticmethod
    def _batch_ids(tok: HFTokenizer, texts: list[str], *, add_special_tokens: bool) -> list[list[int]]:
        fast = getattr(tok, "encode_batch_fast", None)  # skips offset tracking; same ids
        return [e.ids for e in (fast or tok.encode_batch)(texts, add_special_tokens=add_special_tokens)]

    # ---- long texts, in pieces (backends/chunking.py says why the cuts are safe) ----------------------------------
    @functools.cached_property
    def _cut_safe(self) -> bool:
        kind = chunking.hf_cut_kind(self.config, self.normalizers, self.pre_tokenizers, safe_patterns=CUT_SAFE_PATTERNS)
        if kind == "vocab":
            added = frozenset(t["id"] for t in self.config.get("added_tokens", []))
            return chunking.vocab_cuts_safely(self.token_table(), skip=added | self.byte_fallback_ids())
        return kind is not None

    @guarded(doing="encoding with", fix=_FIX)
    def encode_parts(self, text: str, *, add_special_tokens: bool) -> Iterator[list[int]]:
        """Ids of one text (special tokens' literal text read as plain text), a part at a time: concatenated, they
        are `encode(text)`. A text longer than `chunking.LONG` characters comes one group of pieces per part, so a
        caller that stores each part compactly never holds the whole id list (`tokensmith encode --file`).

        Args:
            text: the text.
            add_special_tokens: let the post-processor add its tokens (in the first and last parts).

        Example:
            >>> import tokensmith
            >>> list(tokensmith.load("bert-base-uncased").backend.encode_parts("Hello world", add_special_tokens=True))
            [[101, 7592, 2088, 102]]
        """
        self._set_special_parsing(False)
        if len(text) > chunking.LONG and self._cut_safe:
            yield from self._long_parts(text, add_special_tokens=add_special_tokens)
        else:
            yield self.encode(text, add_special_tokens=add_special_tokens)

    def _encode_long(self, text: str, *, add_special_tokens: bool) -> list[int]:
        return chunking.concat(self._long_parts(text, add_special_tokens=add_special_tokens))

    def _long_parts(self, text: str, *, add_special_tokens: bool) -> Iterator[list[int]]:
        """Ids of a long text from its pieces: the first through the full pipeline, the rest without a text-level
        'Prepend' (it belongs to the start of the text only); the post-processor's tokens go around the whole."""
        frame = self._special_frame if add_special_tokens else ((), ())
        if frame is None:
            yield self.tok.encode(text, add_special_tokens=add_special_tokens).ids
            return
        pieces = chunking.iter_pieces(text, avoid=[t["content"] for t in self.config.get("added_tokens", [])])
        rest = self._continuation
        if rest is not self.tok and hasattr(rest, "encode_special_tokens"):
            rest.encode_special_tokens = self.tok.encode_special_tokens
        yield [*frame[0], *self.tok.encode(next(pieces), add_special_tokens=False).ids]
        yield from chunking.iter_encoded(pieces, batch=lambda ts: self._batch_ids(rest, ts, add_special_tokens=False))
        yield list(frame[1])

    @functools.cached_property
    def _special_frame(self) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        """The ids the post-processor puts before and after a text's own ids, or None when it does more than that."""
        bare = self.tok.encode("a", add_special_tokens=False).ids
        full = self.tok.encode("a", add_special_tokens=True).ids
        for k in range(len(full) - len(bare) + 1):
            if bare and full[k : k + len(bare)] == bare:
                return tuple(full[:k]), tuple(full[k + len(bare) :])
        return None

    @functools.cached_property
    def _continuation(self) -> HFTokenizer:
        """The tokenizer for every piece but the first: the same pipeline without 'Prepend' normalizers."""
        kept = [n for n in self.normalizers if n.get("type") != "Prepend"]
        if len(kept) == len(self.normalizers):
            return self.tok
        config = dict(self.config, normalizer={"type": "Sequence", "normalizers": kept} if kept else None)
        return HFTokenizer.from_str(json.dumps(config))

    @guarded(doing="decoding with", fix=_FIX)
    def decode(self, ids: Sequence[int]) -> str:
        """The library's decoding of ids (special tokens kept), e.g. WordPiece joins its '##' pieces.

        Args:
            ids: token ids.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("bert-base-uncased").backend.decode([101, 7592, 2088, 102])
            '[CLS] hello world [SEP]'
        """
        check_ids(ids, self.vocab_size)
        return self.tok.decode(list(ids), skip_special_tokens=False)

    @guarded(doing="encoding with", fix=_FIX)
    def encode_batch_char_offsets(self, texts: Sequence[str], *, add_special_tokens: bool = False) -> CharOffsets:
        """Ids and the library's *character* offsets of many texts, in one threaded batch call.

        Args:
            texts: the texts (special tokens' literal text is read as plain text).
            add_special_tokens: let the post-processor add its tokens (they get the span (0, 0)).

        Example:
            >>> import tokensmith
            >>> tokensmith.load("bert-base-uncased").backend.encode_batch_char_offsets(["Héllo world"])
            ([[7592, 2088]], [[(0, 5), (6, 11)]])
        """
        self._set_special_parsing(False)
        encs = self.tok.encode_batch(list(texts), add_special_tokens=add_special_tokens)
        return [e.ids for e in encs], [e.offsets for e in encs]

    @guarded(doing="encoding with", fix=_FIX)
    def byte_offsets(self, text: str, *, add_special_tokens: bool = False) -> list[tuple[int, int]]:
        """Byte offsets from the library's character offsets (used when token bytes are not lossless).

        Args:
            text: the text (special tokens' literal text is read as plain text).
            add_special_tokens: let the post-processor add its tokens.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("bert-base-uncased").backend.byte_offsets("Héllo world")  # 'é' is 2 bytes
            [(0, 6), (7, 12)]
        """
        self._set_special_parsing(False)
        enc = self.tok.encode(text, add_special_tokens=add_special_tokens)
        starts = [0]
        for ch in text:
            starts.append(starts[-1] + len(ch.encode("utf-8")))
        return [(starts[s], starts[e]) for s, e in enc.offsets]

    # ---- bytes --------------------------------------------------------------------------------------------------
    def token_table(self) -> list[bytes]:
        """Exact bytes of every id (index = id), built once: see `Backend.token_table`.

        Example:
            >>> import tokensmith
            >>> table = tokensmith.load("bert-base-uncased").backend.token_table()
            >>> len(table), table[101], table[7592], table[2015]  # WordPiece's '##' is not a byte of the text
            (30522, b'[CLS]', b'hello', b's')
        """
        if self._table is None:
            self._table = self._build_table()
        return self._table

    def _build_table(self) -> list[bytes]:
        table = [b""] * self.vocab_size
        added = {t["id"] for t in self.config.get("added_tokens", [])}
        prefix = self.config.get("model", {}).get("continuing_subword_prefix") or "##"
        byte_fallback = bool(self.config.get("model", {}).get("byte_fallback"))
        for token, idx in self.tok.get_vocab(with_added_tokens=True).items():
            table[idx] = self._spell(token, idx in added, prefix, byte_fallback)
        return table

    def _spell(self, token: str, is_added: bool, prefix: str, byte_fallback: bool) -> bytes:
        if is_added:
            return token.encode("utf-8")
        if self.spelling == "byte_level":
            raw = byte_level_decode(token)
            return raw if raw is not None else token.encode("utf-8")
        if self.spelling == "metaspace":
            value = byte_fallback_value(token) if byte_fallback else None
            if value is not None:
                return bytes([value])
            return token.replace(SPM_SPACE, " ").encode("utf-8")
        if self.spelling == "wordpiece" and token.startswith(prefix):
            return token[len(prefix) :].encode("utf-8")
        return token.encode("utf-8")

    # ---- raw bytes (canonical encoding for covers) ----
    @property
    def byte_level(self) -> bool:
        """True for the GPT-2 byte alphabet ('Ġ'): see `Backend.byte_level`."""
        return self.spelling == "byte_level"

    @property
    def exact_bytes(self) -> bool:
        """Every ordinary token has exact bytes: see `Backend.exact_bytes`."""
        if self.lossless:
            return True
        space_only = all(n.get("type") in _SPACE_ONLY_NORMALIZERS for n in self.normalizers)
        return self.spelling in ("byte_level", "metaspace") and space_only

    @property
    def dummy_prefix_always(self) -> bool:
        """Only a 'Prepend' normalizer adds the dummy space before a space too: see `Backend.dummy_prefix_always`."""
        return self.dummy_prefix and any(n.get("type") == "Prepend" for n in self.normalizers)

    @guarded(doing="encoding with", fix=_FIX)
    def encode_raw_bytes(self, data: bytes) -> list[int] | None:
        """The canonical ids of raw, possibly ragged bytes, or None when no token sequence spells them.

        Args:
            data: the bytes of a text as `encode` would take it (the dummy space, if any, is added here).

        Example:
            >>> from tokenizers import Tokenizer as HF, models, pre_tokenizers
            >>> hf = HF(models.BPE(vocab={"a": 0, "Ġ": 1, "©": 2, "ĠĠ": 3, "Ġa": 4}, merges=[("Ġ", "Ġ"), ("Ġ", "a")]))
            >>> hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
            >>> HFBackend(hf).encode_raw_bytes(b"\\xa9a  a")  # the lookahead split keeps the two spaces apart
            [2, 0, 1, 4]
        """
        stream = b" " + data if self.dummy_prefix and (self.dummy_prefix_always or data[:1] != b" ") else data
        head, rest = valid_head(data)
        if not rest:
            return spells(self.encode(head, add_special_tokens=False), self.token_table(), stream)
        if self.spelling == "byte_level":
            pieces = raw_pieces(stream, self._pretokens)
            ids = [t.id for p in pieces for t in self.tok.model.tokenize(byte_level_encode(p))]
            return spells(ids, self.token_table(), stream)
        return byte_fallback_raw(
            stream, encode=lambda t: self.encode(t, add_special_tokens=False), adds_dummy=self.dummy_prefix_always,
            space_id=self.tok.token_to_id(SPM_SPACE), table=self.token_table(),
            byte_ids={self.token_table()[i][0]: i for i in self.byte_fallback_ids()},
        )

    def _pretokens(self, text: str) -> list[str]:
        """The pretokenizer's pieces of `text`, as substrings (ByteLevel's own prefix space is not one)."""
        pre = self.tok.pre_tokenizer
        if pre is None:
            return [text]
        return [text[s:e] for _, (s, e) in pre.pre_tokenize_str(text)]
