"""Backend over `tiktoken` (.tiktoken rank files: gpt2/r50k, cl100k_base, o200k_base, Llama-3).

A rank file holds only the merges: the split pattern and special tokens come from `KNOWN` (copied from the public
tiktoken and llama-models definitions) or from the caller. Token bytes are tiktoken's own, exact by construction.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import tiktoken

from tokensmith.backends import chunking
from tokensmith.backends.base import BackendKind, CharOffsets, NativeFormat
from tokensmith.backends.guard import library_call, reraise
from tokensmith.backends.rawbytes import compiled_pattern, raw_pieces, valid_head
from tokensmith.backends.tiktoken_ranks import check_encoding, parse_tiktoken_ranks, tiktoken_rank_file
from tokensmith.errors import TokenizerFileError, close_matches

R50K = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
CL100K = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|"""
    r"""\s+(?!\S)|\s"""
)
O200K = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
LLAMA3 = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|"
    r"\s+(?!\S)|\s+"
)


def _llama3_specials() -> dict[str, int]:
    names = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
             "<|finetune_right_pad_id|>", "<|step_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>",
             "<|eot_id|>", "<|python_tag|>", "<|image|>"]  # fmt: skip
    names += [f"<|reserved_special_token_{2 + i}|>" for i in range(256 - len(names))]
    return {t: 128000 + i for i, t in enumerate(names)}


