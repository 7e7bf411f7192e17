"""The naive pure-Python LiB learner: the readable specification and the test oracle for `lib_fast`.

Implements the LiB learner of Yang, Cai & Frank (2019), "Less is Better: A cognitively inspired unsupervised model
for language segmentation", Section 2 (reading, memorizer, forgetter, rank updates, probation), in the form that
Yang (2024), "Rethinking Tokenization", Section 4 uses. The lexicon is a plain ranked list (rank = index, 0 = best):
every rank look-up is `list.index` and every move is a list pop/insert, so this is slow on purpose.

One epoch (one `EpochPlan`):
1. Read each sampled sentence greedily (longest chunk first; an unknown character is one token).
2. Memorizer: at a known chunk, with probability `memorize_p` (the plan's coin at that position), propose
   `previous chunk + this chunk` (if it fits in `max_len`) or the unknown run just before it (if it is at most
   `unknown_run_max` long). A proposal seen a second time in the epoch is appended to the lexicon's tail.
3. Forgetter: where the longest chunk L has a shorter lexicon prefix S, a test starts. The alternative parse reads
   S and then greedily on; the main parse is the real reading. When their boundaries meet (or the sentence ends,
   with `resolve_at_end`; otherwise a test still open there is dropped, as in the reference),
   compare (unknowns, tokens, sum of ranks): if the alternative is strictly smaller, L is demoted and S promoted;
   otherwise L is promoted and leaves probation. A chunk read with no shorter competitor also leaves probation.
4. Batch update: probation counts down (expired chunks are deleted); the rewards are applied in order, each
   moving a chunk by `int(rank * update_rate) + 1` places (demoted past the tail = deleted); the tail
   `forget_tail` fraction goes on probation.

Differences from the reference (ray306/LiB; docs/lib.md lists them all): all randomness comes from the plan (no
string hashing); a test remembers the S it started with, and a second test of the same chunk runs beside the first
instead of replacing it; the memorizer may propose at any chunk (the reference skips chunks longer than
max_len - 2). The initial lexicon is the characters of the first epoch's sentences, in order of first occurrence,
all on probation. The reference's rules at sentence ends and for unknowns in the main parse are the defaults;
`resolve_at_end` and `main_unknowns_are_tokens` switch to the alternatives.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tokensmith.learn.lib_lexicon import EpochPlan, LibParams

Reward = tuple[str, int]  # (chunk, +1 = demote towards the tail / -1 = promote towards the head)


@dataclass
class _Test:
    """A running forgetter test: chunk L against its shorter prefix S, from `onset` on."""

    chunk: str
    shorter: str
    alt_end: int
    alt: list[int]  # [unknowns, tokens, rank sum] of the alternative parse so far
    main: list[int] = field(default_factory=lambda: [0, 0, 0])  # the same for the real reading


class ReferenceLib:
    """LiB's learner over a ranked Python list.

    Args:
        params: hyper-parameters.

    Example:
        >>> from tokensmith.learn.lib_lexicon import plan_epochs
        >>> p = LibParams(epochs=3, batch_size=2)
        >>> learner = ReferenceLib(p)
        >>> sents = ["abab", "abab"]
        >>> ranked = learner.train(sents, plan_epochs([4, 4], p, seed=0))
        >>> set(ranked) >= {"a", "b"}
        True
    """

    def __init__(self, params: LibParams) -> None:
        self.params = params
        self.ranks: list[str] = []
        self.members: set[str] = set()
        self.probation: dict[str, int] = {}

    # ---- lexicon --------------------------------------------------------------------------------------------------
    def rank(self, chunk: str) -> int:
        """The rank of a chunk in the lexicon (0 = best); a linear scan, on purpose.

        Args:
            chunk: a chunk in the lexicon.

        Example:
            >>> learner = ReferenceLib(LibParams())
            >>> learner.ranks = ["b", "a"]
            >>> learner.rank("a")
            1
        """
        return self.ranks.index(chunk)

    def _append(self, chunk: str) -> None:
        self.ranks.append(chunk)
        self.members.add(chunk)

    def _delete(self, chunk: str) -> None:
        self.ranks.remove(chunk)
        self.members.discard(chunk)
        self.probation.pop(chunk, None)

    def longest_two(self, s: str, i: int) -> tuple[str, str]:
        """The longest chunk at `s[i:]` and the longest shorter one ('' when absent).

        Args:
            s: the text.
            i: the position read from.

        Example:
            >>> learner = ReferenceLib(LibParams())
            >>> learner.members = {"a", "ab", "abc"}
            >>> learner.longest_two("xabcd", 1)
            ('abc', 'ab')
        """
        found = [s[i : i + n] for n in range(min(self.params.max_len, len(s) - i), 0, -1) if s[i : i + n] in self.members]
        return (found[0] if found else "", found[1] if len(found) > 1 else "")

    # ---- training -------------------------------------------------------------------------------------------------
    def train(self, sentences: Sequence[str], plans: Iterable[EpochPlan]) -> list[str]:
        """Run every epoch of `plans` (an iterable of EpochPlan) and return the ranked lexicon.

        Args:
            sentences: the corpus, one string per sentence.
            plans: the epochs' random draws (`plan_epochs`), consumed in order.

        Example:
            >>> from tokensmith.learn.lib_lexicon import plan_epochs
            >>> p = LibParams(epochs=1, batch_size=1, documents=0)
            >>> ReferenceLib(p).train(["ab"], plan_epochs([2], p, seed=0))
            ['a', 'b']
        """
        for n, plan in enumerate(plans):
            if n == 0:
                self._init([sentences[k] for k in plan.sentences])
            rewards = self.read_epoch(sentences, plan)
            self.batch_update(rewards)
        return list(self.ranks)

    def _init(self, batch: Sequence[str]) -> None:
        for s in batch:
            for ch in s:
                if ch not in self.members:
                    self._append(ch)
                    self.probation[ch] = self.params.probation

    def read_epoch(self, sentences: Sequence[str], plan: EpochPlan) -> list[Reward]:
        """Read one epoch's sentences; grow the lexicon and return the rank rewards, in order.

        Args:
            sentences: the corpus.
            plan: which sentences this epoch reads, and the memorizer's coins.

        Example:
            >>> import numpy as np
            >>> learner = ReferenceLib(LibParams())
            >>> learner.ranks, learner.members = ["a", "b"], {"a", "b"}
            >>> learner.read_epoch(["abab"], EpochPlan(np.array([0]), np.zeros(4)))
            []
            >>> learner.ranks
            ['a', 'b', 'ab']
        """
        rewards: list[Reward] = []
        pending: set[str] = set()
        offset = 0
        for k in plan.sentences:
            s = sentences[k]
            self.read_sentence(s, plan.coins[offset : offset + len(s)], pending, rewards)
            offset += len(s)
        return rewards

    def read_sentence(self, s: str, coins: Sequence[float], pending: set[str], rewards: list[Reward]) -> None:
        """Read one sentence: memorizer proposals and forgetter tests along the greedy reading.

        Args:
            s: the sentence.
            coins: one uniform number per character of `s` (the memorizer proposes where it is < memorize_p).
            pending: this epoch's proposals seen once so far (updated).
            rewards: this epoch's rank rewards, (chunk, +1 demote / -1 promote), appended in order.

        Example:
            >>> learner = ReferenceLib(LibParams())
            >>> learner.ranks, learner.members = ["a", "b"], {"a", "b"}
            >>> learner.read_sentence("abab", [0.0] * 4, set(), [])
            >>> learner.ranks
            ['a', 'b', 'ab']
        """
        tests: list[_Test] = []
        prev, prev_known = "", False
        i = 0
        while i < len(s):
            tests = self._settle(tests, s, i, rewards)
            chunk, shorter = self.longest_two(s, i)
            if not chunk:  # unknown character: extends the unknown run (a token of the main reading, if so set)
                for t in tests:
                    t.main = [t.main[0] + 1, t.main[1] + int(self.params.main_unknowns_are_tokens), t.main[2]]
                prev, prev_known = (prev if not prev_known else "") + s[i], False
                i += 1
                continue
            r = self.rank(chunk)
            for t in tests:
                t.main = [t.main[0], t.main[1] + 1, t.main[2] + r]
            if coins[i] < self.params.memorize_p:
                self._memorize(self._proposal(prev, prev_known, chunk), pending)
            if len(chunk) > 1 and shorter:
                alt = [0, 1, self.rank(shorter)]
                tests.append(_Test(chunk, shorter, i + len(shorter), alt, [0, 1, r]))
            else:
                self.probation.pop(chunk, None)
            prev, prev_known = chunk, True
            i += len(chunk)
        if self.params.resolve_at_end:
            self._settle(tests, s, len(s), rewards)

    def _proposal(self, prev: str, prev_known: bool, chunk: str) -> str:
        if not prev_known:
            return prev if 0 < len(prev) <= self.params.unknown_run_max else ""
        return prev + chunk if len(prev) + len(chunk) <= self.params.max_len else ""

    def _memorize(self, proposal: str, pending: set[str]) -> None:
        if not proposal or proposal in self.members:
            return
        if proposal in pending:
            pending.remove(proposal)
            self._append(proposal)
        else:
            pending.add(proposal)

    def _settle(self, tests: list[_Test], s: str, i: int, rewards: list[Reward]) -> list[_Test]:
        """Advance every alternative parse up to position i; resolve those whose boundary meets i."""
        still: list[_Test] = []
        for t in tests:
            while t.alt_end < i:
                chunk, _ = self.longest_two(s, t.alt_end)
                if chunk:
                    t.alt = [t.alt[0], t.alt[1] + 1, t.alt[2] + self.rank(chunk)]
                    t.alt_end += len(chunk)
                else:
                    t.alt = [t.alt[0] + 1, t.alt[1] + 1, t.alt[2]]
                    t.alt_end += 1
            if t.alt_end == i:
                self._resolve(t, rewards)
            else:
                still.append(t)
        return still

    def _resolve(self, t: _Test, rewards: list[Reward]) -> None:
        if tuple(t.alt) < tuple(t.main):  # the shorter chunk reads better: L is redundant
            rewards.append((t.chunk, 1))
            rewards.append((t.shorter, -1))
        else:
            rewards.append((t.chunk, -1))
            self.probation.pop(t.chunk, None)

    # ---- batch update ---------------------------------------------------------------------------------------------
    def batch_update(self, rewards: Sequence[Reward]) -> None:
        """Count probation down, apply the rewards in order, and put the tail on probation.

        Args:
            rewards: (chunk, +1 demote / -1 promote), applied in order; each moves `int(rank * update_rate) + 1`.

        Example:
            >>> learner = ReferenceLib(LibParams(forget_tail=0.0))
            >>> learner.ranks, learner.members = list("abcd"), set("abcd")
            >>> learner.batch_update([("c", -1)])
            >>> learner.ranks
            ['a', 'c', 'b', 'd']
        """
        expired = [c for c, life in self.probation.items() if life <= 1]
        for c in list(self.probation):
            self.probation[c] -= 1
        for c in expired:
            self._delete(c)
        for chunk, sign in rewards:
            if chunk in self.members:
                self._move(chunk, sign)
        start = int((1 - self.params.forget_tail) * len(self.ranks))
        for c in self.ranks[start:]:
            self.probation.setdefault(c, self.params.probation)

    def _move(self, chunk: str, sign: int) -> None:
        idx = self.rank(chunk)
        if idx == 0:
            return
        step = int(idx * self.params.update_rate) + 1
        if sign > 0 and idx + step >= len(self.ranks):
            self._delete(chunk)
            return
        self.ranks.pop(idx)
        self.ranks.insert(idx + sign * step, chunk)
