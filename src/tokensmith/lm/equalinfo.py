"""Equal-Info Windows: text cut into windows that each code to b bits, the model and coder reset per window.

"Training LLMs over Neurally Compressed Text" (Lester et al., 2024, section 3.3 "Equal-Info Windows"): a window
grows byte by byte while its arithmetic code (`coder.py`, driven by a byte model M1, `coding_model.py`) stays
<= b bits; it is then padded to b bits, and the next window starts with a fresh coder and an empty model context.
The bits are cut into 16-bit tokens: b = 16 or 32 gives 1 or 2 tokens per window. `plain_code` is the paper's
plain "ArithmeticCoding" baseline (one code over the whole text, the context never reset).

Rules this implementation fixes (the paper leaves them open):

- **Progress.** Every window holds at least one byte: a window's tables give every byte a frequency of at least
  `floor_for_bits(b)` of 2^16 (8 for b = 16, 1 for b = 32), so one byte alone codes to at most 13 + 2 bits
  (b = 16) or 16 + 2 bits (b = 32). No escape is needed; the raised floor costs b = 16 at most
  -log2(1 - 2040/65536) = 0.046 bits per byte.
- **Where a window ends.** b bits do not say how many bytes they hold: after the window's last byte the point
  v / 2^b decodes to *some* byte, which may fit too. The decoder knows one more thing: the next window's first
  byte x (every window starts from an empty context, so it decodes on its own), the byte that did not fit. After
  decoding j >= 1 bytes and a candidate next byte d, the decoder stops when d's code would not fit in b bits, or
  when x's would not and v is the *middle value* of the j bytes' interval (the b-bit value nearest its middle,
  `ArithmeticEncoder.grid`); else it keeps d. It also stops at the original length. The encoder writes the middle
  value of its window's interval and runs this very decoder one byte past the window; when it stops early (an
  earlier prefix with the same middle value, after which x would not fit either), other values of the interval
  are tried (up to 64, spread over it), which then must make d not fit. A window that none of them fixes goes
  into the file header's exception table (window index, byte count; `equalinfo_format.py`): exact, and the
  benchmark reports how often it happens (about 2% of windows with the n-gram model on wikitext-2).

The coded file (header, exception table, tokens) is `equalinfo_format.py`.

Not handled: streaming (the text is held in memory) and models that read beyond the window (M1 is reset per window
by design).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tokensmith.errors import ModelError
from tokensmith.lm.coder import ArithmeticDecoder, ArithmeticEncoder, encode_symbols
from tokensmith.lm.coding_model import CodingModel, TableSource

BITS_CHOICES = (16, 32)
TOKEN_BITS = 16
_PADDING_TRIES = 64


def floor_for_bits(bits: int) -> int:
    """The least byte frequency (of 2^16) that lets one byte alone fit a window of `bits` bits.

    A byte of frequency f costs at most log2(2^16 / f) + 1 shifts (one more for a straddling E3) plus the 2-bit
    flush; f = 2^(19 - bits) keeps that within `bits`.

    Args:
        bits: the window budget b (16 or 32).

    Example:
        >>> floor_for_bits(16), floor_for_bits(32)
        (8, 1)
    """
    check_bits(bits)
    return max(1, 1 << (19 - bits)) if bits < 19 else 1


def check_bits(bits: int) -> None:
    """Raise `ModelError` unless `bits` is a window budget this format supports (16 or 32).

    Args:
        bits: the requested b.

    Example:
        >>> check_bits(24)
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: --bits 24 is not supported: the window budget b must be 16 or 32 (1 or 2 16-bit tokens per window).
    """
    if bits not in BITS_CHOICES:
        raise ModelError(f"--bits {bits} is not supported: the window budget b must be 16 or 32 "
                         "(1 or 2 16-bit tokens per window).")  # fmt: skip


@dataclass(frozen=True)
class Windows:
    """The windows of one text: each a b-bit integer, with its byte count and the exception table.

    Args:
        bits: the window budget b.
        values: one b-bit integer per window (first bit = most significant).
        counts: the bytes each window holds.
        exceptions: (window index, byte count) for windows whose end the decoder cannot find by itself.

    Example:
        >>> w = Windows(bits=16, values=(0xABCD,), counts=(3,), exceptions=())
        >>> w.tokens().tolist(), w.bits_per_byte()
        ([43981], 5.333333333333333)
    """

    bits: int
    values: tuple[int, ...]
    counts: tuple[int, ...]
    exceptions: tuple[tuple[int, int], ...]

    def tokens(self) -> np.ndarray:
        """The 16-bit tokens, b / 16 per window, the window's high half first.

        Example:
            >>> Windows(bits=32, values=(0x00010002,), counts=(1,), exceptions=()).tokens().tolist()
            [1, 2]
        """
        per = self.bits // TOKEN_BITS
        out = np.zeros(len(self.values) * per, dtype=np.uint16)
        for i, v in enumerate(self.values):
            for j in range(per):
                out[i * per + j] = (v >> (TOKEN_BITS * (per - 1 - j))) & 0xFFFF
        return out

    def bits_per_byte(self) -> float:
        """Coded bits (padding included, header excluded) per byte of text.

        Example:
            >>> Windows(bits=16, values=(1, 2), counts=(4, 4), exceptions=()).bits_per_byte()
            4.0
        """
        return len(self.values) * self.bits / max(1, sum(self.counts))


def windows_from_tokens(tokens: np.ndarray, *, bits: int) -> list[int]:
    """The inverse of `Windows.tokens`: b-bit window values from 16-bit tokens.

    Args:
        tokens: (N,) uint16 tokens, N a multiple of b / 16.
        bits: the window budget b.

    Example:
        >>> windows_from_tokens(np.array([1, 2], dtype=np.uint16), bits=32) == [0x00010002]
        True
    """
    per = bits // TOKEN_BITS
    if len(tokens) % per:
        raise ModelError(f"{len(tokens)} tokens do not make whole {bits}-bit windows ({per} tokens each); "
                         "the file is truncated.")  # fmt: skip
    values = []
    for i in range(0, len(tokens), per):
        v = 0
        for t in tokens[i : i + per]:
            v = (v << TOKEN_BITS) | int(t)
        values.append(v)
    return values


def _to_bits(value: int, width: int) -> list[int]:
    return [(value >> (width - 1 - i)) & 1 for i in range(width)]


def _candidates(first: int, last: int, middle: int) -> list[int]:
    """Window values to try: the middle one first, then up to `_PADDING_TRIES` spread over [first, last]."""
    n = min(last - first + 1, _PADDING_TRIES)
    spread = [first + (i * (last - first + 1)) // n for i in range(n)]
    return [middle, *(v for v in spread if v != middle)]


def _grow(data: bytes, start: int, tables: TableSource, bits: int) -> tuple[ArithmeticEncoder, int]:
    """Code bytes from `start` while the flushed code stays <= bits; return the encoder and the byte count."""
    enc = ArithmeticEncoder(track=True)
    i = start
    while i < len(data):
        cum = tables.get(data[start:i])
        if enc.peek_length(cum, data[i]) > bits:
            break
        enc.encode(cum, data[i])
        i += 1
    if i == start:  # floor_for_bits makes this impossible: an internal invariant, not bad input
        raise AssertionError(f"byte {data[start]} at offset {start} does not fit a {bits}-bit window")
    return enc, i - start


def _window(data: bytes, start: int, tables: TableSource, bits: int) -> tuple[int, int, bool]:
    """One window from `start`: (its b-bit value, its byte count, whether `_decode_window` finds its end)."""
    enc, count = _grow(data, start, tables, bits)
    end = start + count
    first, last, middle = enc.grid(bits)
    if end == len(data):
        return middle, count, True  # the decoder stops at the original length
    want = data[start:end]
    for value in _candidates(first, last, middle):
        # the decoder itself, one byte past the window: it must stop exactly at its end
        if _decode_window(value, tables, bits, limit=count + 1, lookahead=data[end]) == want:
            return value, count, True
    return middle, count, False


def encode_windows(data: bytes, model: CodingModel, *, bits: int) -> Windows:
    """Cut `data` into Equal-Info Windows of `bits` bits each.

    Args:
        data: any bytes (invalid UTF-8 included).
        model: the byte model M1.
        bits: the window budget b, 16 or 32.

    Example:
        >>> from tokensmith.lm.byte_ngram import ByteNgram
        >>> lm = ByteNgram.train(b"the cat sat on the mat. " * 20, order=2)
        >>> w = encode_windows(b"the cat sat", lm, bits=16)
        >>> decode_windows(list(w.values), lm, bits=16, n_bytes=11, exceptions=w.exceptions)
        b'the cat sat'
    """
    check_bits(bits)
    tables = TableSource(model, floor=floor_for_bits(bits))
    values, counts, exceptions = [], [], []
    start = 0
    while start < len(data):
        value, count, found = _window(data, start, tables, bits)
        if not found:
            exceptions.append((len(values), count))
        values.append(value)
        counts.append(count)
        start += count
    return Windows(bits=bits, values=tuple(values), counts=tuple(counts), exceptions=tuple(exceptions))


def _ends_here(shadow: ArithmeticEncoder, cum: Sequence[int], decoded: int, lookahead: int | None, *, value: int,
               bits: int) -> bool:  # fmt: skip
    """The decoder's stop rule after the bytes `shadow` has coded (see the module docstring, "Where a window ends")."""
    if shadow.peek_length(cum, decoded) > bits:
        return True  # the decoded byte would not fit: the encoder cannot have coded it
    if lookahead is None or shadow.peek_length(cum, lookahead) <= bits:
        return False  # the next window's first byte would have fitted here: the window goes on
    return shadow.grid(bits)[2] == value  # the window is the middle value of this prefix's interval


