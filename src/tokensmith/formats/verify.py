"""Verify a conversion: encode the same lines with both tokenizers and compare ids and token bytes line by line.

Two tokenizers that agree on ids and on the bytes those ids spell, for every line, agree on everything `Tokenizer`
exposes that is derived from ids; the report gives the share of identical lines and the first mismatch, with the
line's bytes and each side's token bytes so the cause can be read off directly. Agreement on text that the source
drops proves nothing (a vocabulary that cannot spell `hello` gives `[]` on both sides), so a line whose tokens do
not spell it (`tokensmith.dropped`) fails the verification too (`Verification.first_drop`). This module does not read corpora in bulk (see `tokensmith.corpora`):
`read_lines` is a plain UTF-8 line reader for the `--verify` file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tokensmith.binarycheck import PROBE_BYTES, check_not_binary
from tokensmith.dropped import Dropped, explain, find_dropped
from tokensmith.errors import CorpusError

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer

# Built-in check lines: many scripts, whitespace runs, digits, byte-fallback bait and literal special-token text.
SAMPLE: tuple[str, ...] = (
    "Hello world",
    "Hello  world, it's 3.14159 o'clock!\n",
    "  leading spaces and trailing   ",
    "tabs\tand\nnew\r\nlines\n\n\n",
    "Grüße aus Köln: Übermaßstäbe",
    "Ελληνικά κείμενα και αριθμοί 12345",
    "Українська мова має літеру ґ",
    "中文分词测试，包括标点。",
    "日本語のテキストとカタカナ",
    "한국어 문장입니다",
    "العربية من اليمين إلى اليسار",
    "हिन्दी में लिखा गया वाक्य",
    "ภาษาไทยไม่มีช่องว่าง",
    "emoji 👩‍👩‍👧 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math",
    "combining: e\u0301 a\u0308 \u200b zero width",
    "<s> </s> <unk> <|endoftext|> [INST] literal specials",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "1234567890 000 9999999",
    "def f(x):\n    return x ** 2  # code\n",
    "",
    " ",
    "\u00a0nbsp\u3000ideographic space",
    "ǅ ﬁ ㎏ compatibility forms",
    "control \x01\x07 chars",
)


@dataclass(frozen=True)
class Mismatch:
    """The first line on which two tokenizers disagree."""

    line: int  # 1-based line number in the corpus
    text: str
    src_ids: list[int]
    dst_ids: list[int]
    first_diff: int  # index of the first differing id
    src_tokens: list[bytes]  # token bytes of each side, to read the cause off directly
    dst_tokens: list[bytes]

    def describe(self) -> str:
        """One paragraph naming the line, its bytes and the first tokens that differ.

        Example:
            >>> Mismatch(1, "ab", [0, 1], [2], 0, [b"a", b"b"], [b"ab"]).describe()
            "line 1 b'ab': from token 0, source gives [0, 1] = [b'a', b'b'] but target gives [2] = [b'ab']"
        """
        k = self.first_diff
        return (
            f"line {self.line} {self.text.encode('utf-8')!r}: from token {k}, source gives "
            f"{self.src_ids[k:k + 4]} = {self.src_tokens[k:k + 4]} but target gives "
            f"{self.dst_ids[k:k + 4]} = {self.dst_tokens[k:k + 4]}"
        )


@dataclass(frozen=True)
class Drop:
    """The first line whose source ids do not spell it (`tokensmith.dropped`): both sides may agree on them, but a
    verification on text the tokenizer drops proves nothing."""

    line: int  # 1-based line number in the corpus
    text: str
    dropped: Dropped

    def describe(self) -> str:
        """One line naming the line and the bytes its tokens drop.

        Example:
            >>> Drop(2, "hello", Dropped(n_bytes=5, offset=0)).describe()
            "line 2 b'hello': dropped 5 bytes (first at byte offset 0): b'hello' is in no token"
        """
        return f"line {self.line} {self.text.encode('utf-8')!r}: {explain(self.text, self.dropped)}"


@dataclass(frozen=True)
class Verification:
    """How many lines two tokenizers encode to identical ids spelling identical bytes, and the first line whose
    tokens drop text (then the verification fails whatever the ids: `identical` is False)."""

    corpus: str
    n_lines: int
    n_identical: int
    first_mismatch: Mismatch | None
    first_drop: Drop | None = None

    @property
    def share(self) -> float:
        """Share of lines with identical ids (1.0 for an empty corpus)."""
        return self.n_identical / self.n_lines if self.n_lines else 1.0

    @property
    def identical(self) -> bool:
        """Every line has the same ids and bytes on both sides, and no line's tokens drop text."""
        return self.n_identical == self.n_lines and self.first_drop is None


