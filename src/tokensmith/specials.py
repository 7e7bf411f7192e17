"""Special tokens in the text: which ones a call allows, and encoding with only those read as specials.

`Tokenizer.encode` reads special-token strings as plain text unless they are allowed (tiktoken's rule):
`allowed_special={"<|endoftext|>"}`, or `"all"` (`parse_special=True` is the same). "all" goes to the library's own
parser; a subset splits each text at the allowed strings and encodes the pieces between them as texts of their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from typing import Literal

from tokensmith.backends.base import Backend
from tokensmith.errors import TokensmithError, close_matches

AllowedSpecial = Set[str] | Literal["all"]


def allowed_specials(
    specials: dict[str, int], allowed_special: AllowedSpecial, parse_special: bool, *, name: str
) -> frozenset[str] | Literal["all"]:
    """The allowed special tokens of one call: "all", or a subset of `specials` (every name checked).

    Args:
        specials: the tokenizer's special tokens (text → id).
        allowed_special: the call's `allowed_special`.
        parse_special: the call's `parse_special` (True is the same as "all").
        name: the tokenizer's name, for the error.

    Raises:
        TokensmithError: a name that is not one of `specials`, with the close ones.

    Example:
        >>> specials = {"<|endoftext|>": 50256}
        >>> allowed_specials(specials, {"<|endoftext|>"}, False, name="gpt2")  # every one of them: the same as "all"
        'all'
        >>> allowed_specials(specials, frozenset(), False, name="gpt2")
        frozenset()
    """
    if parse_special or allowed_special == "all":
        return "all"
    allowed = frozenset(allowed_special)
    unknown = sorted(allowed - specials.keys())
    if unknown:
        raise TokensmithError(
            f"{name}: {unknown[0]!r} is not a special token of this tokenizer "
            f"({close_matches(unknown[0], specials) if specials else 'it has none'}). Pass allowed_special with "
            "names from tok.special_tokens, or allowed_special='all'."
        )
    return "all" if allowed == specials.keys() else allowed


def encode_allowing(
    backend: Backend, texts: Sequence[str], allowed: frozenset[str], *, frame: tuple[list[int], list[int]]
) -> list[list[int]]:
    """Split each text at the allowed specials and encode the pieces in one batch call (tiktoken's rule: the text
    between specials is encoded as its own text).

    Args:
        backend: the tokenizer's backend.
        texts: the texts.
        allowed: the special-token strings to read as specials (a non-empty subset of the backend's).
        frame: the ids put before and after each text (BOS/EOS), or two empty lists.

    Example:
        >>> import tokensmith
        >>> backend = tokensmith.load("gpt2").backend
        >>> encode_allowing(backend, ["hi<|endoftext|>hi"], frozenset({"<|endoftext|>"}), frame=([], []))
        [[5303, 50256, 5303]]
    """
    split = re.compile("(" + "|".join(map(re.escape, sorted(allowed, key=len, reverse=True))) + ")")
    specials = backend.special_tokens
    parts = [split.split(t) for t in texts]
    plain = [p for ps in parts for k, p in enumerate(ps) if k % 2 == 0 and p]
    encoded = iter(backend.encode_batch(plain, add_special_tokens=False, parse_special=False))
    head, tail = frame
    out = []
    for ps in parts:
        ids = list(head)
        for k, p in enumerate(ps):
            ids.extend([specials[p]] if k % 2 else (next(encoded) if p else []))
        out.append(ids + tail)
    return out
