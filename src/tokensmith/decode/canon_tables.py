"""Precomputed canonicity structure for byte-level BPE: which token pairs a canonical encoding can hold.

Vieira et al. 2025, *Language Models over Canonical Byte-Pair Encodings*, Sec. 4 (bigram canonicity): for BPE
without a pretokenizer, a token string is canonical iff each adjacent pair is, where a pair (a, b) is canonical iff
BPE(bytes(a) + bytes(b)) == [a, b]. This file builds, once per tokenizer, the merge structure that answers "which b
are non-canonical after a" without running the encoder, and `covers.Canonicalizer.next_mask` uses it.

Pairs from the merge list (no V x V table). Run BPE on each token's own bytes and record its *right spine* (the
symbols that sit at its right end over time, with the rank that created each and the rank that consumed it) and its
*left spine*. In BPE(A + B) the two sides evolve on their own until a merge (x, y) with x at A's right end and y
at B's left end fires; tokens are never split again, so (a, b) is non-canonical iff some merge (x, y) has x on
a's right spine alive at its rank r (created < r < consumed: a merge of x with its left neighbour at the same rank
is leftmost and wins) and y on b's left spine alive at r (created < r <= consumed: now the crossing merge is the
leftmost), and b is canonical alone. Ranks are the merge list's order (HF) or the merged token's rank (tiktoken),
which grow along a BPE run; ties go to the leftmost pair, as in both libraries.

The pretokenizer. The bigram rule is about one pretoken, so `covers.py` uses it only for candidates t made of
letters only (`\\p{L}+`), after windows W of valid UTF-8 with no apostrophe in their last three characters, for the
GPT-2 / r50k, cl100k and Llama-3 patterns. For these patterns the split of W + t is the split of W + 'a' with the
final pretoken X + 'a' read as X + t: every alternative tests a letter by its class only (contractions, the one
exception, need an apostrophe just before t), the greedy letter runs take all of t, and the pretokens before X only
look one character past their end (`\\s+(?!\\S)`, `\\s++$`), a letter either way. So encode(W + t) = E + BPE(X + t)
with E the tokens of those pretokens (one encoder call on W + 'a' per window), and ctx + (t,) is canonical iff
ctx = E + U with (X empty) U empty and t canonical alone, or (X not empty) U = BPE(X) and (U[-1], t) a canonical
pair. With a whole-piece lookup (tiktoken, HF `ignore_merges`) X + t is emitted as one token when it is one, so
those t are not allowed. Every other candidate (digits, punctuation, whitespace, ragged UTF-8, o200k's case-split
letters, SentencePiece-style vocabularies) keeps the encoder check; tests/decode_bytes/test_tables.py compares
both on every zoo tokenizer here.

The tables are cached under `cache_dir("canon")`, keyed by the tokenizer's fingerprint, as one `.npz` of plain
arrays (no pickle).
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer

TABLES_VERSION = 1
_NEVER = np.iinfo(np.int64).max  # consumed rank of a token's own final symbol
_LETTERS = r"\p{L}+"
Merges = dict[tuple[int, int], tuple[int, int]]  # (left id, right id) -> (rank, merged id)


def _hf_merges(config: dict, table: list[bytes]) -> tuple[Merges, bool] | None:
    """Merges of an HF byte-level BPE (GPT-2 regex, no normalizer), or None for any other pipeline."""
    model = config.get("model") or {}
    pre = config.get("pre_tokenizer") or {}
    plain = pre.get("type") == "ByteLevel" and pre.get("use_regex", True) and not pre.get("add_prefix_space")
    if model.get("type") != "BPE" or not plain or config.get("normalizer") or model.get("byte_fallback"):
        return None
    if model.get("continuing_subword_prefix") or model.get("end_of_word_suffix") or model.get("dropout"):
        return None
    vocab: dict[str, int] = model["vocab"]
    merges: Merges = {}
    for rank, m in enumerate(model["merges"]):
        left, right = m.split(" ", 1) if isinstance(m, str) else m
        ids = vocab.get(left), vocab.get(right), vocab.get(left + right)
        if None not in ids and (ids[0], ids[1]) not in merges:
            merges[(ids[0], ids[1])] = (rank, ids[2])  # type: ignore[assignment]
    return merges, bool(model.get("ignore_merges"))


def _rank_merges(ranks: dict[bytes, int], table: list[bytes]) -> Merges:
    """tiktoken's merges: x + y -> z whenever all three are tokens, at z's rank."""
    ids = {b: i for i, b in enumerate(table) if b in ranks}
    merges: Merges = {}
    for z, zid in ids.items():
        for k in range(1, len(z)):
            x, y = ids.get(z[:k]), ids.get(z[k:])
            if x is not None and y is not None:
                merges[(x, y)] = (ranks[z], zid)
    return merges


def bpe_merges(tokenizer: Tokenizer) -> tuple[Merges, bool] | None:
    """The merge function of a byte-level BPE tokenizer with a supported regex, and whether it looks up whole pieces.

    Args:
        tokenizer: any `Tokenizer`.

    Returns:
        ((left id, right id) -> (rank, merged id), whole-piece lookup) or None when the pair structure does not
        apply (SentencePiece-style, other pretokenizers, o200k's pattern).

    Example:
        >>> import tokensmith
        >>> merges, lookup = bpe_merges(tokensmith.load("gpt2"))
        >>> len(merges) > 50_000, lookup
        (True, True)
    """
    from tokensmith.backends.tiktoken import CL100K, LLAMA3, R50K
    from tokensmith.backends.tiktoken_ranks import parse_tiktoken_ranks

    # read through the interface: the native file (`native_bytes`) holds the ranks or the merge list
    table = list(tokenizer.token_table)
    if tokenizer.native_format == "tiktoken":
        if tokenizer.backend.pattern not in (R50K, CL100K, LLAMA3):
            return None
        ranks = parse_tiktoken_ranks(tokenizer.native_bytes(), where=tokenizer.name)
        return _rank_merges(ranks, table), True
    if tokenizer.native_format == "tokenizer.json" and tokenizer.backend.byte_level:
        return _hf_merges(json.loads(tokenizer.native_bytes()), table)
    return None


def _trace(symbols: list[int], merges: Merges) -> tuple[list[int], list[tuple[int, int]], list[tuple[int, int]]]:
    """BPE of base symbols: (result, left spine, right spine); a spine lists (symbol, rank that created it)."""
    syms = list(symbols)
    left, right = [(syms[0], -1)], [(syms[-1], -1)]
    while len(syms) > 1:
        best = None
        for i in range(len(syms) - 1):
            m = merges.get((syms[i], syms[i + 1]))
            if m is not None and (best is None or m[0] < best[0]):
                best = (m[0], i, m[1])
        if best is None:
            break
        rank, i, z = best
        last = i + 1 == len(syms) - 1
        syms[i : i + 2] = [z]
        if i == 0:
            left.append((z, rank))
        if last:
            right.append((z, rank))
    return syms, left, right


def _spine_rows(spine: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(symbol, created, consumed) per spine entry: each is consumed when the next one is created."""
    return [(s, c, spine[k + 1][1] if k + 1 < len(spine) else _NEVER) for k, (s, c) in enumerate(spine)]


@dataclass
class PairTable:
    """Non-canonical right neighbours of every token, from the merge structure (see the module docstring).

    Arrays (V = vocabulary size, E = spine entries, M = merges): `pure` (V,) bool, BPE of the token's bytes is the
    token; `r_off` (V + 1,) and `r_node/r_created/r_consumed` (E,), right spines per token; `l_off` (V + 1,) and
    `l_tok/l_created/l_consumed` (E,), left-spine entries grouped by their symbol; `m_off` (V + 1,) and
    `m_right/m_rank` (M,), merges grouped by their left id; `lookup`: whole pieces are looked up first.
    """

    arrays: dict[str, np.ndarray]
    lookup: bool
    build_s: float

    def noncanonical_after(self, a: int) -> np.ndarray:
        """Ids b with (a, b) non-canonical (b canonical alone), sorted; all pure tokens when `a` is not pure.

        Args:
            a: the left token.

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> table = build_pair_table(tok)
            >>> ids = {b: i for i, b in enumerate(tok.token_table)}
            >>> bool(ids[b"ing"] in table.noncanonical_after(ids[b" th"]))  # ' th' + 'ing' is ' thing'
            True
        """
        arr = self.arrays
        if not arr["pure"][a]:
            return np.flatnonzero(arr["pure"])
        found = []
        for k in range(int(arr["r_off"][a]), int(arr["r_off"][a + 1])):
            x, cx, kx = int(arr["r_node"][k]), int(arr["r_created"][k]), int(arr["r_consumed"][k])
            lo, hi = int(arr["m_off"][x]), int(arr["m_off"][x + 1])
            ranks = arr["m_rank"][lo:hi]  # (m,)
            sel = (ranks > cx) & (ranks < kx)
            for y, r in zip(arr["m_right"][lo:hi][sel].tolist(), ranks[sel].tolist(), strict=True):
                s, e = int(arr["l_off"][y]), int(arr["l_off"][y + 1])
                hit = (arr["l_created"][s:e] < r) & (arr["l_consumed"][s:e] >= r)
                found.append(arr["l_tok"][s:e][hit])
        out = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        return out[arr["pure"][out]]


def _grouped(keys: np.ndarray, cols: dict[str, np.ndarray], size: int, prefix: str) -> dict[str, np.ndarray]:
    """Sort columns by `keys` (stable) and add the (size + 1,) offsets of each key's slice."""
    order = np.argsort(keys, kind="stable")
    out = {name: col[order] for name, col in cols.items()}
    out[f"{prefix}_off"] = np.searchsorted(keys[order], np.arange(size + 1)).astype(np.int64)
    return out


def build_pair_table(tokenizer: Tokenizer, *, ordinary: np.ndarray | None = None) -> PairTable | None:
    """Build the pair structure of a supported byte-level BPE (None otherwise); cached on disk per fingerprint.

    Args:
        tokenizer: the tokenizer.
        ordinary: (V,) bool, the tokens a text can be made of (default: non-empty, non-special).

    Example:
        >>> import tokensmith
        >>> table = build_pair_table(tokensmith.load("gpt2"))
        >>> table.lookup, int(table.arrays["pure"].sum()) > 50_000
        (True, True)
    """
    cached = _load(tokenizer)
    if cached is not None:
        return cached
    found = bpe_merges(tokenizer)
    if found is None:
        return None
    t0 = time.process_time()
    merges, lookup = found
    table = list(tokenizer.token_table)
    v = len(table)
    if ordinary is None:
        ordinary = np.array([len(b) > 0 and i not in tokenizer.special_ids for i, b in enumerate(table)])
    base = {b[0]: i for i, b in enumerate(table) if len(b) == 1 and ordinary[i]}
    pure = np.zeros(v, dtype=bool)
    rights: list[tuple[int, int, int, int]] = []  # (token, symbol, created, consumed)
    lefts: list[tuple[int, int, int, int]] = []
    for t in np.flatnonzero(ordinary).tolist():
        if any(c not in base for c in table[t]):
            continue
        syms, left, right = _trace([base[c] for c in table[t]], merges)
        pure[t] = syms == [t]
        rights += [(t, *row) for row in _spine_rows(right)]
        lefts += [(t, *row) for row in _spine_rows(left)]
    arrays = {"pure": pure, **_table_arrays(rights, lefts, merges, v)}
    result = PairTable(arrays=arrays, lookup=lookup, build_s=time.process_time() - t0)
    _save(tokenizer, result)
    return result


def _table_arrays(rights: list, lefts: list, merges: Merges, v: int) -> dict[str, np.ndarray]:
    r = np.array(rights, dtype=np.int64).reshape(-1, 4)  # (E, 4) token, symbol, created, consumed
    lt = np.array(lefts, dtype=np.int64).reshape(-1, 4)
    m = np.array([(x, y, rank) for (x, y), (rank, _) in merges.items()], dtype=np.int64).reshape(-1, 3)
    m = m[np.lexsort((m[:, 2], m[:, 0]))]  # by left id, then rank
    out = _grouped(r[:, 0], {"r_node": r[:, 1], "r_created": r[:, 2], "r_consumed": r[:, 3]}, v, "r")
    out |= _grouped(lt[:, 1], {"l_tok": lt[:, 0], "l_created": lt[:, 2], "l_consumed": lt[:, 3]}, v, "l")
    out |= _grouped(m[:, 0], {"m_right": m[:, 1], "m_rank": m[:, 2]}, v, "m")
    return out


def _path(tokenizer: Tokenizer):  # noqa: ANN202 - a Path
    from tokensmith.cache import cache_dir

    return cache_dir("canon") / f"{tokenizer.fingerprint[:32]}-v{TABLES_VERSION}.npz"


def _load(tokenizer: Tokenizer) -> PairTable | None:
    path = _path(tokenizer)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(bytes(arrays.pop("meta")).decode())
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache file is rebuilt
    return PairTable(arrays=arrays, lookup=bool(meta["lookup"]), build_s=float(meta["build_s"]))


def _save(tokenizer: Tokenizer, table: PairTable) -> None:
    from tokensmith import atomic

    meta = json.dumps({"lookup": table.lookup, "build_s": table.build_s, "version": TABLES_VERSION}).encode()
    buf = io.BytesIO()
    np.savez(buf, meta=np.frombuffer(meta, dtype=np.uint8), **table.arrays)
    atomic.write_bytes(_path(tokenizer), buf.getvalue())


def letters_mask(table: list[bytes]) -> np.ndarray:
    """(V,) bool: the token's bytes are valid UTF-8 made only of letters (`\\p{L}+`).

    Args:
        table: bytes per id.

    Example:
        >>> letters_mask([b"ab", b" ab", "é".encode(), b"\\xc3", b"a1"]).tolist()
        [True, False, True, False, False]
    """
    from tokensmith.backends.rawbytes import compiled_pattern

    pat = compiled_pattern(_LETTERS)
    out = np.zeros(len(table), dtype=bool)
    for i, b in enumerate(table):
        try:
            out[i] = b != b"" and pat.fullmatch(b.decode("utf-8")) is not None
        except UnicodeDecodeError:
            pass
    return out


class JoinMasks:
    """Decides, from a `PairTable`, the candidates whose pretoken provably joins the window's last pretoken.

    Args:
        tokenizer: a tokenizer `bpe_merges` supports.
        pairs: its `PairTable`.

    Example:
        After the window 'the c' (tokens 'the', ' c'), 'at' would spell ' cat', one token: not allowed; 'q' is
        (gpt2 spells 'the cq' as 'the', ' c', 'q').

        >>> import tokensmith
        >>> from tokensmith.decode.covers import Canonicalizer
        >>> canon = Canonicalizer(tokensmith.load("gpt2"))
        >>> ids = {b: i for i, b in enumerate(canon.table)}
        >>> risky = np.zeros(canon.vocab_size, dtype=bool)
        >>> risky[[ids[b"at"], ids[b"q"]]] = True
        >>> ctx = canon.encode_bytes(b"the c")
        >>> decided, valid = canon.joins.decide(b"the c", ctx, risky, canon.token_range, canon.encode_bytes)
        >>> bool(decided[ids[b"at"]]), bool(valid[ids[b"at"]]), bool(valid[ids[b"q"]])
        (True, False, True)
    """

    def __init__(self, tokenizer: Tokenizer, pairs: PairTable) -> None:
        from tokensmith.backends.rawbytes import compiled_pattern
        from tokensmith.backends.tiktoken import R50K

        self.pairs = pairs
        self.table = list(tokenizer.token_table)
        self.ids = {b: i for i, b in enumerate(self.table) if b and i not in tokenizer.special_ids}
        self.letters = letters_mask(self.table)  # (V,)
        self.split = compiled_pattern(R50K if tokenizer.backend_kind == "hf" else str(tokenizer.backend.pattern))
        self.self_canonical: np.ndarray = np.zeros(len(self.table), dtype=bool)  # (V,) set by the Canonicalizer
        self._rows: dict[int, np.ndarray] = {}

    def _final_piece(self, window: bytes, encode: Callable[[bytes], tuple[int, ...]]) -> tuple[str, int] | None:
        """(X, k) where the pretoken holding any all-letter t after `window` is X + t, and the first k tokens of
        `encode(window + b'a')` spell the pretokens before it; None when the rule does not apply."""
        try:
            text = window.decode("utf-8")
        except UnicodeDecodeError:
            return None  # ragged UTF-8: `encode_raw_bytes` decides
        if "'" in text[-3:]:
            return None  # a contraction ('s, 're, 'll) may start here: it depends on which letters follow
        final = self.split.findall(text + "a")[-1]  # "a" stands for every all-letter token (same classes)
        head = len(window) - len(final.encode("utf-8")) + 1  # bytes of the pretokens before X
        k, spelled = 0, 0
        for t in encode(window + b"a"):
            if spelled >= head:
                break
            spelled, k = spelled + len(self.table[t]), k + 1
        return (final[:-1], k) if spelled == head and final.endswith("a") else None

    def decide(
        self, window: bytes, ctx: tuple[int, ...], risky: np.ndarray, starts_with: Callable[[bytes], np.ndarray],
        encode: Callable[[bytes], tuple[int, ...]],
    ) -> tuple[np.ndarray, np.ndarray]:
        """((V,) bool decided, (V,) bool valid where decided): the risky all-letter tokens (see module docstring).

        Args:
            window: the window's bytes (canonical tokens `ctx`, starting at a hard boundary).
            ctx: the window's canonical token ids (not empty).
            risky: (V,) bool, the candidates the caller has not decided.
            starts_with: bytes -> ids of the tokens starting with them (`Canonicalizer.token_range`).
            encode: bytes -> canonical ids (`Canonicalizer.encode_bytes`).

        Example:
            A window ending in a space: ' ' + 'the' is the token ' the', so 'the' may not follow the space token.

            >>> import tokensmith
            >>> from tokensmith.decode.covers import Canonicalizer
            >>> canon = Canonicalizer(tokensmith.load("gpt2"))
            >>> ids = {b: i for i, b in enumerate(canon.table)}
            >>> risky = np.zeros(canon.vocab_size, dtype=bool)
            >>> risky[ids[b"the"]] = True
            >>> ctx = canon.encode_bytes(b"a ")
            >>> decided, valid = canon.joins.decide(b"a ", ctx, risky, canon.token_range, canon.encode_bytes)
            >>> bool(decided[ids[b"the"]]), bool(valid[ids[b"the"]])
            (True, False)
        """
        none = np.zeros(len(risky), dtype=bool)
        found = self._final_piece(window, encode)
        if found is None:
            return none, none
        x, k = found
        decided = risky & self.letters  # (V,)
        prefix_ok = tuple(encode(window + b"a")[:k]) == ctx[:k]  # the pretokens before X keep their tokens
        tail = ctx[k:]
        if not x:  # t is a pretoken of its own
            return decided, decided & self.self_canonical & (prefix_ok and not tail)
        xb = x.encode("utf-8")
        if len(tail) >= 2:  # the tail must be BPE(X): the encoder on X alone says so when X is one pretoken
            if xb in self.ids or self.split.findall(x) != [x]:
                return none, none
            prefix_ok = prefix_ok and encode(xb) == tail
        valid = decided & self.pairs.arrays["pure"] & prefix_ok & bool(tail)
        if tail:
            valid[self._row(tail[-1])] = False
        if self.pairs.lookup:  # X + t is one token: a whole-piece lookup emits it
            longer = [self.ids.get(self.table[u][len(xb) :]) for u in starts_with(xb).tolist()]
            valid[[i for i in longer if i is not None]] = False
        return decided, valid

    def _row(self, a: int) -> np.ndarray:
        if a not in self._rows:
            if len(self._rows) > 4096:
                self._rows.clear()
            self._rows[a] = self.pairs.noncanonical_after(a)
        return self._rows[a]


def cached_flags(tokenizer: Tokenizer, name: str, build: Callable[[], np.ndarray]) -> np.ndarray:
    """A (V,) bool array computed once per tokenizer and cached as `.npy` beside the pair tables.

    Args:
        tokenizer: the tokenizer (its fingerprint keys the file).
        name: what the array is, e.g. 'self-canonical'.
        build: computes the array when no cached copy exists.

    Example:
        >>> import tokensmith
        >>> tok = tokensmith.load("gpt2")
        >>> flags = cached_flags(tok, "doc-example", lambda: np.ones(tok.vocab_size, dtype=bool))
        >>> flags.shape == (tok.vocab_size,), bool(flags.all())
        (True, True)
    """
    from tokensmith import atomic

    path = _path(tokenizer).with_name(f"{tokenizer.fingerprint[:32]}-{name}-v{TABLES_VERSION}.npy")
    if path.exists():
        try:
            arr = np.load(path, allow_pickle=False)
            if arr.shape == (tokenizer.vocab_size,):
                return arr.astype(bool)
        except (OSError, ValueError):
            pass
    arr = np.asarray(build(), dtype=bool)
    buf = io.BytesIO()
    np.save(buf, arr)
    atomic.write_bytes(path, buf.getvalue())
    return arr
