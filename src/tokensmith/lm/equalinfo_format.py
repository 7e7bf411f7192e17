"""The Equal-Info coded file: a small header, then the 16-bit tokens.

Layout (all integers big-endian):

    magic      4 bytes  b"TSEW"
    version    u8       1
    bits       u8       the window budget b: 16 or 32
    model      32 bytes sha256 fingerprint of the byte model (its weights/counts and config)
    length     u64      the original length in bytes
    exceptions u32      how many windows the exception table names, then per window two LEB128 varints:
                        the window index minus the previous one, and the window's byte count
    tokens     u16 each b / 16 per window, the window's high half first

The exception table is the rare case of `equalinfo.py`'s "Where a window ends". Decoding checks the magic, the
version, b and the fingerprint before reading a token, and names what is wrong and how to fix it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from tokensmith.errors import ModelError
from tokensmith.lm.coding_model import CodingModel
from tokensmith.lm.equalinfo import check_bits, decode_windows, encode_windows, windows_from_tokens

MAGIC = b"TSEW"
VERSION = 1
_FIXED = struct.Struct(">4sBB32sQI")  # magic, version, bits, fingerprint, length, exceptions


@dataclass(frozen=True)
class Header:
    """The fixed part of the header and the exception table.

    Args:
        bits: the window budget b.
        fingerprint: the model's sha256, 64 hex digits.
        n_bytes: the original length.
        exceptions: (window index, byte count) pairs, by increasing window.

    Example:
        >>> h = Header(bits=16, fingerprint="ab" * 32, n_bytes=5, exceptions=((3, 7),))
        >>> Header.unpack(h.pack())[0] == h, len(h.pack())
        (True, 52)
    """

    bits: int
    fingerprint: str
    n_bytes: int
    exceptions: tuple[tuple[int, int], ...]

    def pack(self) -> bytes:
        """The header's bytes.

        Example:
            >>> len(Header(bits=32, fingerprint="00" * 32, n_bytes=0, exceptions=()).pack())
            50
        """
        out = bytearray(_FIXED.pack(MAGIC, VERSION, self.bits, bytes.fromhex(self.fingerprint), self.n_bytes,
                                    len(self.exceptions)))  # fmt: skip
        previous = 0
        for window, count in self.exceptions:
            out += _varint(window - previous) + _varint(count)
            previous = window
        return bytes(out)

    @classmethod
    def unpack(cls, blob: bytes) -> tuple[Header, int]:
        """Parse a header; return it and the offset where the tokens start.

        Args:
            blob: the file's bytes.

        Example:
            >>> Header.unpack(b"GIF89a" + bytes(60))
            Traceback (most recent call last):
            ...
            tokensmith.errors.ModelError: not an Equal-Info file: it starts with b'GIF8', not b'TSEW'. Pass a file written by `tokensmith lm equalinfo encode`.
        """
        if len(blob) < _FIXED.size or blob[:4] != MAGIC:
            raise ModelError(f"not an Equal-Info file: it starts with {bytes(blob[:4])!r}, not {MAGIC!r}. "
                             "Pass a file written by `tokensmith lm equalinfo encode`.")  # fmt: skip
        _, version, bits, fingerprint, n_bytes, n_exc = _FIXED.unpack_from(blob)
        if version != VERSION:
            raise ModelError(f"this Equal-Info file has format version {version}; this tokensmith reads version "
                             f"{VERSION}. Decode it with the tokensmith that wrote it.")  # fmt: skip
        check_bits(bits)
        pos, previous, exceptions = _FIXED.size, 0, []
        for _ in range(n_exc):
            delta, pos = _read_varint(blob, pos)
            count, pos = _read_varint(blob, pos)
            previous += delta
            exceptions.append((previous, count))
        return cls(bits=bits, fingerprint=fingerprint.hex(), n_bytes=n_bytes, exceptions=tuple(exceptions)), pos


def _varint(n: int) -> bytes:
    """LEB128: 7 bits per byte, low bits first, the top bit set on every byte but the last."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(blob: bytes, pos: int) -> tuple[int, int]:
    n, shift = 0, 0
    while True:
        if pos >= len(blob):
            raise ModelError("the Equal-Info header's exception table is cut short: the file is truncated.")
        byte = blob[pos]
        n |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return n, pos


def encode_bytes(data: bytes, model: CodingModel, *, bits: int) -> bytes:
    """The coded file of `data`: header, then the tokens of its Equal-Info Windows.

    Args:
        data: any bytes.
        model: the byte model M1.
        bits: the window budget b, 16 or 32.

    Example:
        >>> from tokensmith.lm.byte_ngram import ByteNgram
        >>> lm = ByteNgram.train(b"hello hello hello", order=2)
        >>> decode_bytes(encode_bytes(b"\\xffhello", lm, bits=16), lm)
        b'\\xffhello'
    """
    check_bits(bits)
    windows = encode_windows(data, model, bits=bits)
    header = Header(bits=bits, fingerprint=model.fingerprint, n_bytes=len(data), exceptions=windows.exceptions)
    return header.pack() + windows.tokens().astype(">u2").tobytes()


def decode_bytes(blob: bytes, model: CodingModel) -> bytes:
    """The original bytes of a coded file; the model must be the one that coded it (its fingerprint is checked).

    Args:
        blob: the coded file's bytes.
        model: the byte model.

    Example:
        >>> from tokensmith.lm.byte_ngram import ByteNgram
        >>> blob = encode_bytes(b"abc", ByteNgram.train(b"abc", order=1), bits=32)
        >>> decode_bytes(blob, ByteNgram.train(b"xyz", order=1))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: this file was coded with model ... but --model is ...; decode with the model that encoded it.
    """
    header, pos = Header.unpack(blob)
    if header.fingerprint != model.fingerprint:
        raise ModelError(f"this file was coded with model {header.fingerprint[:16]}… but --model is "
                         f"{model.fingerprint[:16]}…; decode with the model that encoded it.")  # fmt: skip
    if (len(blob) - pos) % 2:
        raise ModelError("the token payload has an odd number of bytes: the file is truncated.")
    tokens = np.frombuffer(blob, dtype=">u2", offset=pos)
    values = windows_from_tokens(tokens, bits=header.bits)
    return decode_windows(values, model, bits=header.bits, n_bytes=header.n_bytes, exceptions=header.exceptions)