def _first_diff(a: Sequence[int], b: Sequence[int]) -> int:
    for k, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return k
    return min(len(a), len(b))


def verify_lines(
    src: Tokenizer,
    dst: Tokenizer,
    lines: Sequence[str],
    *,
    corpus: str = "built-in sample",
    add_special_tokens: bool = False,
    batch_size: int = 4096,
) -> Verification:
    """Encode `lines` with both tokenizers (batched) and compare ids.

    Args:
        src: the tokenizer converted from.
        dst: the converted tokenizer (reloaded from the bytes that will be written).
        lines: the texts, one per line.
        corpus: a name for the report.
        add_special_tokens: compare with BOS/EOS added as well.
        batch_size: lines per `encode_batch` call (bounds memory).

    Example:
        >>> require_model("gpt2")
        >>> from tokensmith import load
        >>> verify_lines(load("gpt2"), load("gpt2"), ["Hello world"]).share
        1.0
    """
    same, first, dropped = 0, None, None
    unk = {src.unk_id, dst.unk_id}  # its bytes are a backend's convention: b'' in SentencePiece, its text in HF
    for start in range(0, len(lines), batch_size):
        chunk = list(lines[start : start + batch_size])
        a = src.encode_batch(chunk, add_special_tokens=add_special_tokens)
        b = dst.encode_batch(chunk, add_special_tokens=add_special_tokens)
        sa, sb = src.token_table, dst.token_table
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            if x == y and all(sa[i] == sb[i] or i in unk for i in x):  # the same ids, spelling the same bytes
                same += 1
            elif first is None:
                first = Mismatch(start + k + 1, chunk[k], x, y, _first_diff(x, y), [sa[i] for i in x], [sb[i] for i in y])
        if dropped is None and not add_special_tokens:  # BOS/EOS change no text: the plain pass checks it
            hit = find_dropped(src, chunk, a, add_special_tokens=add_special_tokens)
            dropped = None if hit is None else Drop(start + hit[0] + 1, chunk[hit[0]], hit[1])
    return Verification(corpus=corpus, n_lines=len(lines), n_identical=same, first_mismatch=first, first_drop=dropped)


def read_utf8(path: str | Path, *, what: str = "input file") -> str:
    """The whole UTF-8 text of a file (NUL bytes are text; a file of mostly control bytes is refused as binary).

    Args:
        path: the file.
        what: what the file is, for the error message.

    Raises:
        CorpusError: missing file, a binary file (`tokensmith.binarycheck`), or invalid UTF-8 (naming the byte
            offset).

    Example:
        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> good, latin1 = Path(folder.name) / "good.txt", Path(folder.name) / "latin1.txt"
        >>> _ = good.write_bytes("Grüße\\n".encode()), latin1.write_bytes("Grüße".encode("latin-1"))
        >>> read_utf8(good)
        'Grüße\\n'
        >>> read_utf8(latin1, what="sample")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: sample '...latin1.txt' is not valid UTF-8 at byte offset 2. Convert...
        >>> folder.cleanup()
    """
    path = Path(path)
    try:
        data = path.read_bytes()
        check_not_binary(data[:PROBE_BYTES], path=path, what=what)
        return data.decode("utf-8")
    except FileNotFoundError as e:
        raise CorpusError(f"{what} '{path}' does not exist. Check the path.") from e
    except IsADirectoryError as e:
        raise CorpusError(f"{what} '{path}' is a directory: give a text file.") from e
    except UnicodeDecodeError as e:
        raise CorpusError(f"{what} '{path}' is not valid UTF-8 at byte offset {e.start}. Convert it to UTF-8 first.") from e


def read_lines(path: str | Path, *, max_lines: int | None = None) -> list[str]:
    """The lines of a UTF-8 text file (without their '\\n'), at most `max_lines` of them.

    Args:
        path: the file.
        max_lines: keep only the first `max_lines` lines; all when None.

    Raises:
        CorpusError: missing file, invalid UTF-8 (with the byte offset) or no lines.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = (Path(folder) / "lines.txt").write_text("a\\n\\nb\\nc\\n", encoding="utf-8")
        ...     read_lines(Path(folder) / "lines.txt"), read_lines(Path(folder) / "lines.txt", max_lines=2)
        (['a', '', 'b', 'c'], ['a', ''])
    """
    lines = read_utf8(path, what="verification corpus").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise CorpusError(f"verification corpus '{path}' is empty: give a text file with at least one line.")
    return lines[:max_lines] if max_lines is not None else lines
