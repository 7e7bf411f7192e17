"""M2: a decoder-only LM over text compressed by a byte model M1 (plain arithmetic code or Equal-Info Windows).

"Training LLMs over Neurally Compressed Text" (Lester et al., 2024), sections 3-4: a small byte model M1 drives an
arithmetic coder; the code is cut into fixed-width tokens and a second model M2 learns to predict them. Plain
arithmetic coding (one code over the whole text) is the paper's AC baseline, which it finds M2 cannot learn;
Equal-Info Windows (`lm/equalinfo.py`: the coder and M1 reset whenever a window's code reaches b bits) are what it
finds learnable. Here `bits = 0` is plain AC, `bits = 16 | 32` Equal-Info with that window budget.

Bits per byte of M2 are its cross-entropy over the code tokens divided by the raw UTF-8 bytes they code (section
4, "bits/byte"), so a model that learns nothing about the code scores about M1's compression rate × the overhead
of the windows, and one that learns something scores below it. M1's own cost is not counted (as in the paper).

`token_bits` (8 or 16) is the width of M2's tokens. The paper uses 16 bits (`tokensmith lm equalinfo` writes
16-bit tokens); at toy width a 65,536-way tied head would take most of an equal-FLOPs budget, so 8 bits (two
tokens per 16-bit token, high byte first) is the default here and the choice is recorded in the config.
A text is coded in the chunks `tokensmith.lm.bpb` scores (each chunk its own code, so chunks stay independent);
codes are cached in memory per chunk and on disk for training texts (`.npy` under `cache_dir()`, keyed by M1's
fingerprint, the settings and the text's sha256).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tokensmith import atomic
from tokensmith.cache import cache_dir
from tokensmith.errors import ModelError
from tokensmith.lm.sequence import SequenceConfig, SequenceLM

ARCH = "compressed"
TOKEN_BITS = (8, 16)
WINDOW_BITS = (0, 16, 32)  # 0: plain arithmetic coding


@dataclass(frozen=True)
class CompressedConfig:
    """M2's size and what it reads.

    Args:
        coding_model: directory of M1 (`tokensmith lm equalinfo ngram` or an lm checkpoint of arch 'byte').
        coding_fingerprint: M1's fingerprint, recorded at training and checked when the model is rebuilt ('' to
            take whatever `coding_model` holds).
        bits: the Equal-Info window budget b (16 or 32), or 0 for plain arithmetic coding.
        token_bits: width of M2's tokens, 8 or 16.
        n_layer, n_head, n_embd, block_size: as in `SequenceConfig` (the context counts tokens, BOS included).

    Example:
        >>> CompressedConfig(coding_model="m1").token_bits
        8
    """

    coding_model: str = ""
    coding_fingerprint: str = ""
    bits: int = 16
    token_bits: int = 8
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    block_size: int = 128


def pack_bits(bits: list[int], width: int) -> np.ndarray:
    """A bit list (most significant first) as `width`-bit tokens; the last one is padded with zeros.

    Args:
        bits: 0/1 values.
        width: 8 or 16.

    Example:
        >>> pack_bits([1, 0, 1], 8).tolist()  # 101 padded: 1010 0000
        [160]
    """
    if not bits:
        return np.zeros(0, np.int64)
    arr = np.zeros(-(-len(bits) // width) * width, dtype=np.uint8)
    arr[: len(bits)] = bits
    weights = 1 << np.arange(width - 1, -1, -1, dtype=np.int64)
    return arr.reshape(-1, width).astype(np.int64) @ weights


def split_tokens(tokens: np.ndarray, width: int) -> np.ndarray:
    """16-bit tokens as `width`-bit tokens (8: high byte, then low byte).

    Args:
        tokens: (n,) 16-bit tokens.
        width: 8 or 16.

    Example:
        >>> split_tokens(np.array([0x1234], dtype=np.uint16), 8).tolist()
        [18, 52]
    """
    t = np.asarray(tokens, dtype=np.int64)
    return t if width == 16 else np.stack([t >> 8, t & 0xFF], axis=1).reshape(-1)


class CompressedLM(SequenceLM):
    """A causal transformer over the code tokens of M1-compressed text.

    Args:
        config: the settings; `coding_model` must name M1's directory.

    Example:
        >>> import tempfile
        >>> from tokensmith.lm.byte_ngram import ByteNgram
        >>> m1 = ByteNgram.train(b"abcabc" * 50, order=2).save(tempfile.mkdtemp())
        >>> lm = CompressedLM(CompressedConfig(coding_model=str(m1), n_layer=1, n_head=1, n_embd=8, block_size=16))
        >>> lm.count_tokens(b"abcabcabc") < 9, lm.chunk_logprobs(b"abcabcabc").shape == (lm.count_tokens(b"abcabcabc"),)
        (True, True)
    """

    arch = ARCH
    unit = "tokens"

    def __init__(self, config: CompressedConfig) -> None:
        from tokensmith.lm.coding_model import load_coding_model

        if config.bits not in WINDOW_BITS or config.token_bits not in TOKEN_BITS:
            raise ModelError(f"compressed: bits={config.bits}, token_bits={config.token_bits}; bits takes 0 (plain "
                             "arithmetic coding), 16 or 32, and token_bits 8 or 16 (--set bits=16 --set "
                             "token_bits=8).")  # fmt: skip
        if not config.coding_model:
            raise ModelError("compressed: no M1. Pass --set coding_model=DIR (a directory from `tokensmith lm "
                             "equalinfo ngram`, or an lm checkpoint of arch 'byte').")  # fmt: skip
        self.m1 = load_coding_model(config.coding_model)
        if config.coding_fingerprint and config.coding_fingerprint != self.m1.fingerprint:
            raise ModelError(f"compressed: {config.coding_model} is not the M1 this model was trained on (fingerprint "
                             f"{self.m1.fingerprint[:12]}…, recorded {config.coding_fingerprint[:12]}…); pass the "
                             "original M1 with --set coding_model=DIR.")  # fmt: skip
        super().__init__(SequenceConfig(vocab_size=1 << config.token_bits, n_layer=config.n_layer,
                                        n_head=config.n_head, n_embd=config.n_embd,
                                        block_size=config.block_size))  # fmt: skip
        self.compressed_config = config
        self._codes: dict[bytes, np.ndarray] = {}

    @property
    def resolved_config(self) -> CompressedConfig:
        """The config with M1's absolute path and fingerprint filled in: what a checkpoint records.

        Example:
            >>> import tempfile
            >>> from tokensmith.lm.byte_ngram import ByteNgram
            >>> m1 = ByteNgram.train(b"ab" * 20, order=1).save(tempfile.mkdtemp())
            >>> lm = CompressedLM(CompressedConfig(coding_model=str(m1), n_layer=1, n_head=1, n_embd=8))
            >>> lm.resolved_config.coding_fingerprint == lm.m1.fingerprint
            True
        """
        c = self.compressed_config
        return dataclasses.replace(c, coding_model=str(Path(c.coding_model).resolve()),
                                   coding_fingerprint=self.m1.fingerprint)  # fmt: skip

    def code(self, data: bytes) -> np.ndarray:
        """The code tokens of `data` (memoized per input).

        Args:
            data: raw bytes.

        Example:
            >>> import tempfile
            >>> from tokensmith.lm.byte_ngram import ByteNgram
            >>> m1 = ByteNgram.train(b"ab" * 20, order=1).save(tempfile.mkdtemp())
            >>> lm = CompressedLM(CompressedConfig(coding_model=str(m1), bits=0, n_layer=1, n_head=1, n_embd=8))
            >>> int(lm.code(b"abab").max()) < 256
            True
        """
        key = hashlib.sha256(data).digest()
        if key not in self._codes:
            if len(self._codes) > 4096:
                self._codes.clear()
            self._codes[key] = self._code(data)
        return self._codes[key]

    def _code(self, data: bytes) -> np.ndarray:
        from tokensmith.lm.equalinfo import equalinfo_tokens, plain_code

        c = self.compressed_config
        if c.bits == 0:
            return pack_bits(plain_code(data, self.m1), c.token_bits)
        return split_tokens(equalinfo_tokens(data, self.m1, c.bits), c.token_bits)

    def prepare(self, text: str) -> np.ndarray:
        """The training stream: the text's code tokens (cached on disk: coding is slow).

        Args:
            text: the training text.

        Example:
            >>> import tempfile
            >>> from tokensmith.lm.byte_ngram import ByteNgram
            >>> m1 = ByteNgram.train(b"ab" * 20, order=1).save(tempfile.mkdtemp())
            >>> lm = CompressedLM(CompressedConfig(coding_model=str(m1), n_layer=1, n_head=1, n_embd=8))
            >>> lm.prepare("abab").dtype.name
            'int64'
        """
        data = text.encode("utf-8")
        c = self.compressed_config
        name = f"{self.m1.fingerprint[:24]}-b{c.bits}-t{c.token_bits}-{hashlib.sha256(data).hexdigest()[:24]}.npy"
        path = cache_dir("lm-compressed") / name
        if path.is_file():
            return np.load(path, allow_pickle=False).astype(np.int64)
        tokens = self._code(data)
        buffer = io.BytesIO()
        np.save(buffer, tokens, allow_pickle=False)
        atomic.write_bytes(path, buffer.getvalue())
        return tokens

    def count_tokens(self, chunk: bytes) -> int:
        """Code tokens of a chunk.

        Args:
            chunk: the bytes.

        Example:
            >>> import tempfile
            >>> from tokensmith.lm.byte_ngram import ByteNgram
            >>> m1 = ByteNgram.train(b"ab" * 20, order=1).save(tempfile.mkdtemp())
            >>> CompressedLM(CompressedConfig(coding_model=str(m1), n_layer=1, n_head=1, n_embd=8)).count_tokens(b"")
            0
        """
        return len(self.code(chunk))

    def chunk_logprobs(self, chunk: bytes) -> np.ndarray:
        """Natural-log probability of each code token of a chunk (its own code, scored from BOS).

        Args:
            chunk: the bytes to score.

        Example:
            >>> import tempfile
            >>> from tokensmith.lm.byte_ngram import ByteNgram
            >>> m1 = ByteNgram.train(b"ab" * 20, order=1).save(tempfile.mkdtemp())
            >>> lm = CompressedLM(CompressedConfig(coding_model=str(m1), n_layer=1, n_head=1, n_embd=8))
            >>> lm.chunk_logprobs(b"").shape
            (0,)
        """
        tokens = self.code(chunk)
        return self.stream_logprobs(tokens) if len(tokens) else np.zeros(0)