def _decode_window(value: int, tables: TableSource, bits: int, *, limit: int, lookahead: int | None,
                   forced: int | None = None) -> bytes:  # fmt: skip
    """The bytes of one window (at most `limit`; exactly `forced` when the exception table says so).

    `lookahead` is the first byte of the next window (None for the last one), which decodes on its own because
    every window starts from an empty context.
    """
    dec = ArithmeticDecoder(_to_bits(value, bits))
    shadow = ArithmeticEncoder(track=True)  # re-codes the decoded bytes: the encoder's state, for the stop rule
    out = bytearray()
    while len(out) < (limit if forced is None else min(limit, forced)):
        cum = tables.get(bytes(out))
        symbol = dec.decode(cum)
        if forced is None and out and _ends_here(shadow, cum, symbol, lookahead, value=value, bits=bits):
            break
        shadow.encode(cum, symbol)
        out.append(symbol)
    return bytes(out)


def _first_byte(value: int, tables: TableSource, bits: int) -> int:
    return ArithmeticDecoder(_to_bits(value, bits)).decode(tables.get(b""))


def decode_windows(values: Sequence[int], model: CodingModel, *, bits: int, n_bytes: int,
                   exceptions: Sequence[tuple[int, int]] = ()) -> bytes:  # fmt: skip
    """The text back from its windows.

    Args:
        values: the b-bit window values.
        model: the same byte model that encoded them.
        bits: the window budget b.
        n_bytes: the original length.
        exceptions: the exception table (window index, byte count).

    Example:
        >>> from tokensmith.lm.byte_ngram import ByteNgram
        >>> lm = ByteNgram.train(b"", order=0)
        >>> w = encode_windows(bytes([255, 0, 128]), lm, bits=32)
        >>> decode_windows(list(w.values), lm, bits=32, n_bytes=3, exceptions=w.exceptions)
        b'\\xff\\x00\\x80'
    """
    check_bits(bits)
    tables = TableSource(model, floor=floor_for_bits(bits))
    forced = dict(exceptions)
    out = bytearray()
    for i, value in enumerate(values):
        if len(out) >= n_bytes:
            raise ModelError(f"window {i} lies past the original length {n_bytes}: the file is corrupt.")
        nxt = _first_byte(values[i + 1], tables, bits) if i + 1 < len(values) else None
        out += _decode_window(value, tables, bits, limit=n_bytes - len(out), lookahead=nxt, forced=forced.get(i))
    if len(out) != n_bytes:
        raise ModelError(f"the windows decode to {len(out)} of {n_bytes} bytes: the file is truncated.")
    return bytes(out)


