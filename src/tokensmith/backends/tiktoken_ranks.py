""".tiktoken rank files: parse them strictly, check that they make a runnable encoding, and write them.

A rank file is one 'base64(token) rank' line per mergeable token and nothing else (no split pattern, no special
tokens: those come from `backends/tiktoken.KNOWN` or from the caller). tiktoken's own loader checks none of the
format's rules; these functions name the first line that breaks one.
"""

from __future__ import annotations

import base64
import binascii
import re
import warnings

from tokensmith.errors import TokenizerFileError

# Ranks are tiktoken's `Rank` (u32); the top value is its "no rank" sentinel.
MAX_RANK = 2**32 - 2
_RANK = re.compile(rb"[0-9]{1,10}")
_FIX = "Re-download or re-export the file (tokensmith convert SRC out.tiktoken writes a valid one)."


def _bad_file(where: str, problem: str) -> TokenizerFileError:
    return TokenizerFileError(f"'{where}' is not a valid tiktoken rank file: {problem}. {_FIX}")


def _parse_line(line: bytes, number: int, where: str) -> tuple[bytes, int]:
    """One 'base64 rank' line → (token bytes, rank); anything else names the line and what is wrong with it."""
    fields = line.split()
    if len(fields) != 2:
        raise _bad_file(where, f"line {number} has {len(fields)} fields, expected '<base64 token> <rank>' (a cut line?)")
    try:
        token = base64.b64decode(fields[0], validate=True)
    except (ValueError, binascii.Error) as e:
        raise _bad_file(where, f"line {number} has invalid base64 {fields[0][:40]!r} ({e})") from e
    if not token:
        raise _bad_file(where, f"line {number} holds an empty token")
    if not _RANK.fullmatch(fields[1]) or int(fields[1]) > MAX_RANK:
        raise _bad_file(where, f"line {number} has rank {fields[1][:20]!r}; a rank is a whole number 0..{MAX_RANK}")
    return token, int(fields[1])


_SOUND_LINE = re.compile(rb"^[A-Za-z0-9+/]+={0,2}[ \t]+[0-9]{1,10}[ \t\r]*$", re.MULTILINE)


def _parse_sound(data: bytes) -> dict[bytes, int] | None:
    """The ranks of a file that breaks no rule, in half the time of the line-by-line check; None otherwise."""
    lines = [ln for ln in data.splitlines() if ln.strip()]
    if not lines or len(_SOUND_LINE.findall(data)) != len(lines):
        return None
    try:
        ranks = {base64.b64decode(tok, validate=True): int(rank) for tok, rank in (ln.split() for ln in lines)}
    except (ValueError, binascii.Error):
        return None
    values = set(ranks.values())
    if len(ranks) != len(lines) or len(values) != len(lines) or max(values) > MAX_RANK:
        return None
    return ranks


def parse_tiktoken_ranks(data: bytes, *, where: str) -> dict[bytes, int]:
    r"""Parse a .tiktoken rank file ('base64 rank' per line), checking what the format guarantees.

    Every non-empty line is two fields: strict base64 of a non-empty token and a rank 0..`MAX_RANK`; no rank and
    no token appears twice; the file has at least one line. (tiktoken's own loader checks none of this, and its
    Rust core then panics or silently keeps one of two duplicates.)

    Args:
        data: the file's bytes.
        where: the file's name, for error messages.

    Raises:
        TokenizerFileError: naming the first bad line and what is wrong with it.

    Example:
        >>> parse_tiktoken_ranks(b"YQ== 0\nYg== 1\n", where="toy.tiktoken")
        {b'a': 0, b'b': 1}
        >>> parse_tiktoken_ranks(b"YQ== 0\nYg== 0\n", where="toy.tiktoken")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokenizerFileError: 'toy.tiktoken' is not a valid tiktoken rank file: line 2 repeats rank 0...
    """
    fast = _parse_sound(data)
    if fast is not None:
        return fast
    ranks: dict[bytes, int] = {}  # the slow path finds and names the first bad line
    seen: dict[int, int] = {}  # rank -> line number
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        token, rank = _parse_line(line, number, where)
        if rank in seen:
            raise _bad_file(where, f"line {number} repeats rank {rank} (first on line {seen[rank]})")
        if token in ranks:
            raise _bad_file(where, f"line {number} repeats the token {token[:40]!r} of rank {ranks[token]}")
        ranks[token] = rank
        seen[rank] = number
    if not ranks:
        raise _bad_file(where, "it holds no '<base64 token> <rank>' lines")
    return ranks


def check_encoding(ranks: dict[bytes, int], specials: dict[str, int], *, where: str) -> None:
    """Check that ranks and special tokens make an Encoding tiktoken can run; warn once about holes in the ids.

    Every single byte needs a rank (tiktoken panics on a byte it cannot spell), and a special token's id must not
    be a rank. Ids below the last rank that are neither (real vocabularies have a few) are allowed, with one
    `UserWarning`; ids between the last rank and the special tokens are not holes (cl100k_base has 16).

    Args:
        ranks: token bytes → rank, as `parse_tiktoken_ranks` returns them.
        specials: special token text → id.
        where: the file's name, for messages.

    Raises:
        TokenizerFileError: a single byte without a rank, or a special token on a rank's id.

    Example:
        >>> import warnings
        >>> ranks = {bytes([b]): b for b in range(256)} | {b"ab": 300}
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     check_encoding(ranks, {"<|end|>": 299}, where="toy.tiktoken")
        >>> print(caught[0].message)  # doctest: +ELLIPSIS
        'toy.tiktoken': 43 of the ids 0..300 are neither a rank nor a special token (the first is 256)...
    """
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        raise _bad_file(where, f"{len(missing)} single bytes have no rank (the first is 0x{missing[0]:02X}), so "
                               "tiktoken cannot encode text holding them")  # fmt: skip
    rank_ids = set(ranks.values())
    clash = {t: i for t, i in specials.items() if i in rank_ids}
    if clash:
        raise TokenizerFileError(
            f"special tokens {clash} of '{where}' reuse ids that are ranks in the file. Give them ids above "
            f"{max(ranks.values())} (special_tokens=...), or pass the pattern of the encoding the file belongs to."
        )
    top = max(rank_ids)  # ids above the last rank are where special tokens go (cl100k leaves some unused)
    holes = top + 1 - len(rank_ids) - sum(1 for i in set(specials.values()) if i < top)
    if holes:
        first = next(i for i in range(top + 1) if i not in rank_ids and i not in specials.values())
        warnings.warn(
            f"'{where}': {holes} of the ids 0..{top} are neither a rank nor a special token (the first is {first}); "
            "they decode to no bytes and are never produced. Real vocabularies have a few such holes; many mean a "
            "damaged file.",
            UserWarning,
            stacklevel=3,
        )


def tiktoken_rank_file(ranks: dict[bytes, int]) -> bytes:
    r"""Serialize mergeable ranks as a .tiktoken file: one 'base64(token) rank' line per token, by rank.

    Args:
        ranks: token bytes → rank.

    Example:
        >>> tiktoken_rank_file({b"b": 1, b"a": 0})
        b'YQ== 0\nYg== 1\n'
    """
    lines = [base64.b64encode(tok) + b" " + str(rank).encode() for tok, rank in sorted(ranks.items(), key=lambda kv: kv[1])]
    return b"\n".join(lines) + b"\n"
