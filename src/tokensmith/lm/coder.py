"""An exact integer arithmetic coder over integer frequency tables, and the quantizer that makes those tables.

The coder follows Witten, Neal & Cleary, "Arithmetic Coding for Data Compression" (CACM 30(6), 1987, section
"Implementation", figures 3-4): 32-bit `low`/`high` registers, the three renormalizations E1 (interval in the
lower half: emit 0), E2 (upper half: emit 1) and E3 (straddling the middle half: count a pending "underflow" bit
that the next E1/E2 resolves), and the two-bit flush. Python integers cannot overflow, but the registers are kept
to 32 bits exactly as in the paper, so every quantity is the same integer on every machine.

A table is a cumulative list `cum` of 257 ints: symbol `s` owns `[cum[s], cum[s+1])` of `cum[-1]` (the total,
at most 2^24 so that every symbol with frequency >= 1 keeps a non-empty interval while the range exceeds 2^30).

The code length is known at every step without flushing: every renormalization shift either emits one bit or
adds one pending bit, so after the shifts so far the flushed code would be `shifts + 2` bits long. Equal-Info
Windows (`equalinfo.py`) use `peek_length` to test whether one more byte still fits the window.

Bounds (checked in tests/lm/test_coder.py): the flushed length is within 2 bits (plus a rounding term of at most
n * log2(1 / (1 - total / 2^30)) bits for n symbols) of the information content sum(-log2 q) of the coded symbols;
the decoder reads zeros past the end of its bits, and any bits appended after a flushed code decode the same.

Not handled here: adaptive tables (the caller passes one table per symbol) and streaming to a file.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

from tokensmith.errors import ModelError

PRECISION = 32
_TOP = (1 << PRECISION) - 1
_HALF = 1 << (PRECISION - 1)
_QUARTER = 1 << (PRECISION - 2)
_THREE_QUARTERS = _HALF + _QUARTER
MAX_TOTAL = 1 << 24
DEFAULT_TOTAL = 1 << 16


def quantize(probs: np.ndarray, *, total: int = DEFAULT_TOTAL, floor: int = 1) -> np.ndarray:
    """Integer frequencies summing to `total`, every one >= `floor`, close to `probs` (largest remainder).

    Deterministic: the same float64 input gives the same integers on every machine (ties go to the lower symbol).

    Args:
        probs: (V,) non-negative weights (need not sum to 1), float64 preferred.
        total: the fixed sum of the frequencies.
        floor: the least frequency of every symbol (>= 1, so every byte can be coded).

    Example:
        >>> quantize(np.array([0.5, 0.25, 0.25, 0.0]), total=16).tolist()  # 12 spare units shared 6:3:3:0, then +1 each
        [7, 4, 4, 1]
    """
    p = np.asarray(probs, dtype=np.float64)
    spare = total - floor * p.size
    if floor < 1 or spare < 0:
        raise ModelError(f"cannot give {p.size} symbols at least {floor} of {total} each; use a larger total.")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or p.sum() <= 0:
        raise ModelError("a byte model returned a distribution with negative, non-finite or all-zero weights.")
    share = p / p.sum() * spare  # (V,) the spare mass in real numbers
    freqs = np.floor(share).astype(np.int64)
    left = spare - int(freqs.sum())
    if left > 0:
        order = np.argsort(-(share - freqs), kind="stable")  # largest remainders first, ties by index
        freqs[order[:left]] += 1
    return freqs + floor


def cumulative(freqs: np.ndarray) -> list[int]:
    """The cumulative table the coder reads: V+1 Python ints from 0 to the total (a list: the coder indexes it
    once or twice per symbol, and Python ints never overflow).

    Args:
        freqs: (V,) positive integer frequencies, total at most 2^24.

    Example:
        >>> cumulative(np.array([3, 1, 4]))
        [0, 3, 4, 8]
    """
    f = np.asarray(freqs, dtype=np.int64)
    if f.ndim != 1 or np.any(f < 1):
        raise ModelError("frequency tables must be one-dimensional with every frequency >= 1.")
    cum = np.zeros(f.size + 1, dtype=np.int64)
    np.cumsum(f, out=cum[1:])
    if int(cum[-1]) > MAX_TOTAL:
        raise ModelError(f"a frequency total of {int(cum[-1])} exceeds the coder's limit {MAX_TOTAL}; "
                         "quantize to a smaller total.")  # fmt: skip
    return cum.tolist()


def information_bits(cums: Sequence[Sequence[int]], symbols: Sequence[int]) -> float:
    """The information content sum(-log2 q) of `symbols` under their quantized tables, in bits.

    Args:
        cums: one cumulative table per symbol.
        symbols: the coded symbols.

    Example:
        >>> information_bits([cumulative(np.array([1, 1, 2]))] * 2, [2, 0])
        3.0
    """
    return float(sum(-np.log2((c[s + 1] - c[s]) / c[-1]) for c, s in zip(cums, symbols)))


def _narrow(low: int, high: int, cum: Sequence[int], symbol: int) -> tuple[int, int]:
    """The sub-interval of `symbol` inside [low, high] (WNC figure 3, `encode_symbol`)."""
    span = high - low + 1
    total = cum[-1]
    return low + span * cum[symbol] // total, low + span * cum[symbol + 1] // total - 1


def _renorm(low: int, high: int) -> tuple[int, int, int, int, int]:
    """All of WNC's renormalizations at once: (low, high, n1, top, n3).

    E1/E2 shifts come first and remove the `n1` leading bits that low and high share (`top`, the bits the encoder
    emits); then the interval straddles the middle, so only E3 shifts can follow: `n3` of them, while low's next
    bit is 1 and high's is 0, each removing the bit below the top one. `_renorm_slow` is the one-shift-at-a-time
    loop of the paper that tests check this against.
    """
    n1 = PRECISION - (low ^ high).bit_length()  # low < high always: the range exceeds 2^30 * 2^-24
    top = low >> (PRECISION - n1)
    if n1:
        low, high = (low << n1) & _TOP, ((high << n1) & _TOP) | ((1 << n1) - 1)
    run = ((low & ~high) << 1) & _TOP  # bit 31: low's second bit is 1 and high's is 0, and so on down
    n3 = PRECISION - (run ^ _TOP).bit_length()
    if n3:
        low = (low & _HALF) | ((low << n3) & (_HALF - 1))
        high = (high & _HALF) | (((high << n3) | ((1 << n3) - 1)) & (_HALF - 1))
    return low, high, n1, top, n3


def _renorm_slow(low: int, high: int) -> tuple[int, int, list[int]]:
    """The reference: WNC's loop, one shift at a time; returns low, high and the shift kinds (0/1 = E1/E2, 2 = E3)."""
    kinds = []
    while True:
        if high < _HALF:
            kind = 0
        elif low >= _HALF:
            kind = 1
        elif low >= _QUARTER and high < _THREE_QUARTERS:
            kind = 2
        else:
            return low, high, kinds
        offset = (0, _HALF, _QUARTER)[kind]
        low, high = 2 * (low - offset), 2 * (high - offset) + 1
        kinds.append(kind)


