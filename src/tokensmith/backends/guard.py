"""The backend boundary: a library's panic or exception on a bad tokenizer file becomes a `TokenizerFileError`.

The Rust libraries (tiktoken, tokenizers) are built with pyo3, whose `PanicException` derives from `BaseException`,
not `Exception`, so a plain `except Exception` lets it through as a traceback. `library_call` catches it and every
`Exception`, and leaves interpreter-level exits (`KeyboardInterrupt`, `SystemExit`, `GeneratorExit`) alone.

Deliberately not handled here: validating file contents. Each backend checks what its format guarantees before it
hands the data to the library; this guard is the net for whatever a check did not foresee.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

from tokensmith.errors import TokenizerFileError, TokensmithError

_EXITS = (KeyboardInterrupt, SystemExit, GeneratorExit)
_Method = TypeVar("_Method", bound=Callable[..., Any])


def is_panic(exc: BaseException) -> bool:
    """True for a Rust panic surfaced by pyo3 (`pyo3_runtime.PanicException`).

    Args:
        exc: any exception.

    Example:
        >>> is_panic(ValueError("x")), is_panic(type("PanicException", (BaseException,), {})())
        (False, True)
    """
    return type(exc).__name__ == "PanicException"


def reraise(exc: BaseException, where: str, *, doing: str, fix: str) -> NoReturn:
    """Raise `exc` as a `TokenizerFileError` when it is a library failure; raise it unchanged otherwise.

    For a hot path (`try: ... except BaseException as e: reraise(e, ...)` costs nothing until something fails);
    `library_call` is the same as a context manager.

    Args:
        exc: the exception just caught.
        where: the tokenizer file (or name) the call works on.
        doing: what the call does, e.g. 'loading' or 'encoding with'.
        fix: what the user should do about it.

    Example:
        >>> try:
        ...     [][0]
        ... except BaseException as e:
        ...     reraise(e, "toy.tiktoken", doing="encoding with", fix="Re-download it.")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokenizerFileError: the tokenizer library failed while encoding with 'toy.tiktoken' (IndexError: ...
    """
    if isinstance(exc, (TokensmithError, *_EXITS)) or not (isinstance(exc, Exception) or is_panic(exc)):
        raise exc
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    raise TokenizerFileError(
        f"the tokenizer library failed while {doing} '{where}' ({type(exc).__name__}: {detail[:300]}): the file is "
        f"corrupt or inconsistent. {fix}"
    ) from exc


@contextmanager
def library_call(where: str, *, doing: str, fix: str) -> Iterator[None]:
    """Run a library call; a panic or library exception becomes `TokenizerFileError` naming file, problem and fix.

    A `TokensmithError` raised inside passes through unchanged.

    Args:
        where: the tokenizer file (or name) the call works on.
        doing: what the call does, e.g. 'loading' or 'encoding with'.
        fix: what the user should do about it.

    Example:
        >>> with library_call("toy.tiktoken", doing="loading", fix="Re-download it."):
        ...     {}["missing"]
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokenizerFileError: the tokenizer library failed while loading 'toy.tiktoken' (KeyError: 'missing'): the file is corrupt or inconsistent. Re-download it.
    """
    try:
        yield
    except BaseException as e:
        reraise(e, where, doing=doing, fix=fix)


def guarded(*, doing: str, fix: str) -> Callable[[_Method], _Method]:
    """A backend method decorator: a panic or library exception in the call becomes a `TokenizerFileError` naming
    the backend's file (its `where` attribute), the problem and `fix`.

    One `try` around the whole call (a batch encode is one call, not one per text or token), so the hot path pays
    one Python frame and nothing until something fails.

    Args:
        doing: what the method does, e.g. 'encoding with'.
        fix: what the user should do about it.

    Example:
        >>> class Toy:
        ...     where = "toy.json"
        ...     @guarded(doing="encoding with", fix="Re-export it.")
        ...     def encode(self, text):
        ...         raise type("PanicException", (BaseException,), {})("index out of bounds")
        >>> Toy().encode("hi")
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokenizerFileError: the tokenizer library failed while encoding with 'toy.json' (PanicException: index out of bounds): the file is corrupt or inconsistent. Re-export it.
    """

    def decorate(method: _Method) -> _Method:
        @functools.wraps(method)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except BaseException as e:
                reraise(e, self.where, doing=doing, fix=fix)

        @functools.wraps(method)
        def stream(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:  # a generator fails while it is iterated, not when it is made
                yield from method(self, *args, **kwargs)
            except BaseException as e:
                reraise(e, self.where, doing=doing, fix=fix)

        return stream if inspect.isgeneratorfunction(method) else call  # type: ignore[return-value]

    return decorate


def check_ids(ids: Sequence[int], vocab_size: int) -> None:
    """Refuse ids outside 0..vocab_size-1 before a library sees them: a bad id is the caller's mistake, and the
    library would report it as an IndexError or OverflowError (or, for Hugging Face, silently skip it).

    Args:
        ids: token ids to decode.
        vocab_size: the backend's number of ids.

    Example:
        >>> check_ids([0, 9], 10)
        >>> check_ids([3, 10], 10)
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokensmithError: token id 10 is out of range: this tokenizer has ids 0..9.
    """
    if not ids:
        return
    low, high = min(ids), max(ids)
    if low < 0 or high >= vocab_size:
        raise TokensmithError(f"token id {low if low < 0 else high} is out of range: this tokenizer has ids "
                              f"0..{vocab_size - 1}.")  # fmt: skip
