"""The training stream: lines on their way into a trainer, counted, shown on a progress bar, and checked.

Trainers (Rust, C++) pull lines from a Python iterator. This wrapper sits in between so that every learner gets the
same behaviour: whitespace removal for space_mode='remove', a rich progress bar of lines read, an empty-corpus
error, and the corpus alphabet (distinct characters) for vocab-size errors. Nothing is buffered: one line at a time.

Over-long lines are split, never refused: a line longer than `max_line_chars` (64Ki characters by default) is cut
before a space that follows a non-space character, which is a boundary of every pre-tokenizer the learners use
(GPT-2's regex never puts a space after a non-space inside a piece; Metaspace, BERT and SentencePiece split on
whitespace), so the words the trainer counts do not change and neither does the vocabulary (tested for the hf
trainers and SentencePiece BPE; SentencePiece Unigram's seed heuristic looks at whole sentences, so a cut can
change a few of its pieces, where without the cut sentencepiece would skip the line). The space starts the next
piece (byte-level and Metaspace pipelines) or is dropped (`drop_cut_space`, for SentencePiece, whose dummy prefix
puts it back). A stretch of `max_line_chars` with no such space (one giant word, unspaced CJK) is cut at the limit.
Without this, a single 50 MB line costs the Rust trainers gigabytes (alignment tables per byte).

`sample_lines` draws the bounded, seeded random sample that the SentencePiece engine trains on.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterable, Iterator

from tokensmith.errors import CorpusError
from tokensmith.learn.registry import TrainConfig

_REFRESH_EVERY = 10_000  # lines between progress-bar updates (updating per line would cost more than reading)
DEFAULT_MAX_LINE_CHARS = 1 << 16
_CUT_TRIES = 64  # spaces tried backwards from the limit before a hard cut (a run of spaces has no good cut)


def _cut_point(line: str, start: int, end: int) -> int:
    """The last index c in (start, end] with line[c] == ' ' and line[c - 1] not whitespace, else `end`."""
    hi = end + 1
    for _ in range(_CUT_TRIES):
        c = line.rfind(" ", start + 1, hi)
        if c < 0:
            break
        if not line[c - 1].isspace():
            return c
        hi = c
    return end


def split_long_line(line: str, *, max_chars: int, drop_cut_space: bool = False) -> Iterator[str]:
    """Yield `line` in pieces of at most `max_chars` characters, cut before a space that follows a non-space.

    Args:
        line: one corpus line.
        max_chars: the longest piece; a shorter line is yielded whole.
        drop_cut_space: drop the space at each cut (SentencePiece adds it back as its dummy prefix); by default
            it starts the next piece.

    Example:
        >>> list(split_long_line("aaa bbb  ccc dd", max_chars=8))
        ['aaa bbb', '  ccc dd']
        >>> list(split_long_line("aaa bbb ccc", max_chars=8, drop_cut_space=True))
        ['aaa bbb', 'ccc']
        >>> list(split_long_line("abcdefghij", max_chars=4))  # no space at all: cut at the limit
        ['abcd', 'efgh', 'ij']
    """
    start = 0
    while len(line) - start > max_chars:
        cut = _cut_point(line, start, start + max_chars)
        yield line[start:cut]
        start = cut + 1 if drop_cut_space and line[cut] == " " else cut
    if start < len(line):
        yield line[start:]


def sample_lines(lines: Iterable[str], *, max_lines: int, max_chars: int, seed: int) -> list[str]:
    """A uniform random sample of whole lines, at most `max_lines` of them and `max_chars` characters in all.

    Each line draws a key from `random.Random(seed)`; the sample is the lines with the smallest keys, in corpus
    order (so a corpus within both limits comes back unchanged). Memory holds the sample, never the corpus: a line
    whose key is above the current cut-off is dropped at once. At least one line is kept.

    Args:
        lines: the corpus lines, consumed once.
        max_lines: the most lines kept (0: no limit on the count).
        max_chars: the most characters kept (0: no limit on the size).
        seed: the sample's seed; the same lines and seed give the same sample.

    Example:
        >>> sample_lines(["a", "b", "c"], max_lines=0, max_chars=0, seed=0)
        ['a', 'b', 'c']
        >>> sample = sample_lines([str(i) for i in range(1000)], max_lines=10, max_chars=0, seed=1)
        >>> len(sample), sample == sorted(sample, key=int), sample == sample_lines(map(str, range(1000)),
        ...                                                                      max_lines=10, max_chars=0, seed=1)
        (10, True, True)
    """
    rng = random.Random(seed)
    heap: list[tuple[float, int, str]] = []  # (-key, index, line): the largest key on top
    chars, cutoff = 0, 1.0  # a key at or above `cutoff` was dropped once, so it never fits again
    for index, line in enumerate(lines):
        key = rng.random()
        if key >= cutoff:
            continue
        heapq.heappush(heap, (-key, index, line))
        chars += len(line)
        while len(heap) > 1 and ((max_lines and len(heap) > max_lines) or (max_chars and chars > max_chars)):
            neg_key, _, dropped = heapq.heappop(heap)
            chars -= len(dropped)
            cutoff = -neg_key
    return [line for _, _, line in sorted(heap, key=lambda item: item[1])]


class TrainingStream:
    """Iterate once over `lines`, counting lines, bytes and distinct characters.

    Args:
        lines: the corpus lines (any iterable; consumed once).
        config: supplies `space_mode` and `progress`.
        max_line_chars: longer lines are split (see `split_long_line`); `lines` counts the pieces. Default:
            `DEFAULT_MAX_LINE_CHARS`, read at each call.
        drop_cut_space: drop the space at each cut (for SentencePiece).

    Example:
        >>> s = TrainingStream(["ab", "ba c"], TrainConfig(vocab_size=300, progress=False))
        >>> list(s), s.lines, sorted(s.alphabet)
        (['ab', 'ba c'], 2, [' ', 'a', 'b', 'c'])
    """

    def __init__(
        self,
        lines: Iterable[str],
        config: TrainConfig,
        *,
        max_line_chars: int | None = None,
        drop_cut_space: bool = False,
    ) -> None:
        self._source = iter(lines)
        self._max_line_chars = DEFAULT_MAX_LINE_CHARS if max_line_chars is None else max_line_chars
        self._drop_cut_space = drop_cut_space
        self._remove_spaces = config.space_mode == "remove"
        self._progress = config.progress
        self.lines = 0
        self.chars = 0
        self.alphabet: set[str] = set()
        # An error raised by the source (e.g. invalid UTF-8) while a C++ trainer pulls lines; the trainer may
        # re-raise it wrapped in its own exception type, so the engine re-raises this one instead.
        self.error: BaseException | None = None
        self._first = self._peek()

    def _peek(self) -> list[str]:
        """Read the first non-empty line now, so an empty corpus fails before any trainer starts."""
        for line in self._source:
            line = self._prepare(line)
            if line.strip():
                return [line]
        raise CorpusError("the training corpus is empty: no non-empty lines. Check the input files or iterable.")

    def _prepare(self, line: str) -> str:
        return "".join(line.split()) if self._remove_spaces else line

    def _lines(self) -> Iterator[str]:
        try:
            for line in itertools.chain(self._first, map(self._prepare, self._source)):
                if not line:
                    continue
                self.chars += len(line)
                self.alphabet.update(line)
                if len(line) <= self._max_line_chars:
                    self.lines += 1
                    yield line
                    continue
                for piece in split_long_line(line, max_chars=self._max_line_chars, drop_cut_space=self._drop_cut_space):
                    self.lines += 1
                    yield piece
        except Exception as e:
            self.error = e
            raise

    def __iter__(self) -> Iterator[str]:
        if not self._progress:
            yield from self._lines()
            return
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        columns = (SpinnerColumn(), TextColumn("reading corpus: {task.completed:,} lines"), TimeElapsedColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("read", total=None)
            for line in self._lines():
                if self.lines % _REFRESH_EVERY == 0:
                    bar.update(task, completed=self.lines)
                yield line
            bar.update(task, completed=self.lines)
