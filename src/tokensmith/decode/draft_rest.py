"""REST: draft trees retrieved from a static datastore by the longest suffix of the context.

He et al., 2023, "REST: Retrieval-Based Speculative Decoding" (arXiv 2311.08252), section 3:
- 3.1 the datastore is a corpus of token ids with a suffix array; the longest suffix of the context (from
  `max_suffix` = 16 tokens down) that occurs in it is found by binary search, and the tokens that follow its
  occurrences are the retrieved continuations;
- 3.2 the continuations form a trie; each trie node counts the continuations through it, and the draft tree is the
  `budget` nodes of highest count (a node never counts more than its parent, so ties go to the shorter path first
  and the selection is always a tree; equal counts and lengths by token order).

Here the suffix array sorts suffixes by their first `SORT_LEN` tokens only (prefix doubling in numpy), which is all
a match of `max_suffix` tokens needs. A datastore is built from a UTF-8 text file tokenized with the model's
tokenizer and cached under `cache_dir("rest")`, keyed by the tokenizer's fingerprint and the file's sha256, as two
.npy files and a JSON (never pickled), written atomically. Not handled: several datastores at once, updating the
datastore with generated text (REST's is static), and more than `max_matches` occurrences (an even subsample).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tokensmith import atomic
from tokensmith.cache import cache_dir
from tokensmith.decode.trees import DraftTree
from tokensmith.errors import CorpusError, GenerationError

SORT_LEN = 32  # suffixes are sorted by this many leading tokens (>= max_suffix)
FORMAT = 1  # bump when the cached layout changes


def suffix_array(tokens: np.ndarray, *, sort_len: int = SORT_LEN) -> np.ndarray:
    """Start positions sorted by the first `sort_len` tokens of their suffix (prefix doubling; past the end = -1).

    Args:
        tokens: int [N], ids >= 0.
        sort_len: leading tokens the order must respect; suffixes equal that far keep no particular order.

    Example:
        >>> suffix_array(np.array([2, 1, 2, 1, 3])).tolist()  # 1 2 1 3 < 1 3 < 2 1 2 1 3 < 2 1 3 < 3
        [1, 3, 0, 2, 4]
    """
    n = len(tokens)
    rank = tokens.astype(np.int64)
    order = np.argsort(rank, kind="stable")
    h = 1
    while h < sort_len and n > 1:
        second = np.full(n, -1, dtype=np.int64)
        second[: n - h] = rank[h:]  # rank of the h tokens after the first h
        order = np.lexsort((second, rank))  # by (first h tokens, next h tokens): now sorted by 2h tokens
        r1, r2 = rank[order], second[order]
        new_group = np.concatenate([[True], (r1[1:] != r1[:-1]) | (r2[1:] != r2[:-1])])
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.cumsum(new_group) - 1
        if new_group.all():
            break  # every suffix is distinct already
        h *= 2
    return order


def suffix_array_reference(tokens: list[int], *, sort_len: int = SORT_LEN) -> list[tuple[int, ...]]:
    """Slow twin of `suffix_array` for tests: the sorted keys (first `sort_len` tokens of every suffix).

    Args:
        tokens: the ids.
        sort_len: leading tokens compared.

    Example:
        >>> suffix_array_reference([2, 1, 2], sort_len=2)
        [(1, 2), (2,), (2, 1)]
    """
    return sorted(tuple(tokens[i : i + sort_len]) for i in range(len(tokens)))


@dataclass(frozen=True)
class Datastore:
    """A token corpus with its suffix array.

    Attributes:
        tokens: int32 [N] ids.
        order: int64 [N] start positions sorted by their first SORT_LEN tokens (`suffix_array`).

    Example:
        >>> store = Datastore.from_ids(np.array([5, 6, 7, 5, 6, 8]))
        >>> store.longest_match(np.array([1, 5, 6]), max_suffix=4)  # "5 6" occurs at 0 and 3: continue at 2 and 5
        (2, [2, 5])
    """

    tokens: np.ndarray
    order: np.ndarray

    @classmethod
    def from_ids(cls, ids: np.ndarray) -> Datastore:
        """Index a token sequence.

        Args:
            ids: int [N] token ids (>= 0).

        Example:
            >>> len(Datastore.from_ids(np.array([1, 2, 3])).order)
            3
        """
        tokens = np.asarray(ids, dtype=np.int32)
        return cls(tokens, suffix_array(tokens))

    def _range(self, query: tuple[int, ...]) -> tuple[int, int]:
        """[lo, hi) of the sorted suffixes that start with `query` (two binary searches, tuple comparisons)."""
        m, n = len(query), len(self.order)

        def key(i: int) -> tuple[int, ...]:
            start = int(self.order[i])
            return tuple(self.tokens[start : start + m].tolist())

        lo, hi = 0, n
        while lo < hi:  # first suffix whose m-token key is >= query
            mid = (lo + hi) // 2
            lo, hi = (mid + 1, hi) if key(mid) < query else (lo, mid)
        first, hi = lo, n
        while lo < hi:  # first suffix whose key is > query (a shorter key at the end sorts lower, never equal)
            mid = (lo + hi) // 2
            lo, hi = (mid + 1, hi) if key(mid) <= query else (lo, mid)
        return first, lo

    def longest_match(self, context: np.ndarray, *, max_suffix: int = 16) -> tuple[int, list[int]]:
        """(m, positions): the longest suffix of `context` (m <= max_suffix tokens) found in the datastore and the
        positions right after its occurrences, in suffix order; (0, []) when not even the last token occurs.

        Args:
            context: int [T] ids.
            max_suffix: the longest suffix tried (<= SORT_LEN).

        Example:
            >>> Datastore.from_ids(np.array([1, 2, 3, 1, 2, 4])).longest_match(np.array([9, 1, 2]))
            (2, [2, 5])
        """
        assert max_suffix <= SORT_LEN, "the suffix array is sorted by SORT_LEN tokens only"
        for m in range(min(max_suffix, len(context)), 0, -1):
            lo, hi = self._range(tuple(int(t) for t in context[len(context) - m :]))
            if hi > lo:
                return m, (self.order[lo:hi] + m).tolist()
        return 0, []

    def continuations(self, positions: list[int], *, depth: int, max_matches: int) -> list[tuple[int, ...]]:
        """The (up to) `depth` tokens from each position; an even subsample when there are more than `max_matches`.

        Args:
            positions: where continuations start (from `longest_match`).
            depth: tokens per continuation at most (cut at the end of the datastore).
            max_matches: continuations at most.

        Example:
            >>> Datastore.from_ids(np.array([1, 2, 3, 4])).continuations([1, 3], depth=2, max_matches=8)
            [(2, 3), (4,)]
        """
        if len(positions) > max_matches:
            positions = [positions[i] for i in np.linspace(0, len(positions) - 1, max_matches).astype(int)]
        return [tuple(self.tokens[p : p + depth].tolist()) for p in positions if p < len(self.tokens)]


def trie_tree(root: int, continuations: list[tuple[int, ...]], *, budget: int) -> DraftTree:
    """The `budget` most frequent trie nodes of the continuations as a draft tree under `root`.

    Nodes are ordered by (-count, length, tokens): a node never counts more than its parent, so a parent comes
    before its children and any prefix of the order is a tree.

    Args:
        root: the last committed token.
        continuations: token tuples retrieved after the matched suffix.
        budget: draft nodes at most.

    Example:
        >>> t = trie_tree(0, [(5, 6), (5, 7), (5, 6), (8,)], budget=3)
        >>> t.tokens.tolist(), t.parents.tolist()  # 5 (count 3), 5-6 (2), then 8 before 5-7 (1 each, shorter)
        ([0, 5, 6, 8], [-1, 0, 1, 0])
    """
    counts: Counter[tuple[int, ...]] = Counter()
    for cont in continuations:
        for d in range(1, len(cont) + 1):
            counts[cont[:d]] += 1
    chosen = sorted(counts, key=lambda path: (-counts[path], len(path), path))[:budget]
    index: dict[tuple[int, ...], int] = {(): 0}
    tokens, parents = [root], [-1]
    for path in chosen:
        index[path] = len(tokens)
        tokens.append(path[-1])
        parents.append(index[path[:-1]])  # the parent was chosen earlier (see the ordering above)
    return DraftTree.from_lists(tokens, parents)


class RestDrafter:
    """The REST drafter (a `Drafter`): a frequency trie of the datastore's continuations of the context's suffix.

    Args:
        store: the datastore.
        max_suffix: the longest context suffix matched (16 in the paper).
        depth: tokens per retrieved continuation.
        max_matches: continuations used at most per step.

    Example:
        >>> rest = RestDrafter(Datastore.from_ids(np.array([1, 2, 3, 9, 1, 2, 4, 1, 2, 3])))
        >>> t = rest.propose(np.array([7, 1, 2]), budget=3)  # after "1 2": 3 (twice), then 4; 3 is followed by 9
        >>> t.tokens.tolist(), t.parents.tolist()
        ([2, 3, 4, 9], [-1, 0, 0, 1])
    """

    def __init__(self, store: Datastore, *, max_suffix: int = 16, depth: int = 8, max_matches: int = 512) -> None:
        if not 1 <= max_suffix <= SORT_LEN or depth < 1 or max_matches < 1:
            raise GenerationError(
                f"REST needs 1 <= max_suffix <= {SORT_LEN}, depth >= 1 and max_matches >= 1 (got {max_suffix}, "
                f"{depth}, {max_matches}); the defaults are 16, 8 and 512."
            )
        self.store, self.max_suffix, self.depth, self.max_matches = store, max_suffix, depth, max_matches

    def begin(self, ids: np.ndarray) -> None:
        """The datastore is static: nothing to reset.

        Args:
            ids: the prompt's ids.

        Example:
            >>> RestDrafter(Datastore.from_ids(np.array([1]))).begin(np.array([1]))
        """

    def propose(self, ids: np.ndarray, budget: int) -> DraftTree:
        """The trie of the continuations of the longest matching suffix (the root alone when nothing matches).

        Args:
            ids: the context; its last token is the root.
            budget: draft nodes at most.

        Example:
            >>> RestDrafter(Datastore.from_ids(np.array([1, 2]))).propose(np.array([5]), budget=4).num_draft
            0
        """
        _, positions = self.store.longest_match(ids, max_suffix=self.max_suffix)
        found = self.store.continuations(positions, depth=self.depth, max_matches=self.max_matches)
        return trie_tree(int(ids[-1]), found, budget=budget)

    def observe(self, tree: DraftTree, logits: Any, accepted: np.ndarray) -> None:
        """The datastore is static: nothing to learn.

        Args:
            tree: the verified tree.
            logits: the model's logits (unused).
            accepted: the accepted nodes (unused).

        Example:
            >>> RestDrafter(Datastore.from_ids(np.array([1]))).observe(DraftTree.chain(1, []), None, np.array([0]))
        """


def _chunks(text: str) -> list[str]:
    """The text cut after each blank line; the pieces joined give the text back."""
    pieces, start = [], 0
    while (cut := text.find("\n\n", start)) >= 0:
        pieces.append(text[start : cut + 2])
        start = cut + 2
    return [*pieces, text[start:]] if start < len(text) else pieces


def datastore_from_file(path: str | Path, tokenizer: Any) -> Datastore:
    r"""The datastore of a UTF-8 text file tokenized with `tokenizer`, from the cache when built before.

    The cache entry `cache_dir("rest")/<key>/` (tokens.npy, order.npy, meta.json) is keyed by the tokenizer's
    fingerprint and the file's sha256. The text is tokenized in pieces cut after blank lines.

    Args:
        path: the corpus (text).
        tokenizer: a `tokensmith.Tokenizer` (the model's).

    Example:
        >>> import tempfile
        >>> import tokensmith
        >>> path = Path(tempfile.mkdtemp()) / "corpus.txt"
        >>> _ = path.write_text("hello world\n\nhello there\n", encoding="utf-8")
        >>> store = datastore_from_file(path, tokensmith.load("gpt2"))
        >>> tokensmith.load("gpt2").decode(store.tokens.tolist())
        'hello world\n\nhello there\n'
    """
    path = Path(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CorpusError(f"cannot read datastore {path} ({e}); give a UTF-8 text file with --datastore.") from e
    key = hashlib.sha256(f"{FORMAT}:{tokenizer.fingerprint}:{hashlib.sha256(data).hexdigest()}".encode()).hexdigest()
    entry = cache_dir("rest") / key[:32]
    if (entry / "meta.json").is_file():
        tokens = np.load(entry / "tokens.npy", allow_pickle=False)
        order = np.load(entry / "order.npy", allow_pickle=False)
        if len(tokens) == len(order) == json.loads((entry / "meta.json").read_text())["tokens"]:
            return Datastore(tokens, order)
    pieces = _chunks(text)
    ids = [i for row in tokenizer.encode_batch(pieces) for i in row] if pieces else []
    if not ids:
        raise CorpusError(f"datastore {path} holds no text; give a corpus of the prompts' domain with --datastore.")
    store = Datastore.from_ids(np.asarray(ids, dtype=np.int64))
    with atomic.atomic_dir(entry) as staging:
        np.save(staging / "tokens.npy", store.tokens, allow_pickle=False)
        np.save(staging / "order.npy", store.order, allow_pickle=False)
        meta = {"source": str(path), "tokens": len(ids), "tokenizer": tokenizer.fingerprint, "sort_len": SORT_LEN}
        (staging / "meta.json").write_text(json.dumps(meta) + "\n", encoding="utf-8")
    return store
