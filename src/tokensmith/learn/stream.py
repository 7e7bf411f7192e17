"""The training stream: lines on their way into a trainer, counted, shown on a progress bar, and checked.

Trainers (Rust, C++) pull lines from a Python iterator. This wrapper sits in between so that every learner gets the
same behaviour: whitespace removal for space_mode='remove', a rich progress bar of lines read, an empty-corpus
error, and the corpus alphabet (distinct characters) for vocab-size errors. Nothing is buffered: one line at a time.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from tokensmith.errors import CorpusError
from tokensmith.learn.registry import TrainConfig

_REFRESH_EVERY = 10_000  # lines between progress-bar updates (updating per line would cost more than reading)


class TrainingStream:
    """Iterate once over `lines`, counting lines, bytes and distinct characters.

    Args:
        lines: the corpus lines (any iterable; consumed once).
        config: supplies `space_mode` and `progress`.

    Example:
        >>> s = TrainingStream(["ab", "ba c"], TrainConfig(vocab_size=300, progress=False))
        >>> list(s), s.lines, sorted(s.alphabet)
        (['ab', 'ba c'], 2, [' ', 'a', 'b', 'c'])
    """

    def __init__(self, lines: Iterable[str], config: TrainConfig) -> None:
        self._source = iter(lines)
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
                self.lines += 1
                self.chars += len(line)
                self.alphabet.update(line)
                yield line
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
