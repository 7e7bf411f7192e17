"""The fast LiB learner: the same algorithm as `lib_reference`, with its hot loops compiled by numba.

Paper: Yang, Cai & Frank (2019), "Less is Better", Section 2; see `lib_reference` for the algorithm in plain Python.
This module must give the *same* ranked lexicon as `ReferenceLib` for the same `EpochPlan`s (tests check this).

Data layout (all numpy, grown by `FastLib._reserve` whenever the next sentence might not fit):
- the corpus is one int64 array of character codes (shape: (total chars,)) with sentence starts (n + 1,);
- a chunk is an id, a column of `lex` (shape: (5, capacity)) whose rows are `pos` (where its text occurs in the
  corpus), `length`, `node` (its trie node), `life` (probation epochs left; 0 = not on probation) and `rank` (its
  index in `order`, the ranked ids; -1 once deleted);
- the trie is an open-addressing hash table (2, capacity) from `node * alphabet + code` to the child node, plus
  `node_chunk` (chunk id or -1);
- an epoch's pending proposals are a hash table from a 64-bit FNV hash of the text to an entry, checked
  character by character, so a hash collision cannot change the result.
Deleted chunks keep their trie nodes (with `node_chunk = -1`); ids are never reused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numba import njit

from tokensmith.learn.lib_lexicon import EpochPlan, LibParams

# counts[] slots: how many chunk ids exist, how many are ranked (alive), how many trie nodes exist.
N_CHUNKS, N_ORDER, N_NODES = 0, 1, 2


@njit(cache=True)
def _slot(table, key):  # type: ignore[no-untyped-def]
    """Open addressing: the slot of `key` in table (rows: keys, values; value −1 = empty), linear probing."""
    mask = table.shape[1] - 1
    i = ((key * np.int64(-7046029254386353131)) >> 20) & mask  # Fibonacci hashing spreads node*alphabet+code
    while table[1, i] != -1 and table[0, i] != key:
        i = (i + 1) & mask
    return i


@njit(cache=True)
def _child(table, key):  # type: ignore[no-untyped-def]
    """The value stored under `key`, or −1 when absent."""
    return table[1, _slot(table, key)]


@njit(cache=True)
def _put(table, key, value):  # type: ignore[no-untyped-def]
    i = _slot(table, key)
    table[0, i], table[1, i] = key, value


@njit(cache=True)
def empty_table(min_items):  # type: ignore[no-untyped-def]
    """A hash table (2, capacity) for at least `min_items` keys at load factor ≤ 1/2 (capacity a power of 2).

    Args:
        min_items: how many keys it must hold.

    Example:
        >>> empty_table(20).shape, int(empty_table(20)[1].max())
        ((2, 64), -1)
    """
    cap = 16
    while cap < 2 * min_items:
        cap *= 2
    table = np.zeros((2, cap), np.int64)
    table[1, :] = -1
    return table


@njit(cache=True)
def _rehash(old, new):  # type: ignore[no-untyped-def]
    for i in range(old.shape[1]):
        if old[1, i] != -1:
            _put(new, old[0, i], old[1, i])


@njit(cache=True)
def _longest_two(codes, i, end, max_len, alpha, edges, node_chunk):  # type: ignore[no-untyped-def]
    """Ids of the longest and second-longest chunks starting at codes[i] (−1 when absent)."""
    node, first, second = 0, -1, -1
    for k in range(min(max_len, end - i)):
        node = _child(edges, node * alpha + codes[i + k])
        if node < 0:
            break
        if node_chunk[node] >= 0:
            second, first = first, node_chunk[node]
    return first, second


@njit(cache=True)
def _insert(codes, pos, length, life0, alpha, edges, node_chunk, lex, order, counts):  # type: ignore[no-untyped-def]
    """Append the chunk codes[pos:pos+length] at the tail of the ranking (lex rows: pos, len, node, life, rank)."""
    node = 0
    for k in range(length):
        key = node * alpha + codes[pos + k]
        child = _child(edges, key)
        if child < 0:
            child = counts[N_NODES]
            counts[N_NODES] += 1
            _put(edges, key, child)
            node_chunk[child] = -1
        node = child
    cid = counts[N_CHUNKS]
    counts[N_CHUNKS] += 1
    node_chunk[node] = cid
    lex[0, cid], lex[1, cid], lex[2, cid], lex[3, cid], lex[4, cid] = pos, length, node, life0, counts[N_ORDER]
    order[counts[N_ORDER]] = cid
    counts[N_ORDER] += 1


@njit(cache=True)
def _memorize(codes, pos, length, pend, pend_pos, n_pend, life0, alpha, edges, node_chunk, lex, order, counts):  # type: ignore[no-untyped-def]
    """Memorizer: a proposal seen the second time this epoch enters the lexicon. Returns the new pending count."""
    node = 0
    for k in range(length):  # already in the lexicon?
        node = _child(edges, node * alpha + codes[pos + k])
        if node < 0:
            break
    if node >= 0 and node_chunk[node] >= 0:
        return n_pend
    h = np.int64(-3750763034362895579)  # FNV-1a offset basis (as int64); arithmetic wraps
    for k in range(length):
        h = (h ^ codes[pos + k]) * np.int64(1099511628211)
    h = h * 64 + length
    while True:
        entry = _child(pend, h)
        if entry < 0:
            _put(pend, h, n_pend)
            pend_pos[0, n_pend], pend_pos[1, n_pend] = pos, length
            return n_pend + 1
        p0 = pend_pos[0, entry]
        same = pend_pos[1, entry] == length
        for k in range(length if same else 0):
            if codes[p0 + k] != codes[pos + k]:
                same = False
                break
        if same:  # second sighting (the entry is never consulted again: the chunk is now in the lexicon)
            _insert(codes, pos, length, 0, alpha, edges, node_chunk, lex, order, counts)
            return n_pend
        h += 1  # collision between different texts: probe the next key


@njit(cache=True)
def _settle(codes, i, end, ti, ta, tm, n_t, max_len, alpha, edges, node_chunk, lex, rew, n_rew):  # type: ignore[no-untyped-def]
    """Advance the alternative parses to i; resolve those meeting i. ti rows: chunk, shorter, alt_end.

    ta/tm: (n tests, 3) tallies [unknowns, tokens, rank sum] of the alternative / main parse.
    Returns (tests left, reward count).
    """
    j = 0
    for t in range(n_t):
        while ti[t, 2] < i:
            f, _ = _longest_two(codes, ti[t, 2], end, max_len, alpha, edges, node_chunk)
            if f >= 0:
                ta[t, 1] += 1
                ta[t, 2] += lex[4, f]
                ti[t, 2] += lex[1, f]
            else:
                ta[t, 0] += 1
                ta[t, 1] += 1
                ti[t, 2] += 1
        if ti[t, 2] == i:
            alt_better = (ta[t, 0], ta[t, 1], ta[t, 2]) < (tm[t, 0], tm[t, 1], tm[t, 2])
            if alt_better:
                rew[0, n_rew], rew[1, n_rew] = ti[t, 0], 1
                rew[0, n_rew + 1], rew[1, n_rew + 1] = ti[t, 1], -1
                n_rew += 2
            else:
                rew[0, n_rew], rew[1, n_rew] = ti[t, 0], -1
                n_rew += 1
                lex[3, ti[t, 0]] = 0
        else:
            if j != t:  # compact the still-running tests (scalar copies: row slices are slow in numba)
                for c in range(3):
                    ti[j, c], ta[j, c], tm[j, c] = ti[t, c], ta[t, c], tm[t, c]
            j += 1
    return j, n_rew


@njit(cache=True)
def _proposal_len(prev_known, prev_len, size, run_max, max_len):  # type: ignore[no-untyped-def]
    """Length of the memorizer's proposal, which starts where the previous piece starts (0 = no proposal)."""
    if not prev_known:
        return prev_len if prev_len <= run_max else 0  # the unknown run before this chunk
    return prev_len + size if prev_len + size <= max_len else 0  # previous chunk + this chunk


