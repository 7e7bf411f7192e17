"""Backend over `sentencepiece` .model files (BPE and Unigram, e.g. Llama-2, Mistral).

Token bytes: '▁' is a space, byte pieces '<0xNN>' are single bytes, control pieces (<s>, </s>) are their literal
text, and the unknown piece has no bytes. With `add_dummy_prefix` the model sees ' ' + text, so the first token
usually carries one space that is not in the input; `Tokenizer` accounts for that in offsets.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import sentencepiece as spm

from tokensmith.backends import chunking
from tokensmith.backends.base import SPM_SPACE, BackendKind, CharOffsets, NativeFormat
from tokensmith.backends.guard import check_ids, guarded
from tokensmith.backends.rawbytes import byte_fallback_raw, spells, valid_head
from tokensmith.backends.spm_checks import check_model_proto
from tokensmith.errors import TokenizerFileError

_FIX = "Re-download the .model file, or pass the model's tokenizer.json instead."  # for `guard.guarded`


def load_model_proto(data: bytes):  # -> sentencepiece_model_pb2.ModelProto
    """Parse a serialized SentencePiece ModelProto (protobuf, never pickle).

    Args:
        data: the content of a .model file.

    Example:
        >>> import tokensmith
        >>> proto = load_model_proto(tokensmith.load("mistral-v1").native_bytes())
        >>> len(proto.pieces), proto.pieces[1].piece, proto.trainer_spec.byte_fallback
        (32000, '<s>', True)
    """
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.ParseFromString(data)
    return proto


class SentencePieceBackend:
    """A `SentencePieceProcessor` seen as ids ↔ exact bytes.

    SentencePiece itself never reads control pieces (`<s>`, `</s>`) in text. With `parse_special=True` this backend
    splits the text at their literal strings first and encodes each piece of text on its own (so each piece gets
    the dummy prefix, as a separate `encode` call would).

    Args:
        model_bytes: a serialized ModelProto (the content of a .model file); its invariants are checked
            (`backends/spm_checks.py`).
        where: the file it came from, named in errors.
    """

    kind: BackendKind = "sentencepiece"
    native_format: NativeFormat = "sentencepiece"
    pattern = None

    def __init__(self, model_bytes: bytes, *, where: str = "the SentencePiece model") -> None:
        self.model_bytes = model_bytes
        self.where = where  # named in errors raised while encoding
        self.sp = spm.SentencePieceProcessor()
        try:
            self.sp.LoadFromSerializedProto(model_bytes)
            self.proto = load_model_proto(model_bytes)
        except Exception as e:
            raise TokenizerFileError(
                f"could not parse '{where}' as a SentencePiece model ({e}). The file is corrupt or not a .model "
                "file; re-download it or pass the tokenizer.json instead."
            ) from e
        check_model_proto(self.proto, where=where)
        self._table: list[bytes] | None = None

    @classmethod
    def from_file(cls, path: str | Path) -> SentencePieceBackend:
        """Read a SentencePiece .model file.

        Args:
            path: the .model file.

        Raises:
            TokenizerFileError: the file cannot be read, is not a serialized ModelProto, or breaks an invariant
                of one (`check_model_proto`).

        Example:
            >>> import pathlib, tempfile, tokensmith
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     path = pathlib.Path(folder) / "mistral.model"
            ...     _ = path.write_bytes(tokensmith.load("mistral-v1").native_bytes())
            ...     SentencePieceBackend.from_file(path).encode("Hello world", add_special_tokens=False)
            [22557, 1526]
        """
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            raise TokenizerFileError(f"cannot read '{path}' ({e.strerror}). Check the path and its permissions.") from e
        return cls(data, where=str(path))

    @property
    def model_type(self) -> str:
        """'unigram', 'bpe', 'word' or 'char'."""
        from sentencepiece import sentencepiece_model_pb2 as pb

        return pb.TrainerSpec.ModelType.Name(self.proto.trainer_spec.model_type).lower()

    @functools.cached_property
    def vocab_size(self) -> int:
        return int(self.sp.get_piece_size())

    @functools.cached_property
    def special_tokens(self) -> dict[str, int]:
        return {self.sp.id_to_piece(i): i for i in range(self.vocab_size) if self.sp.is_control(i)}

    @property
    def bos_id(self) -> int | None:
        """Id of the BOS piece, or None when the model has none."""
        return int(self.sp.bos_id()) if self.sp.bos_id() >= 0 else None

    def native_bytes(self) -> bytes:
        """The serialized ModelProto.

        Example:
            >>> import tokensmith
            >>> mistral = tokensmith.load("mistral-v1").backend
            >>> SentencePieceBackend(mistral.native_bytes()).token_table() == mistral.token_table()
            True
        """
        return self.model_bytes

    @functools.cached_property
    def _special_split(self) -> re.Pattern[str] | None:
        names = sorted(self.special_tokens, key=len, reverse=True)
        return re.compile("(" + "|".join(map(re.escape, names)) + ")") if names else None

    @property
    def dummy_prefix(self) -> bool:
        return bool(self.proto.normalizer_spec.add_dummy_prefix)

    @functools.cached_property
    def lossless(self) -> bool:
        norm = self.proto.normalizer_spec
        identity = norm.name == "identity" or (not norm.precompiled_charsmap and norm.name != "nmt_nfkc")
        return bool(self.proto.trainer_spec.byte_fallback) and identity and not norm.remove_extra_whitespaces

    def _specials(self, add_special_tokens: bool) -> dict[str, bool]:
        return {"add_bos": add_special_tokens and self.sp.bos_id() >= 0, "add_eos": False}

    @guarded(doing="encoding with", fix=_FIX)
    def encode(self, text: str, *, add_special_tokens: bool, parse_special: bool = False) -> list[int]:
        """Ids of one text (the dummy space is added by SentencePiece itself).

        A text longer than `chunking.LONG` characters is encoded in pieces cut just before a space that follows a
        letter or digit, when the model provably cuts there anyway (`_cut_safe`): same ids, memory of one group.

        Args:
            text: the text.
            add_special_tokens: put BOS first (SentencePiece models never get EOS here).
            parse_special: read control pieces' literal text ('<s>') as those pieces; as plain text when False.

        Example:
            >>> import tokensmith
            >>> mistral = tokensmith.load("mistral-v1").backend
            >>> mistral.encode("Hello world", add_special_tokens=False), mistral.encode("Hi", add_special_tokens=True)
            ([22557, 1526], [1, 15359])
            >>> mistral.encode("<s>Hi", add_special_tokens=False, parse_special=True)
            [1, 15359]
        """
        if parse_special and self._special_split is not None:
            return self._encode_parsing_special(text, add_special_tokens=add_special_tokens)
        if len(text) > chunking.LONG and self._cut_safe:
            return self._bos(add_special_tokens) + self._encode_long(text)
        return list(self.sp.encode(text, out_type=int, **self._specials(add_special_tokens)))

    @guarded(doing="encoding with", fix=_FIX)
    def encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool, parse_special: bool = False
    ) -> list[list[int]]:
        """Ids of many texts, through sentencepiece's own thread pool (the same ids as `encode` on each).

        Args:
            texts: the texts (one longer than `chunking.LONG` characters is encoded in pieces, as by `encode`).
            add_special_tokens: put BOS first.
            parse_special: read control pieces' literal text as those pieces.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("mistral-v1").backend.encode_batch(["Hello world", "Hi"], add_special_tokens=False)
            [[22557, 1526], [15359]]
        """
        if parse_special and self._special_split is not None:
            return [self._encode_parsing_special(t, add_special_tokens=add_special_tokens) for t in texts]
        # A list input runs sentencepiece's own thread pool (C++); its output is already a list of lists of ints.
        specials = self._specials(add_special_tokens)
        return chunking.batch_with_long(
            texts, batch=lambda ts: self.sp.encode(ts, out_type=int, num_threads=-1, **specials),
            single=lambda t: self.encode(t, add_special_tokens=add_special_tokens),
        )

    def _bos(self, add_special_tokens: bool) -> list[int]:
        return [self.sp.bos_id()] if add_special_tokens and self.sp.bos_id() >= 0 else []

    def _encode_plain(self, text: str) -> list[int]:
        """Ids of text without control pieces or BOS, in pieces when long."""
        if len(text) > chunking.LONG and self._cut_safe:
            return self._encode_long(text)
        return list(self.sp.encode(text, out_type=int))

    def _encode_parsing_special(self, text: str, *, add_special_tokens: bool) -> list[int]:
        """Control pieces' literal text becomes their ids; the text between them is encoded piece by piece."""
        assert self._special_split is not None
        ids = self._bos(add_special_tokens)
        for k, part in enumerate(self._special_split.split(text)):
            if k % 2:
                ids.append(self.special_tokens[part])
            elif part:
                ids.extend(self._encode_plain(part))
        return ids

    # ---- long texts, in pieces (backends/chunking.py says why the cuts are safe) ----------------------------------
    @functools.cached_property
    def _cut_safe(self) -> bool:
        """Cuts before a space are safe for an identity normalizer, pieces that never hold '▁' after another
        character, and whitespace handling that a piece's own start reproduces."""
        norm, trainer = self.proto.normalizer_spec, self.proto.trainer_spec
        identity = norm.name == "identity" or (not norm.precompiled_charsmap and norm.name != "nmt_nfkc")
        if not identity or trainer.treat_whitespace_as_suffix:
            return False
        if norm.remove_extra_whitespaces and not norm.add_dummy_prefix:
            return False  # the run of spaces at a cut would vanish at the piece's start, with no '▁' for it
        kinds = self.proto.SentencePiece  # user-defined pieces are matched in the text: `_encode_long` avoids them
        never_segmented = {kinds.CONTROL, kinds.UNUSED, kinds.USER_DEFINED, kinds.BYTE, kinds.UNKNOWN}
        skip = frozenset(i for i, p in enumerate(self.proto.pieces) if p.type in never_segmented)
        return chunking.vocab_cuts_safely(self.token_table(), skip=skip)

    @guarded(doing="encoding with", fix=_FIX)
    def encode_parts(self, text: str, *, add_special_tokens: bool) -> Iterator[list[int]]:
        """Ids of one text (control pieces' literal text read as plain text), a part at a time: concatenated, they
        are `encode(text)`; a long text comes one group of pieces per part (see `HFBackend.encode_parts`).

        Args:
            text: the text.
            add_special_tokens: put BOS first.

        Example:
            >>> import tokensmith
            >>> list(tokensmith.load("mistral-v1").backend.encode_parts("Hello world", add_special_tokens=True))
            [[1, 22557, 1526]]
        """
        if len(text) > chunking.LONG and self._cut_safe:
            yield self._bos(add_special_tokens)
            yield from self._long_parts(text)
        else:
            yield self.encode(text, add_special_tokens=add_special_tokens)

    def _encode_long(self, text: str) -> list[int]:
        return chunking.concat(self._long_parts(text))

    def _long_parts(self, text: str) -> Iterator[list[int]]:
        """Ids of a long text from its pieces. Every piece after the first starts with the space of its cut; with
        the dummy prefix that space is dropped, since the dummy '▁' stands for it (remove_extra_whitespaces then
        collapses the rest of the run as it would have inside the text)."""
        user = [p.piece for p in self.proto.pieces if p.type == self.proto.SentencePiece.USER_DEFINED]
        pieces = chunking.iter_pieces(text, avoid=user)
        if self.dummy_prefix:
            pieces = itertools.chain([next(pieces)], (p[1:] for p in pieces))
        yield from chunking.iter_encoded(pieces, batch=lambda ts: self.sp.encode(ts, out_type=int, num_threads=-1))

    @guarded(doing="decoding with", fix=_FIX)
    def decode(self, ids: Sequence[int]) -> str:
        """SentencePiece's decoding of ids: the dummy space is stripped, control pieces give no text.

        Args:
            ids: token ids.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("mistral-v1").backend.decode([1, 22557, 1526])
            'Hello world'
        """
        check_ids(ids, self.vocab_size)
        return str(self.sp.decode(list(ids)))

    @guarded(doing="encoding with", fix=_FIX)
    def byte_offsets(self, text: str, *, add_special_tokens: bool = False) -> list[tuple[int, int]]:
        """Byte offsets into the UTF-8 input, as sentencepiece reports them.

        Args:
            text: the text.
            add_special_tokens: put BOS first (its span is empty).

        Example:
            >>> import tokensmith
            >>> mistral = tokensmith.load("mistral-v1").backend
            >>> [mistral.token_table()[i] for i in mistral.encode("Héllo world", add_special_tokens=False)]
            [b' H', b'\\xc3\\xa9', b'll', b'o', b' world']
            >>> mistral.byte_offsets("Héllo world")  # the first span has no byte for the dummy space
            [(0, 1), (1, 3), (3, 5), (5, 6), (6, 12)]
            >>> mistral.byte_offsets("Hi", add_special_tokens=True)  # BOS first, with an empty span
            [(0, 0), (0, 2)]
        """
        proto = self.sp.encode(text, return_type="proto")  # 0.2.x API; its proto output refuses add_bos
        return [(0, 0)] * len(self._bos(add_special_tokens)) + [(p.begin, p.end) for p in proto.pieces]

    def encode_batch_char_offsets(
        self, texts: Sequence[str], *, add_special_tokens: bool = False
    ) -> CharOffsets | None:
        """Always None: sentencepiece reports byte offsets per text (`byte_offsets`), not character offsets.

        Args:
            texts: the texts (unused).
            add_special_tokens: unused.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("mistral-v1").backend.encode_batch_char_offsets(["Hello"]) is None
            True
        """
        return None  # sentencepiece reports byte offsets per text (`byte_offsets`)

    def token_table(self) -> list[bytes]:
        """Exact bytes of every id (index = id), built once: '▁' is a space, '<0xNN>' one byte, `<unk>` empty.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("mistral-v1").backend.token_table()[:4]
            [b'', b'<s>', b'</s>', b'\\x00']
        """
        if self._table is None:
            table: list[bytes] = []
            for i in range(self.vocab_size):
                piece = self.sp.id_to_piece(i)
                if self.sp.is_byte(i):
                    table.append(bytes([int(piece[3:5], 16)]))
                elif self.sp.is_unknown(i):
                    table.append(b"")
                elif self.sp.is_control(i):
                    table.append(piece.encode("utf-8"))
                else:
                    table.append(piece.replace(SPM_SPACE, " ").encode("utf-8"))
            self._table = table
        return self._table

    @property
    def unk_id(self) -> int | None:
        return int(self.sp.unk_id()) if self.sp.unk_id() >= 0 else None

    def byte_fallback_ids(self) -> frozenset[int]:
        """Ids of the '<0xNN>' byte pieces (empty for a model trained without byte fallback).

        Example:
            >>> import tokensmith
            >>> ids = tokensmith.load("mistral-v1").backend.byte_fallback_ids()
            >>> len(ids), min(ids), max(ids)
            (256, 3, 258)
        """
        return self._byte_fallback_ids

    @functools.cached_property
    def _byte_fallback_ids(self) -> frozenset[int]:
        return frozenset(i for i in range(self.vocab_size) if self.sp.is_byte(i))

    # ---- raw bytes (canonical encoding for covers) ----
    byte_level = False  # see `Backend.byte_level`: pieces are text, bytes only through '<0xNN>' fallback

    @property
    def exact_bytes(self) -> bool:
        """See `Backend.exact_bytes`: a SentencePiece model's bytes are exact when it is lossless."""
        return self.lossless

    @property
    def dummy_prefix_always(self) -> bool:
        """SentencePiece adds the dummy space to every text, one that starts with a space too."""
        return self.dummy_prefix

    @guarded(doing="encoding with", fix=_FIX)
    def encode_raw_bytes(self, data: bytes) -> list[int] | None:
        """The canonical ids of raw, possibly ragged bytes, or None when no token sequence spells them.

        Valid UTF-8 goes through `encode`; from an invalid byte to the next space every byte is its '<0xNN>' piece
        (`backends/rawbytes.py`).

        Args:
            data: the bytes of a text as `encode` takes it (the dummy space is added here).

        Example:
            >>> import tokensmith
            >>> mistral = tokensmith.load("mistral-v1").backend
            >>> [mistral.token_table()[i] for i in mistral.encode_raw_bytes(b"a\\xc3")]  # a cut 'é': its byte piece
            [b' a', b'\\xc3']
        """
        head, rest = valid_head(data)
        stream = b" " + data if self.dummy_prefix else data
        if not rest:
            return spells(self.encode(head, add_special_tokens=False), self.token_table(), stream)
        space = self.sp.piece_to_id(SPM_SPACE)
        return byte_fallback_raw(
            stream, encode=lambda t: self.encode(t, add_special_tokens=False), adds_dummy=self.dummy_prefix,
            space_id=space if space != self.sp.unk_id() else None, table=self.token_table(),
            byte_ids={self.token_table()[i][0]: i for i in self.byte_fallback_ids()},
        )