def _bit_list(value: int, n: int) -> list[int]:
    return [(value >> i) & 1 for i in range(n - 1, -1, -1)]


class ArithmeticEncoder:
    """The encoder: feed (table, symbol) pairs, then `finish()` for the bits.

    Args:
        track: also track the interval's absolute position (`grid`); costs a growing integer, so only for short
            codes such as Equal-Info windows.

    Example:
        >>> cum = cumulative(np.array([1, 1, 2]))
        >>> enc = ArithmeticEncoder()
        >>> for s in [2, 0, 2]:
        ...     enc.encode(cum, s)
        >>> bits = enc.finish()
        >>> dec = ArithmeticDecoder(bits)
        >>> [dec.decode(cum) for _ in range(3)]
        [2, 0, 2]
    """

    def __init__(self, *, track: bool = False) -> None:
        self.low, self.high = 0, _TOP
        self.pending = 0
        self.shifts = 0
        self.bits: list[int] = []
        self.track = track
        self.base = 0  # with `track`: the absolute position of register 0, in units of 2^-(32 + shifts)

    @property
    def length(self) -> int:
        """Bits the code would have if it were flushed now (shifts so far + the 2-bit flush).

        Example:
            >>> ArithmeticEncoder().length
            2
        """
        return self.shifts + 2

    def peek_length(self, cum: Sequence[int], symbol: int) -> int:
        """The flushed length after coding `symbol` next, without changing the encoder.

        Args:
            cum: the symbol's cumulative table.
            symbol: the candidate symbol.

        Example:
            >>> ArithmeticEncoder().peek_length(cumulative(np.array([1, 3])), 0)  # q = 1/4: 2 shifts + 2
            4
        """
        _, _, n1, _, n3 = _renorm(*_narrow(self.low, self.high, cum, symbol))
        return self.shifts + n1 + n3 + 2

    def encode(self, cum: Sequence[int], symbol: int) -> None:
        """Code one symbol.

        Args:
            cum: the symbol's cumulative table.
            symbol: the symbol, 0 <= symbol < len(cum) - 1.

        Example:
            >>> enc = ArithmeticEncoder()
            >>> enc.encode(cumulative(np.array([1, 3])), 1)
            >>> enc.length  # q = 3/4 needs no shift yet
            2
        """
        self.low, self.high, n1, top, n3 = _renorm(*_narrow(self.low, self.high, cum, symbol))
        if n1:
            first = top >> (n1 - 1)
            self._emit(first)
            self.bits.extend(_bit_list(top, n1 - 1))
        self.pending += n3
        self.shifts += n1 + n3
        if self.track:  # E1/E2 add their bits at the top; each E3 adds 2^31 before doubling
            self.base = (((self.base << n1) + (top << PRECISION)) << n3) + (_HALF * ((1 << n3) - 1))

    def grid(self, bits: int) -> tuple[int, int, int]:
        """The b-bit values v whose point v / 2^b lies in the current interval: (first, last, the one nearest the
        middle, ties down). Decoding any of them (zeros after) gives back every symbol coded so far.

        Needs `track=True` and `length <= bits` (then at least the flushed code is such a value).

        Args:
            bits: b, the number of bits of the values.

        Example:
            >>> enc = ArithmeticEncoder(track=True)
            >>> enc.encode(cumulative(np.array([3, 1])), 1)  # [3/4, 1): 4-bit values 12..15
            >>> enc.grid(4)
            (12, 15, 14)
        """
        if not self.track or self.length > bits:
            raise AssertionError("grid() needs track=True and a code of at most `bits` bits")
        unit = 1 << (PRECISION + self.shifts - bits)  # one b-bit step in the interval's units
        a, b = self.base + self.low, self.base + self.high + 1  # the real interval [a, b)
        first, last = -(-a // unit), (b - 1) // unit
        mid = min(max((a + b) // (2 * unit), first), last)
        if mid < last and abs(2 * (mid + 1) * unit - a - b) < abs(2 * mid * unit - a - b):
            mid += 1
        return first, last, mid

    def _emit(self, bit: int) -> None:
        self.bits.append(bit)
        self.bits.extend([1 - bit] * self.pending)
        self.pending = 0

    def flushed(self) -> list[int]:
        """The bits `finish()` would return now, without changing the encoder (`length` of them).

        Example:
            >>> enc = ArithmeticEncoder()
            >>> enc.encode(cumulative(np.array([3, 1])), 1)  # q = 1/4: the top quarter, two 1 bits out
            >>> enc.flushed(), enc.length
            ([1, 1, 0, 1], 4)
        """
        bit = 0 if self.low < _QUARTER else 1  # WNC `done_encoding`: one more pending bit, then that bit
        return [*self.bits, bit, *([1 - bit] * (self.pending + 1))]

    def finish(self) -> list[int]:
        """Flush (WNC `done_encoding`) and return all bits; the encoder must not be used afterwards.

        Example:
            >>> ArithmeticEncoder().finish()  # nothing coded: the two flush bits
            [0, 1]
        """
        self.bits = self.flushed()
        self.pending = 0
        return self.bits


class ArithmeticDecoder:
    """The decoder over a bit sequence; bits past the end read as 0.

    Args:
        bits: the code, a sequence of 0/1 ints.

    Example:
        >>> ArithmeticDecoder([]).decode(cumulative(np.array([1, 1])))
        0
    """

    def __init__(self, bits: Sequence[int]) -> None:
        self.bits = bits
        self.pos = 0
        self.low, self.high = 0, _TOP
        self.shifts = 0
        self.value = self._read(PRECISION)

    def _read(self, n: int) -> int:
        """The next n bits as an integer (zeros past the end)."""
        chunk = self.bits[self.pos : self.pos + n]
        self.pos += n
        v = 0
        for bit in chunk:
            v = 2 * v + bit
        return v << (n - len(chunk))

    @property
    def length(self) -> int:
        """The flushed length of the encoder that coded the symbols decoded so far (its `length` mirror).

        Example:
            >>> ArithmeticDecoder([1, 0]).length
            2
        """
        return self.shifts + 2

    def decode(self, cum: Sequence[int]) -> int:
        """Decode one symbol with the table the encoder used for it.

        Args:
            cum: the cumulative table.

        Example:
            >>> ArithmeticDecoder([1, 1]).decode(cumulative(np.array([1, 1])))  # 0.11... lies in the upper half
            1
        """
        span = self.high - self.low + 1
        target = ((self.value - self.low + 1) * cum[-1] - 1) // span
        symbol = bisect.bisect_right(cum, target) - 1
        self.low, self.high, n1, _, n3 = _renorm(*_narrow(self.low, self.high, cum, symbol))
        v = self.value
        if n1:
            v = ((v << n1) & _TOP) | self._read(n1)
        if n3:
            v = (v & _HALF) | ((v << n3) & (_HALF - 1)) | self._read(n3)
        self.value = v
        self.shifts += n1 + n3
        return symbol


def encode_symbols(cums: Sequence[Sequence[int]], symbols: Sequence[int]) -> list[int]:
    """Code a whole sequence (one table per symbol) and flush: the plain arithmetic code.

    Args:
        cums: one cumulative table per symbol.
        symbols: the symbols.

    Example:
        >>> cum = cumulative(np.array([1, 1, 2]))
        >>> decode_symbols(encode_symbols([cum] * 4, [2, 2, 0, 1]), [cum] * 4)
        [2, 2, 0, 1]
    """
    enc = ArithmeticEncoder()
    for cum, s in zip(cums, symbols, strict=True):
        enc.encode(cum, s)
    return enc.finish()


def decode_symbols(bits: Sequence[int], cums: Sequence[Sequence[int]]) -> list[int]:
    """Decode one symbol per table (the tables must not depend on the decoded symbols; see `equalinfo` for that).

    Args:
        bits: the code.
        cums: the tables, in order.

    Example:
        >>> decode_symbols([0, 1], [])
        []
    """
    dec = ArithmeticDecoder(bits)
    return [dec.decode(cum) for cum in cums]
