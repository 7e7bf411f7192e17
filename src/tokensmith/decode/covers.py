"""Canonical encodings of raw bytes, and which token sequences a tokenizer can ever produce (cover validity).

Phan et al. 2024, *Exact Byte-Level Probabilities from Tokenized Language Models for FIM-Tasks and Model
Ensembles*, Sec. 3: a cover encoding of a byte prefix x is a token sequence whose decoding starts with x and whose
last token reaches (or passes) the end of x. Sec. 3.2 ("invalid encodings"): a sequence the tokenizer never outputs
gets probability 0. This file decides that validity; `bytelevel.py` sums probabilities over covers.

The rule, the same for every backend: a token sequence c is *canonical* iff `encode_bytes(decode(c)) == c`, where
`encode_bytes` is the tokenizer's own encoder extended to raw bytes:
- valid UTF-8 goes through the tokenizer's own `encode` (its normalizer, pretokenizer regex, BPE/Unigram model);
- ragged bytes (a character cut at either end, or invalid UTF-8) go through the backend's `encode_raw_bytes`
  (`backends/rawbytes.py`). HF byte-level BPE (GPT-2 `Ġ` alphabet) and tiktoken: the valid runs are split by the
  pretokenizer and an invalid run is BPE-merged together with the pretokens beside it (on a ragged tail that is
  tiktoken's own `_encode_bytes` rule; a ragged head joins the first pretoken after it);
- SentencePiece / Metaspace with byte fallback: from an invalid byte to the next space, `<0xNN>` byte pieces;
- dummy prefix (SentencePiece `add_dummy_prefix`): the byte stream the model sees starts with the one space it adds,
  so the windows we encode start with that space and we hand `encode` the text without it. HF Metaspace and
  ByteLevel(add_prefix_space) add the space only when the text does not start with one: a text that starts with a
  space is then its own byte stream (the tokenizer cannot tell ' a' from 'a').

Windows. Covers only differ near the end of the prefix. A position p is a *hard boundary* when the byte pair
(x[p-1], x[p]) occurs inside no ordinary token: no token, so no BPE merge, can cross it, and for the regex
pretokenizers we support a pretoken starts there. So `encode_bytes(x) == encode_bytes(x[:p]) + encode_bytes(x[p:])`
and every cover's last token starts at or after the last hard boundary. Dummy-prefix models only use boundaries
at a space. A position right after two whitespace characters is never hard: the lookahead split `\\s+(?!\\S)` hands
the run's last character to the pretoken at p, so the run's own tokens depend on what follows ('a  b' is 'a', ' ',
' b' but 'a  ' is 'a', '  '). Without a hard boundary the window is the whole prefix (slower, still exact).

Masks. `next_mask` decides which next tokens keep a window canonical: tokens after a hard boundary by their own
canonicity, all-letter tokens of byte-level BPE (GPT-2 / r50k, cl100k, Llama-3 patterns) from the precomputed pair
tables of `canon_tables.py` (Vieira et al. 2025, bigram canonicity), and the rest with the encoder (`tables=False`
sends every candidate to the encoder: the reference the tests compare against).

Not handled: tokenizers whose tokens have no exact bytes (WordPiece, lossy normalizers) are refused.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tokensmith.decode import canon_tables
from tokensmith.errors import ModelError

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer

_MASK_CACHE = 4096  # windows whose validity masks we keep (each is one bool per token)


def _ends_on_char(data: bytes) -> bool:
    """True when `data` does not end inside a UTF-8 character."""
    for k in range(1, min(4, len(data)) + 1):
        b = data[-k]
        if b < 0x80:
            return k == 1
        if b >= 0xC0:
            return k == (2 if b < 0xE0 else 3 if b < 0xF0 else 4)
    return False


def _after_space_run(data: bytes, p: int) -> bool:
    """True when the two characters before position p are whitespace.

    The lookahead split `\\s+(?!\\S)` (GPT-2, tiktoken, Llama-3 patterns) hands the last character of such a run to
    the pretoken after it: 'a  b' is 'a', ' ', ' b' but 'a  ' is 'a', '  ', so the run's tokens depend on what
    follows even where no token spans p. p is then not a hard boundary.
    """
    tail = data[max(0, p - 8) : p].decode("utf-8", errors="replace")
    return len(tail) >= 2 and tail[-1].isspace() and tail[-2].isspace()


class Canonicalizer:
    """Byte-level canonical encoding and vectorized cover lookups for one tokenizer.

    Args:
        tokenizer: a lossless `Tokenizer` (byte-level BPE, tiktoken, or SentencePiece-style with byte fallback).

    Example:
        A byte-level BPE trained on one line: 'the c' ends inside the token ' cat', so its canonical encoding
        spells the space and the 'c' apart.

        >>> import tokensmith
        >>> canon = Canonicalizer(tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0))
        >>> [canon.table[i] for i in canon.encode_bytes(b"the c")], canon.vocab_size
        ([b'the', b' ', b'c'], 269)
    """

    def __init__(self, tokenizer: Tokenizer, *, tables: bool = True) -> None:
        backend = tokenizer.backend
        if not backend.exact_bytes:
            raise ModelError(
                f"tokenizer {tokenizer.name} has tokens without exact bytes (lossy normalizer, WordPiece or no byte "
                "fallback), so byte-level probabilities are undefined. Use a byte-level BPE, tiktoken, or a "
                "SentencePiece model with byte fallback."
            )
        self.tok = tokenizer
        self.table: list[bytes] = list(tokenizer.token_table)
        self.vocab_size = len(self.table)
        self.dummy = bool(tokenizer.dummy_prefix)
        self.backend = backend
        self.dummy_always = backend.dummy_prefix_always
        self._fallback = self._byte_fallback_map()
        spaces = [i for i, b in enumerate(self.table) if b == b" " and i not in tokenizer.special_ids]
        self._space_id = spaces[0] if spaces else self._fallback.get(0x20, -1)
        self._masks: OrderedDict[tuple[bytes, bool, bool], np.ndarray] = OrderedDict()
        self._build_arrays(tokenizer.special_ids)
        pairs = canon_tables.build_pair_table(tokenizer, ordinary=self.ordinary) if tables and not self.dummy else None
        self.joins = canon_tables.JoinMasks(tokenizer, pairs) if pairs is not None else None
        if self.joins is not None:
            self.joins.self_canonical = self.ordinary & self.self_canonical

    # ---- tables ---------------------------------------------------------------------------------------------------
    def _build_arrays(self, special_ids: frozenset[int]) -> None:
        v = self.vocab_size
        self.lengths = np.array([len(b) for b in self.table], dtype=np.int64)  # (V,)
        self.ordinary = self.lengths > 0  # (V,) tokens a text can be made of
        excluded = set(special_ids) | ({self.tok.unk_id} if self.tok.unk_id is not None else set())
        if excluded:
            self.ordinary[np.fromiter(excluded, dtype=np.int64)] = False
        width = int(self.lengths[self.ordinary].max())
        self.padded = np.zeros((v, width), dtype=np.uint8)  # (V, Lmax) token bytes, zero-padded
        for i, b in enumerate(self.table):
            if self.ordinary[i]:
                self.padded[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
        self.first = self.padded[:, 0].astype(np.int64)
        ids = [i for i in range(v) if self.ordinary[i]]
        ids.sort(key=lambda i: self.table[i])
        self.sorted_ids = np.array(ids, dtype=np.int64)  # ordinary ids in byte order: a prefix is a contiguous range
        self.sorted_bytes = [self.table[i] for i in ids]
        inside = np.zeros((256, 256), dtype=bool)  # (a, b): pair a,b occurs inside some ordinary token
        for i in ids:
            arr = self.padded[i, : self.lengths[i]]
            inside[arr[:-1], arr[1:]] = True
        self.pair_inside = inside
        self.self_canonical = canon_tables.cached_flags(self.tok, "self-canonical", lambda: self._self_canonical(ids))
        # Tokens taken as valid when `tol` skips their check: canonical alone, or (dummy prefix) word-internal.
        self.fallback_valid = self.self_canonical | (self.dummy & (self.first != 0x20))

    def _self_canonical(self, ids: list[int]) -> np.ndarray:
        """(V,) bool: the token alone is the canonical encoding of its own bytes."""
        out = np.zeros(self.vocab_size, dtype=bool)
        encs = self.encode_many([self.table[i] for i in ids])
        for i, enc in zip(ids, encs, strict=True):
            out[i] = enc == (i,)
        return out

    def _byte_fallback_map(self) -> dict[int, int]:
        found: dict[int, int] = {}
        for i in self.tok.byte_fallback_ids:
            found[self.table[i][0]] = i
        return found

    def token_range(self, prefix: bytes) -> np.ndarray:
        """Ids of ordinary tokens whose bytes start with `prefix` (a contiguous slice of the sorted table).

        Args:
            prefix: the bytes every returned token starts with (b"": all ordinary tokens).

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> canon = Canonicalizer(tok)
            >>> [canon.table[i] for i in canon.token_range(b"t")], [canon.table[i] for i in canon.token_range(b" ca")]
            ([b't', b'the'], [b' cat'])
        """
        lo = bisect.bisect_left(self.sorted_bytes, prefix)
        hi = bisect.bisect_left(self.sorted_bytes, prefix + b"\xff" * (self.padded.shape[1] + 1), lo)
        return self.sorted_ids[lo:hi]

    # ---- canonical encoding -------------------------------------------------------------------------------------
    def internal(self, prefix: bytes) -> bytes:
        """The byte stream the model sees for a text prefix: the dummy space in front when the tokenizer adds it.

        Args:
            prefix: raw bytes of the text's start.

        Example:
            A SentencePiece BPE adds the space in front of every text, even one that starts with a space.

            >>> import tokensmith
            >>> sp = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=280, engine="sentencepiece")
            >>> Canonicalizer(sp).internal(b"the"), Canonicalizer(sp).internal(b" the")
            (b' the', b'  the')
        """
        if self.dummy and (self.dummy_always or not prefix.startswith(b" ")):
            return b" " + prefix
        return prefix

    def _text_for(self, data: bytes) -> str | None:
        """The text `encode` must see for window bytes `data`, or None when it would not reproduce them."""
        text = data.decode("utf-8")
        if self.dummy:
            if not text.startswith(" "):
                return None
            return text[1:] if self.dummy_always else text
        return text

    def encode_bytes(self, data: bytes) -> tuple[int, ...]:
        """The canonical token ids of raw bytes (see the module docstring for ragged UTF-8 tails).

        Args:
            data: window bytes; for dummy-prefix tokenizers they start with the dummy space.

        Example:
            A text cut inside 'é' (bytes C3 A9) ends in the byte token of C3.

            >>> import tokensmith
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> canon = Canonicalizer(tok)
            >>> [canon.table[i] for i in canon.encode_bytes(b"the cat")]
            [b'the', b' cat']
            >>> [canon.table[i] for i in canon.encode_bytes(b"the c\\xc3")]
            [b'the', b' ', b'c', b'\\xc3']
        """
        return self.encode_many([data])[0]

    def encode_many(self, items: Sequence[bytes]) -> list[tuple[int, ...]]:
        """`encode_bytes` for many windows, through the backend's batch encoder for the valid-UTF-8 ones.

        Args:
            items: window bytes, each as `encode_bytes` takes them.

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> canon = Canonicalizer(tok)
            >>> [[canon.table[i] for i in ids] for ids in canon.encode_many([b"the", b" mat", b""])]
            [[b'the'], [b' mat'], []]
        """
        out: list[tuple[int, ...] | None] = [None] * len(items)
        texts, where = [], []
        for k, data in enumerate(items):
            try:
                text = self._text_for(data)
            except UnicodeDecodeError:
                out[k] = self._encode_ragged(data)
                continue
            if text is None or (self.dummy and text == ""):
                out[k] = self._encode_ragged(data)
                continue
            texts.append(text)
            where.append(k)
        for k, ids in zip(where, self.tok.encode_batch(texts) if texts else [], strict=True):
            out[k] = tuple(ids)
        return [o if o is not None else () for o in out]

    def _encode_ragged(self, data: bytes) -> tuple[int, ...]:
        """Bytes `encode` cannot take as text: empty, a lone dummy space, or ragged UTF-8 (`encode_raw_bytes`)."""
        if not data:
            return ()
        if self.dummy and not data.startswith(b" "):
            return (-1,)  # a dummy-prefix window always starts with a space; nothing canonical spells this
        if self.dummy and data == b" ":
            return (self._space_id,)
        text = data[1:] if self.dummy and self.dummy_always else data
        ids = self.backend.encode_raw_bytes(text)
        return (-1,) if ids is None else tuple(ids)

    # ---- windows and validity -----------------------------------------------------------------------------------
    def window_start(self, data: bytes) -> int:
        """The last hard boundary p (0 < p < len(data)), or 0: every cover's last token starts at or after it.

        Args:
            data: window bytes.

        Example:
            No token holds 'e' followed by ' ', so position 3 of 'the cat' is hard; ' cat' holds ' c', so 4 is not.

            >>> import tokensmith
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> canon = Canonicalizer(tok)
            >>> canon.window_start(b"the cat"), canon.window_start(b"the mat sat"), canon.window_start(b"t")
            (3, 7, 0)
        """
        for p in range(len(data) - 1, 0, -1):
            if self.is_hard(data, p):
                return p
        return 0

    def is_hard(self, data: bytes, p: int) -> bool:
        """True when position p (0 < p < len(data)) of `data` is a hard boundary (see the module docstring).

        Args:
            data: window bytes.
            p: a position inside `data`.

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> canon = Canonicalizer(tok)
            >>> [p for p in range(1, 7) if canon.is_hard(b"the cat", p)]
            [3]
        """
        b = data[p]
        if 0x80 <= b < 0xC0 or (self.dummy and b != 0x20) or _after_space_run(data, p):
            return False
        return not self.pair_inside[data[p - 1], b]

    def decode(self, ids: Sequence[int]) -> bytes:
        """The bytes of token ids, end to end (no dummy space is removed).

        Args:
            ids: token ids.

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> canon = Canonicalizer(tok)
            >>> canon.decode(canon.encode_bytes(b"the c\\xc3"))
            b'the c\\xc3'
        """
        return b"".join(self.table[i] for i in ids)

    def next_mask(
        self, ctx: tuple[int, ...], *, logp: np.ndarray | None = None, tol: float = 0.0, shortcut: bool = True,
        tables: bool = True,
    ) -> np.ndarray:
        """(V,) bool: which tokens t keep `ctx + (t,)` canonical, for `ctx` a canonical window.

        Args:
            ctx: token ids of a window that starts at a hard boundary.
            logp: (V,) next-token log-probs; with `tol > 0` only the tokens holding the top `1 - tol` of the mass are
                checked with the encoder, the rest are taken as valid when they are canonical on their own (the
                error in any probability is then at most `tol`).
            tol: 0.0 checks every token (exact).
            shortcut: decide tokens whose first byte makes a hard boundary with the window without the encoder
                (no merge can cross it, so only the token's own canonicity matters); False checks them too.
            tables: decide the all-letter tokens that join the window's last pretoken from the pair tables
                (`canon_tables.py`, exact) instead of the encoder; False runs the encoder on them (the reference).

        Example:
            After ' c', the token 'at' is not allowed: ' c' + 'at' is spelled ' cat', one token.

            >>> import tokensmith
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> canon = Canonicalizer(tok)
            >>> mask = canon.next_mask(canon.encode_bytes(b" c"))
            >>> [canon.table[i] for i in np.flatnonzero(canon.ordinary & ~mask)], int(mask.sum())
            ([b'at'], 267)
        """
        window = self.decode(ctx)
        if not ctx:  # the context is the trunk: only a token's own canonicity matters (see module docstring)
            return self.ordinary & self.self_canonical
        key = (window, shortcut, tables) if tol == 0.0 else None
        if key is not None and key in self._masks:
            self._masks.move_to_end(key)
            return self._masks[key]
        valid = self.ordinary & self.fallback_valid
        risky = self.ordinary.copy()
        # A byte-fallback split character, or a whitespace run the next token may re-split: the encoder decides.
        if shortcut and _ends_on_char(window) and not _after_space_run(window, len(window)):
            hard = ~self.pair_inside[window[-1], self.first] & ((self.first < 0x80) | (self.first >= 0xC0))
            if self.dummy:
                hard &= self.first == 0x20
            valid = np.where(hard, self.ordinary & self.self_canonical, valid)
            risky &= ~hard
        if tables and self.joins is not None:
            decided, by_table = self.joins.decide(window, ctx, risky, self.token_range, self.encode_bytes)
            valid = np.where(decided, by_table, valid)
            risky &= ~decided
        cand = np.flatnonzero(risky)
        if tol > 0.0 and logp is not None:
            order = cand[np.argsort(-logp[cand])]
            mass = np.cumsum(np.exp(logp[order]))
            cand = order[: int(np.searchsorted(mass, mass[-1] - tol)) + 1] if len(order) else order
        encs = self.encode_many([window + self.table[i] for i in cand])
        for i, enc in zip(cand.tolist(), encs, strict=True):
            valid[i] = len(enc) == len(ctx) + 1 and enc[-1] == i and enc[:-1] == ctx
        if key is not None:
            self._masks[key] = valid
            if len(self._masks) > _MASK_CACHE:
                self._masks.popitem(last=False)
        return valid