def equalinfo_tokens(data: bytes, model: CodingModel, bits: int) -> np.ndarray:
    """The 16-bit token stream of `data` in Equal-Info Windows of `bits` bits: what an M2 trains on.

    Args:
        data: the text's bytes.
        model: the byte model M1.
        bits: the window budget b, 16 or 32.

    Example:
        >>> from tokensmith.lm.byte_ngram import ByteNgram
        >>> toks = equalinfo_tokens(b"abcabcabc", ByteNgram.train(b"abc" * 50, order=2), 16)
        >>> toks.dtype.name, toks.size < 9
        ('uint16', True)
    """
    check_bits(bits)
    return encode_windows(data, model, bits=bits).tokens()


def plain_code(data: bytes, model: CodingModel) -> list[int]:
    """The plain arithmetic code of `data` (the paper's AC baseline): one code, context = all bytes before.

    Args:
        data: the bytes.
        model: the byte model (its `context_key` bounds what it reads).

    Example:
        >>> from tokensmith.lm.byte_ngram import ByteNgram
        >>> lm = ByteNgram.train(b"abab" * 20, order=1)
        >>> plain_decode(plain_code(b"abab", lm), lm, n_bytes=4)
        b'abab'
    """
    tables = TableSource(model, floor=1)
    k = model.context_size
    return encode_symbols([tables.get(data[max(0, i - k) : i]) for i in range(len(data))], list(data))


def plain_decode(code: Sequence[int], model: CodingModel, *, n_bytes: int) -> bytes:
    """Decode `plain_code`'s bits (the original length is needed: the code has no end symbol).

    Args:
        code: the bits.
        model: the model that coded them.
        n_bytes: the original length.

    Example:
        >>> from tokensmith.lm.byte_ngram import ByteNgram
        >>> plain_decode([0, 1], ByteNgram.train(b"", order=0), n_bytes=0)
        b''
    """
    tables = TableSource(model, floor=1)
    dec = ArithmeticDecoder(code)
    out = bytearray()
    k = model.context_size
    for _ in range(n_bytes):
        out.append(dec.decode(tables.get(bytes(out[max(0, len(out) - k) :]))))
    return bytes(out)
