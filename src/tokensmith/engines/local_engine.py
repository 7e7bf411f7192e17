"""The `local` engine: run shard tasks one after the other in this process.

The backends' batch encoders use their own threads, so one shard at a time already uses the machine; memory holds
one shard. Results come back in input order, exactly as the Ray engine gives them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from tokensmith.tokenizer import Tokenizer

Item = TypeVar("Item")
Result = TypeVar("Result")


class LocalEngine:
    """Runs `fn(tok, item)` for each item, in order, in this process.

    Example:
        >>> import tokensmith
        >>> with LocalEngine() as engine:
        ...     list(engine.imap(lambda tok, text: tok.encode(text), ["Hello", " world"], tok=tokensmith.load("gpt2")))
        [[15496], [995]]
    """

    name = "local"

    def imap(self, fn: Callable[[Tokenizer, Item], Result], items: Iterable[Item], *, tok: Tokenizer) -> Iterator[Result]:
        """`fn(tok, item)` for each item, lazily and in order.

        Args:
            fn: the task (a module-level function, so the Ray engine can ship it too).
            items: the task inputs (consumed lazily).
            tok: the tokenizer every task uses.

        Example:
            >>> import tokensmith
            >>> next(LocalEngine().imap(lambda tok, n: tok.vocab_size + n, [1], tok=tokensmith.load("gpt2")))
            50258
        """
        for item in items:
            yield fn(tok, item)

    def describe(self) -> dict[str, object]:
        """What ran the work, for benchmark records.

        Example:
            >>> LocalEngine().describe()
            {'engine': 'local'}
        """
        return {"engine": "local"}

    def close(self) -> None:
        """Nothing to release.

        Example:
            >>> LocalEngine().close()
        """

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