@njit(cache=True)
def _read_sentence(codes, a, b, coins, iprm, p_mem, edges, node_chunk, lex, order, counts, rew, n_rew, tests, pend,
                   pend_pos, n_pend):  # type: ignore[no-untyped-def]
    """Read codes[a:b] (see lib_reference.read_sentence); `coins` are this sentence's. Returns (n_pend, n_rew).

    iprm: max_len, unknown_run_max, alphabet, resolve_at_end (0/1), main_unknowns_are_tokens (0/1).
    """
    max_len, run_max, alpha, at_end, unknown_token = iprm[0], iprm[1], iprm[2], iprm[3], iprm[4]
    ti, ta, tm = tests[0], tests[1], tests[2]
    n_t, prev_start, prev_len, prev_known = 0, a, 0, False
    i = a
    while i < b:
        n_t, n_rew = _settle(codes, i, b, ti, ta, tm, n_t, max_len, alpha, edges, node_chunk, lex, rew, n_rew)
        first, second = _longest_two(codes, i, b, max_len, alpha, edges, node_chunk)
        if first < 0:  # unknown character
            for t in range(n_t):
                tm[t, 0] += 1
                tm[t, 1] += unknown_token
            if prev_known or prev_len == 0:
                prev_start, prev_len = i, 0
            prev_len += 1
            prev_known = False
            i += 1
            continue
        r, size = lex[4, first], lex[1, first]
        for t in range(n_t):
            tm[t, 1] += 1
            tm[t, 2] += r
        if coins[i - a] < p_mem:
            plen = _proposal_len(prev_known, prev_len, size, run_max, max_len)
            if plen > 0:
                n_pend = _memorize(codes, prev_start, plen, pend, pend_pos, n_pend, 0, alpha, edges, node_chunk,
                                   lex, order, counts)  # fmt: skip
        if size > 1 and second >= 0:
            ti[n_t, 0], ti[n_t, 1], ti[n_t, 2] = first, second, i + lex[1, second]
            ta[n_t, 0], ta[n_t, 1], ta[n_t, 2] = 0, 1, lex[4, second]
            tm[n_t, 0], tm[n_t, 1], tm[n_t, 2] = 0, 1, r
            n_t += 1
        else:
            lex[3, first] = 0
        prev_start, prev_len, prev_known = i, size, True
        i += size
    if at_end:
        n_t, n_rew = _settle(codes, b, b, ti, ta, tm, n_t, max_len, alpha, edges, node_chunk, lex, rew, n_rew)
    return n_pend, n_rew


