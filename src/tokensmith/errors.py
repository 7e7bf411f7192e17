"""Errors that tokensmith raises for bad input.

Every message names the problem and says how to fix it (or lists the valid choices). The CLI turns any
`TokensmithError` into a one-paragraph message and exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class TokensmithError(Exception):
    """Base class for user-facing errors: the message says what is wrong and how to fix it."""


class SpecError(TokensmithError):
    """A tokenizer spec (path or zoo name) that cannot be resolved."""


class TokenizerFileError(TokensmithError):
    """A tokenizer file that is missing, corrupt, or fails its hash check."""


class ConversionError(TokensmithError):
    """A conversion between formats that is impossible or would lose information."""


class LossyEncodingError(TokensmithError):
    """An encoding whose tokens do not spell the text (`strict=True`, `--strict`): the message names the first
    dropped byte offset."""


class CorpusError(TokensmithError):
    """A corpus that is empty, unreadable, not UTF-8, or misaligned."""


class TrainingError(TokensmithError):
    """Training options that cannot work on the given corpus."""


class ModelError(TokensmithError):
    """A model that cannot be loaded or does not fit the requested feature."""


class GenerationError(TokensmithError):
    """A generation request that cannot run (no new tokens, prompt longer than the context window, ...)."""


class MissingDependencyError(TokensmithError):
    """An optional dependency (an extra) that is not installed."""


def close_matches(word: str, choices: Iterable[str], *, n: int = 5) -> str:
    """Return a hint like "did you mean: a, b?" or the whole list of choices when nothing is close.

    Args:
        word: what the user typed.
        choices: the valid names.
        n: at most this many suggestions.

    Example:
        >>> close_matches("gtp2", ["gpt2", "llama2"])
        'did you mean: gpt2?'
    """
    pool = sorted(set(choices))
    hits = difflib.get_close_matches(word, pool, n=n, cutoff=0.6)
    if not hits:
        hits = [c for c in pool if word.lower() in c.lower()][:n]
    if hits:
        return f"did you mean: {', '.join(hits)}?"
    return f"valid choices: {', '.join(pool)}"


def require(module: str, *, extra: str) -> None:
    """Raise MissingDependencyError naming the extra that installs `module`.

    Args:
        module: the importable name to look for (e.g. 'pyarrow').
        extra: the tokensmith extra that installs it (e.g. 'measure').

    Example:
        >>> require("json", extra="measure")  # installed: nothing happens
        >>> require("no_such_module_xyz", extra="measure")
        Traceback (most recent call last):
        ...
        tokensmith.errors.MissingDependencyError: this feature needs the Python package 'no_such_module_xyz', which is not installed. Install it with: pip install 'tokensmith[measure]'
    """
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(
            f"this feature needs the Python package '{module}', which is not installed. "
            f"Install it with: pip install 'tokensmith[{extra}]'"
        )