# name → (pattern, special tokens, sha256 of the rank file)
KNOWN: dict[str, tuple[str, dict[str, int], str]] = {
    "gpt2": (R50K, {"<|endoftext|>": 50256}, "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"),
    "cl100k_base": (
        CL100K,
        {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259, "<|fim_suffix|>": 100260,
         "<|endofprompt|>": 100276},  # fmt: skip
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        O200K,
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "llama3": (LLAMA3, _llama3_specials(), "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55"),
}
KNOWN["r50k_base"] = KNOWN["gpt2"]
# Split regexes that never match a letter or digit followed by a space (see backends/chunking.py): long texts
# encoded with them are cut into pieces there.
CUT_SAFE_PATTERNS = frozenset({R50K, CL100K, O200K, LLAMA3})


def infer_encoding(path: Path) -> str | None:
    """Name of the known encoding a rank file belongs to, by content hash, else by file stem.

    Args:
        path: a .tiktoken rank file.

    Example:
        >>> import pathlib, tempfile, tokensmith
        >>> infer_encoding(pathlib.Path(tokensmith.load("gpt2").source))  # by hash, whatever the file's name
        'gpt2'
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = (pathlib.Path(folder) / "cl100k_base.tiktoken").write_bytes(b"YQ== 0\\n")
        ...     _ = (pathlib.Path(folder) / "mine.tiktoken").write_bytes(b"YQ== 0\\n")
        ...     [infer_encoding(pathlib.Path(folder) / n) for n in ("cl100k_base.tiktoken", "mine.tiktoken")]
        ['cl100k_base', None]
    """
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for name, (_, _, sha) in KNOWN.items():
        if sha == digest:
            return name
    stem = path.name.removesuffix(".tiktoken")
    return stem if stem in KNOWN else None


class TiktokenBackend:
    r"""A `tiktoken.Encoding` seen as ids ↔ exact bytes.

    Args:
        enc: the encoding (its split pattern, ranks and special tokens are read once).
        where: the file it was read from, named in errors (the encoding's name by default).

    Example:
        >>> import tiktoken
        >>> ranks = {bytes([b]): b for b in range(256)}
        >>> backend = TiktokenBackend(tiktoken.Encoding(name="bytes", pat_str=r"\S+|\s+", mergeable_ranks=ranks,
        ...                                             special_tokens={}))
        >>> backend.encode("hi", add_special_tokens=False)
        [104, 105]
    """

    kind: BackendKind = "tiktoken"
    native_format: NativeFormat = "tiktoken"
    dummy_prefix = False
    lossless = True

    def __init__(self, enc: tiktoken.Encoding, *, where: str | None = None) -> None:
        self.enc = enc
        self.where = where or enc.name  # the file, for errors raised while encoding
        self._table: list[bytes] | None = None

    @classmethod
    def from_file(
        cls, path: str | Path, *, pattern: str | None = None, special_tokens: dict[str, int] | None = None
    ) -> TiktokenBackend:
        """Load a .tiktoken rank file. `pattern` is a known encoding name or a regex; inferred when omitted.

        Args:
            path: the .tiktoken rank file.
            pattern: a known encoding name ('cl100k_base': its regex and special tokens) or a split regex; when
                omitted, the encoding is inferred from the file's hash or name (`infer_encoding`).
            special_tokens: special token text → id, instead of the known encoding's.

        Raises:
            TokenizerFileError: the pattern cannot be inferred, the file is not a valid rank file (see
                `parse_tiktoken_ranks` and `check_encoding`), or tiktoken refuses it.

        Example:
            >>> import pathlib, tempfile
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     path = pathlib.Path(folder) / "bytes.tiktoken"
            ...     _ = path.write_bytes(tiktoken_rank_file({bytes([b]): b for b in range(256)}))
            ...     backend = TiktokenBackend.from_file(path, pattern=r"\\S+|\\s+", special_tokens={"<|end|>": 256})
            >>> backend.encode("hi <|end|>", add_special_tokens=False, parse_special=True), backend.vocab_size
            ([104, 105, 32, 256], 257)
        """
        path = Path(path)
        known = pattern if pattern in KNOWN else None
        if pattern is None:
            known = infer_encoding(path)
            if known is None:
                raise TokenizerFileError(
                    f"cannot tell which split pattern '{path}' uses: its hash matches no known encoding. Pass it "
                    f"explicitly, e.g. load('{path}', pattern='cl100k_base') or a regex ({close_matches('', KNOWN)})."
                )
        pat, specials = (KNOWN[known][0], KNOWN[known][1]) if known else (str(pattern), {})
        try:
            data = path.read_bytes()
        except OSError as e:
            raise TokenizerFileError(f"cannot read '{path}' ({e.strerror}). Check the path and its permissions.") from e
        ranks = parse_tiktoken_ranks(data, where=str(path))
        specials = dict(special_tokens if special_tokens is not None else specials)
        check_encoding(ranks, specials, where=str(path))
        with library_call(str(path), doing="loading", fix="Check the split pattern (a regex tiktoken accepts)."):
            enc = tiktoken.Encoding(name=known or path.stem, pat_str=pat, mergeable_ranks=ranks, special_tokens=specials)
        return cls(enc, where=str(path))

    @property
    def pattern(self) -> str:
        """The split regex (a .tiktoken file does not store it)."""
        return str(self.enc._pat_str)

    @property
    def mergeable_ranks(self) -> dict[bytes, int]:
        """A copy of token bytes → rank, special tokens excluded."""
        return dict(self.enc._mergeable_ranks)

    @functools.cached_property
    def vocab_size(self) -> int:
        return int(self.enc.n_vocab)

    @functools.cached_property
    def special_tokens(self) -> dict[str, int]:
        return dict(self.enc._special_tokens)

    def native_bytes(self) -> bytes:
        """The .tiktoken rank file of this encoding (no pattern, no special tokens: a rank file holds neither).

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").backend.native_bytes().splitlines()[:2]  # base64(b'!') is rank 0
            [b'IQ== 0', b'Ig== 1']
        """
        return self._native

    @functools.cached_property
    def _native(self) -> bytes:
        return tiktoken_rank_file(self.enc._mergeable_ranks)

    def encode(self, text: str, *, add_special_tokens: bool, parse_special: bool = False) -> list[int]:
        """Ids of one text (`encode_ordinary`, or `encode(allowed_special="all")` when parsing specials).

        A text longer than `chunking.LONG` characters is encoded in pieces cut just before a space that follows a
        letter or digit, where the known split patterns cut anyway (same ids, memory of one piece group); a custom
        pattern is never cut.

        Args:
            text: the text.
            add_special_tokens: nothing to add (tiktoken has no BOS/EOS rule); kept for the protocol.
            parse_special: read special tokens' literal text as those tokens; as plain text when False.

        Example:
            >>> import tokensmith
            >>> gpt2 = tokensmith.load("gpt2").backend
            >>> gpt2.encode("Hello world", add_special_tokens=True)
            [15496, 995]
            >>> gpt2.encode("<|endoftext|>", add_special_tokens=False, parse_special=True)
            [50256]
            >>> gpt2.encode("<|endoftext|>", add_special_tokens=False)
            [27, 91, 437, 1659, 5239, 91, 29]
        """
        # tiktoken adds no BOS/EOS; `add_special_tokens` has nothing to add.
        if len(text) > chunking.LONG and self.pattern in CUT_SAFE_PATTERNS:  # cut where the regex cuts anyway
            return chunking.concat(self._long_parts(text, parse_special))
        if parse_special:
            return self._guarded(self.enc.encode, text, allowed_special="all")
        return self._guarded(self.enc.encode_ordinary, text)

    def encode_parts(self, text: str, *, add_special_tokens: bool) -> Iterator[list[int]]:
        """Ids of one text (special tokens' literal text read as plain text), a part at a time: concatenated, they
        are `encode(text)`; a long text comes one group of pieces per part (see `HFBackend.encode_parts`).

        Args:
            text: the text.
            add_special_tokens: nothing to add; kept for the protocol.

        Example:
            >>> import tokensmith
            >>> list(tokensmith.load("gpt2").backend.encode_parts("Hello world", add_special_tokens=False))
            [[15496, 995]]
        """
        if len(text) > chunking.LONG and self.pattern in CUT_SAFE_PATTERNS:
            yield from self._long_parts(text, False)
        else:
            yield self.encode(text, add_special_tokens=False)

    def _long_parts(self, text: str, parse_special: bool) -> Iterator[list[int]]:
        pieces = chunking.iter_pieces(text, avoid=list(self.special_tokens) if parse_special else [])
        return chunking.iter_encoded(pieces, batch=lambda ts: self._batch(ts, parse_special))

    def encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool, parse_special: bool = False
    ) -> list[list[int]]:
        """Ids of many texts, through tiktoken's thread pool (the same ids as `encode` on each).

        Args:
            texts: the texts (one longer than `chunking.LONG` characters is encoded in pieces, as by `encode`).
            add_special_tokens: nothing to add; kept for the protocol.
            parse_special: read special tokens' literal text as those tokens.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").backend.encode_batch(["Hello world", "hi"], add_special_tokens=False)
            [[15496, 995], [5303]]
        """
        return chunking.batch_with_long(
            texts, batch=lambda ts: self._batch(ts, parse_special),
            single=lambda t: self.encode(t, add_special_tokens=False, parse_special=parse_special),
        )

    def _batch(self, texts: list[str], parse_special: bool) -> list[list[int]]:
        if parse_special:
            return self._guarded(self.enc.encode_batch, texts, allowed_special="all")
        return self._guarded(self.enc.encode_ordinary_batch, texts)

    def _guarded(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`call(*args, **kwargs)`, with a library failure (a Rust panic too) raised as a `TokenizerFileError`."""
        try:
            return call(*args, **kwargs)
        except BaseException as e:  # a Rust panic is a BaseException
            reraise(e, self.where, doing="encoding with", fix=_FIX)

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ids (bytes that are not valid UTF-8 become U+FFFD, tiktoken's 'replace').

        Args:
            ids: token ids.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").backend.decode([15496, 995, 50256])
            'Hello world<|endoftext|>'
        """
        return self.enc.decode(list(ids))

    def token_table(self) -> list[bytes]:
        """Exact bytes of every id (index = id; a rank is an id), built once; special tokens are their UTF-8 text.

        Example:
            >>> import tokensmith
            >>> table = tokensmith.load("gpt2").backend.token_table()
            >>> len(table), table[15496], table[995], table[50256]
            (50257, b'Hello', b' world', b'<|endoftext|>')
        """
        if self._table is None:
            table = [b""] * self.vocab_size
            for token, rank in self.enc._mergeable_ranks.items():
                table[rank] = token
            for token, idx in self.enc._special_tokens.items():
                table[idx] = token.encode("utf-8")
            self._table = table
        return self._table

    unk_id = None

    def byte_fallback_ids(self) -> frozenset[int]:
        """Always empty: see `Backend.byte_fallback_ids`.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").backend.byte_fallback_ids()
            frozenset()
        """
        return frozenset()  # every byte is an ordinary rank-0..255 token, not a fallback

    def byte_offsets(self, text: str, *, add_special_tokens: bool = False) -> list[tuple[int, int]] | None:
        """Always None: tiktoken is lossless, so `Tokenizer` derives offsets from token bytes.

        Args:
            text: the text (unused).
            add_special_tokens: unused.

        Example:
            >>> import tokensmith
            >>> tokensmith.load("gpt2").backend.byte_offsets("Hello") is None
            True
        """
        return None  # lossless: Tokenizer derives offsets from token bytes

    def encode_batch_char_offsets(
        self, texts: Sequence[str], *, add_special_tokens: bool = False
    ) -> CharOffsets | None:
        """Always None, as `byte_offsets` is: the offsets come from token bytes.

        Args:
            texts: unused.
            add_special_tokens: unused.

        Example:
            >>> import tokensmith
            >>> print(tokensmith.load("gpt2").backend.encode_batch_char_offsets(["Hello", "world"]))
            None
        """
        return None  # lossless: Tokenizer derives offsets from token bytes

    # ---- raw bytes (canonical encoding for covers) ----
    byte_level = True  # see `Backend.byte_level`: ranks are byte strings
    exact_bytes = True
    dummy_prefix_always = False

    def encode_raw_bytes(self, data: bytes) -> list[int] | None:
        """The canonical ids of raw, possibly ragged bytes (never None: every byte is a rank-0..255 token).

        On a ragged tail this is tiktoken's `_encode_bytes`; text after invalid bytes is still split by the
        pattern (see `backends/rawbytes.py`).

        Args:
            data: raw bytes.

        Example:
            >>> import tiktoken
            >>> ranks = {bytes([b]): b for b in range(256)} | {b"  ": 256, b" a": 257}
            >>> enc = tiktoken.Encoding(name="toy", pat_str=R50K, mergeable_ranks=ranks, special_tokens={})
            >>> TiktokenBackend(enc).encode_raw_bytes(b"\\xa9a  a")  # not [169, 97, 256, 97]
            [169, 97, 32, 257]
        """
        head, rest = valid_head(data)
        if not rest:
            return list(self.enc.encode_ordinary(head))
        pattern = compiled_pattern(self.enc._pat_str)
        return [i for p in raw_pieces(data, pattern.findall) for i in self.enc._encode_single_piece(p)]