@njit(cache=True)
def _read_epoch(codes, starts, picks, coins, iprm, p_mem, edges, node_chunk, lex, order, counts, rew, tests, pend,
                pend_pos, st):  # type: ignore[no-untyped-def]
    """Read the epoch's sentences from picks[st[0]] on; st = [next pick, pending count, reward count, coin offset].

    Stops before a sentence whose worst case (a new chunk and max_len trie nodes per character) might not fit the
    arrays, so that the caller can grow them and call again: the arrays are sized by the lexicon, not by the
    epoch's worst case, which keeps the trie's hash table small enough to stay in cache.
    Returns True when every sentence is read (rewards in rew, rows: chunk id, sign; st[2] of them).
    """
    room = min(edges.shape[1] // 2, node_chunk.shape[0])
    for k in range(st[0], picks.shape[0]):
        a, b = starts[picks[k]], starts[picks[k] + 1]
        if counts[N_NODES] + (b - a + 1) * iprm[0] > room or counts[N_CHUNKS] + b - a + 1 > lex.shape[1]:
            st[0] = k
            return False
        st[1], st[2] = _read_sentence(codes, a, b, coins[st[3] : st[3] + b - a], iprm, p_mem, edges, node_chunk,
                                      lex, order, counts, rew, st[2], tests, pend, pend_pos, st[1])  # fmt: skip
        st[3] += b - a
    st[0] = picks.shape[0]
    return True


@njit(cache=True)
def _drop(cid, node_chunk, lex, order, counts):  # type: ignore[no-untyped-def]
    """Delete a ranked chunk: close the gap in `order` and clear its trie node."""
    n = counts[N_ORDER]
    for k in range(lex[4, cid], n - 1):
        order[k] = order[k + 1]
        lex[4, order[k]] = k
    counts[N_ORDER] = n - 1
    node_chunk[lex[2, cid]] = -1
    lex[3, cid] = 0
    lex[4, cid] = -1


@njit(cache=True)
def _shift(cid, new, lex, order):  # type: ignore[no-untyped-def]
    """Move chunk `cid` from its rank to rank `new`, shifting the chunks in between by one."""
    old = lex[4, cid]
    if new < old:
        for k in range(old, new, -1):
            order[k] = order[k - 1]
            lex[4, order[k]] = k
    else:
        for k in range(old, new):
            order[k] = order[k + 1]
            lex[4, order[k]] = k
    order[new] = cid
    lex[4, cid] = new


@njit(cache=True)
def _batch_update(rew, n_rew, rate, tail, probation, node_chunk, lex, order, counts):  # type: ignore[no-untyped-def]
    """Probation count-down and deletions, rewards in order, then the tail goes on probation."""
    n, kept = counts[N_ORDER], 0
    for k in range(n):
        cid = order[k]
        if lex[3, cid] == 1:  # expired
            node_chunk[lex[2, cid]] = -1
            lex[3, cid], lex[4, cid] = 0, -1
            continue
        if lex[3, cid] > 1:
            lex[3, cid] -= 1
        order[kept] = cid
        lex[4, cid] = kept
        kept += 1
    counts[N_ORDER] = kept
    for r in range(n_rew):
        cid, sign = rew[0, r], rew[1, r]
        idx = lex[4, cid]
        if idx <= 0:  # deleted (−1) or already first (0)
            continue
        step = int(idx * rate) + 1
        if sign > 0 and idx + step >= counts[N_ORDER]:
            _drop(cid, node_chunk, lex, order, counts)
        else:
            _shift(cid, idx + sign * step, lex, order)
    n = counts[N_ORDER]
    for k in range(int((1 - tail) * n), n):
        if lex[3, order[k]] == 0:
            lex[3, order[k]] = probation


class FastLib:
    """LiB's learner over numpy arrays and numba loops; same results as `ReferenceLib`.

    Args:
        params: hyper-parameters.

    Example:
        >>> from tokensmith.learn.lib_lexicon import plan_epochs
        >>> p = LibParams(epochs=3, batch_size=2)
        >>> ranked = FastLib(p).train(["abab", "abab"], plan_epochs([4, 4], p, seed=0))
        >>> set(ranked) >= {"a", "b"}
        True
    """

    def __init__(self, params: LibParams) -> None:
        self.params = params

    def _encode_corpus(self, sentences: Sequence[str]) -> None:
        self.alphabet = sorted({ch for s in sentences for ch in s})
        code = {ch: n for n, ch in enumerate(self.alphabet)}
        self.codes = np.fromiter((code[ch] for s in sentences for ch in s), np.int64)
        self.starts = np.zeros(len(sentences) + 1, np.int64)
        np.cumsum([len(s) for s in sentences], out=self.starts[1:])
        longest = max(len(s) for s in sentences)
        self.tests = np.zeros((3, longest + 1, 3), np.int64)  # per-sentence forgetter tests (see _settle)
        self.edges = empty_table(1024)
        self.node_chunk = np.full(1024, -1, np.int64)
        self.lex = np.zeros((5, 1024), np.int64)  # rows: pos, length, node, life, rank
        self.order = np.zeros(1024, np.int64)
        self.counts = np.array([0, 0, 1], np.int64)  # the root is node 0

    def _reserve(self, chunks: int, nodes: int) -> None:
        """Grow the arrays so `chunks` more chunks and `nodes` more trie nodes fit."""
        need = int(self.counts[N_CHUNKS]) + chunks
        if need > self.lex.shape[1]:
            size = max(need, 2 * self.lex.shape[1])
            self.lex = np.concatenate([self.lex, np.zeros((5, size - self.lex.shape[1]), np.int64)], axis=1)
            self.order = np.concatenate([self.order, np.zeros(size - len(self.order), np.int64)])
        need = int(self.counts[N_NODES]) + nodes
        if 2 * need > self.edges.shape[1]:  # keep the trie's hash table at most half full
            grown = empty_table(need)
            _rehash(self.edges, grown)
            self.edges = grown
        if need > len(self.node_chunk):
            size = max(need, 2 * len(self.node_chunk))
            self.node_chunk = np.concatenate([self.node_chunk, np.full(size - len(self.node_chunk), -1, np.int64)])

    def _init(self, picks: np.ndarray) -> None:
        seen: set[int] = set()
        for s in picks:
            for pos in range(int(self.starts[s]), int(self.starts[s + 1])):
                if int(self.codes[pos]) not in seen:
                    seen.add(int(self.codes[pos]))
                    self._reserve(1, 1)
                    _insert(self.codes, pos, 1, self.params.probation, len(self.alphabet), self.edges,
                            self.node_chunk, self.lex, self.order, self.counts)

    def train(self, sentences: Sequence[str], plans: Iterable[EpochPlan]) -> list[str]:
        """Run every epoch of `plans` and return the ranked lexicon (best first), as `ReferenceLib.train` does.

        Args:
            sentences: the corpus (encoded once into one int64 array of character codes).
            plans: `EpochPlan`s, one per epoch, read in order.

        Example (the class docstring shows a run; this one checks the two learners agree):
            >>> from tokensmith.learn.lib_lexicon import plan_epochs
            >>> from tokensmith.learn.lib_reference import ReferenceLib
            >>> p = LibParams(epochs=5, batch_size=2, documents=0)
            >>> fast = FastLib(p).train(["abab", "abab"], plan_epochs([4, 4], p, seed=0))
            >>> fast == ReferenceLib(p).train(["abab", "abab"], plan_epochs([4, 4], p, seed=0))
            True
        """
        p = self.params
        self._encode_corpus(sentences)
        iprm = np.array([p.max_len, p.unknown_run_max, len(self.alphabet), p.resolve_at_end,
                         p.main_unknowns_are_tokens], np.int64)
        for n, plan in enumerate(plans):
            picks = plan.sentences.astype(np.int64)
            if n == 0:
                self._init(picks)
            rew = self._read(picks, plan.coins, iprm)
            _batch_update(rew, len(rew[0]), p.update_rate, p.forget_tail, p.probation, self.node_chunk, self.lex,
                          self.order, self.counts)
        return self.ranked()

    def _read(self, picks: np.ndarray, coins: np.ndarray, iprm: np.ndarray) -> np.ndarray:
        """Read one epoch, growing the arrays whenever `_read_epoch` stops for room; the rewards (2, n)."""
        chars = len(coins)
        rew = np.empty((2, 2 * chars + 2), np.int64)
        pend = empty_table(chars + 1)  # the epoch's pending proposals (at most one per character)
        pend_pos = np.empty((2, chars + 1), np.int64)  # rows: pos, length
        st = np.zeros(4, np.int64)
        step = self.tests.shape[1]  # the longest sentence + 1
        while True:
            self._reserve(step, step * self.params.max_len)
            if _read_epoch(self.codes, self.starts, picks, coins, iprm, self.params.memorize_p, self.edges,
                           self.node_chunk, self.lex, self.order, self.counts, rew, self.tests, pend, pend_pos, st):
                return rew[:, : st[2]]

    def ranked(self) -> list[str]:
        """The lexicon as strings, best rank first (after `train`).

        Example:
            >>> from tokensmith.learn.lib_lexicon import plan_epochs
            >>> p = LibParams(epochs=1, batch_size=1, documents=0)
            >>> learner = FastLib(p)
            >>> _ = learner.train(["ab"], plan_epochs([2], p, seed=0))
            >>> learner.ranked()
            ['a', 'b']
        """
        out = []
        for cid in self.order[: self.counts[N_ORDER]]:
            pos, length = self.lex[0, cid], self.lex[1, cid]
            out.append("".join(self.alphabet[c] for c in self.codes[pos : pos + length]))
        return out
