"""The byte-level LM: a decoder-only transformer over raw UTF-8 bytes (256 symbols, no tokenizer).

The byte baseline of "ByT5: Towards a Token-Free Future with Pre-trained Byte-to-Byte Models" (Xue et al., 2022,
section 3) and of MEGABYTE's comparisons (Yu et al., 2023, section 5), here decoder-only: `sequence.SequenceLM`
with vocabulary 256 and a BOS input id 256. Training windows and scored windows are BOS + bytes.

`next_byte_logits` is the interface that Equal-Info Windows' arithmetic coder drives (`lm/equalinfo.py`): row t
of its output is the distribution of byte t given the bytes before it, so one call over a window gives every
probability the coder needs, and decoding byte t needs only `context[:, :t]` (pass anything at t and after).
Not handled: contexts longer than `block_size` in one call (score long text with `stream_logprobs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from tokensmith.errors import ModelError
from tokensmith.lm.sequence import SequenceConfig, SequenceLM

ARCH = "byte"


@dataclass(frozen=True)
class ByteConfig:
    """The byte model's size (its vocabulary is always the 256 byte values).

    Args:
        n_layer: transformer blocks.
        n_head: attention heads.
        n_embd: width.
        block_size: context in bytes, BOS included.

    Example:
        >>> ByteConfig(n_layer=1).n_embd
        64
    """

    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    block_size: int = 256


class ByteLM(SequenceLM):
    """A causal transformer over bytes.

    Args:
        config: the model's size.

    Example:
        >>> lm = ByteLM(ByteConfig(n_layer=1, n_head=1, n_embd=8, block_size=16))
        >>> tuple(lm.next_byte_logits(torch.tensor([[104, 105]], dtype=torch.uint8)).shape)
        (1, 2, 256)
    """

    arch = ARCH
    unit = "bytes"

    def __init__(self, config: ByteConfig) -> None:
        c = config
        super().__init__(SequenceConfig(vocab_size=256, n_layer=c.n_layer, n_head=c.n_head, n_embd=c.n_embd,
                                        block_size=c.block_size))  # fmt: skip
        self.byte_config = config

    def next_byte_logits(self, context: torch.Tensor) -> torch.Tensor:
        """Logits of each byte given the bytes before it: row t is the distribution of byte t | context[:, :t].

        Args:
            context: (B, T) uint8 (or int64) bytes, T <= block_size; row t never depends on context[:, t:].

        Example:
            >>> lm = ByteLM(ByteConfig(n_layer=1, n_head=1, n_embd=8, block_size=8))
            >>> a = lm.next_byte_logits(torch.tensor([[1, 2, 3]], dtype=torch.uint8))
            >>> b = lm.next_byte_logits(torch.tensor([[1, 2, 9]], dtype=torch.uint8))
            >>> bool(torch.equal(a[:, :3], b[:, :3]))  # byte 2 is predicted from bytes 0 and 1 only
            True
        """
        ids = context.to(torch.long)  # (B, T)
        if ids.shape[1] > self.config.block_size:
            raise ModelError(f"a context of {ids.shape[1]} bytes is longer than this byte model's block_size "
                             f"{self.config.block_size}; cut the input into windows of at most that many bytes.")  # fmt: skip
        bos = torch.full_like(ids[:, :1], self.bos_id)
        return self(torch.cat([bos, ids[:, :-1]], dim=1))  # (B, T, 256)

    def prepare(self, text: str) -> np.ndarray:
        """The training stream: the text's UTF-8 bytes.

        Args:
            text: the training text.

        Example:
            >>> ByteLM(ByteConfig(n_layer=1, n_head=1, n_embd=8, block_size=8)).prepare("hé").tolist()
            [104, 195, 169]
        """
        return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)

    def count_tokens(self, chunk: bytes) -> int:
        """Positions the model reads for a chunk: one per byte.

        Args:
            chunk: the bytes.

        Example:
            >>> ByteLM(ByteConfig(n_layer=1, n_head=1, n_embd=8, block_size=8)).count_tokens("é".encode())
            2
        """
        return len(chunk)

    def chunk_logprobs(self, chunk: bytes) -> np.ndarray:
        """Natural-log probability of each byte of a chunk (scored from BOS), one value per byte.

        Args:
            chunk: the bytes to score.

        Example:
            >>> ByteLM(ByteConfig(n_layer=1, n_head=1, n_embd=8, block_size=8)).chunk_logprobs(b"abc").shape
            (3,)
        """
        return self.stream_logprobs(np.frombuffer(chunk, dtype=np.uint8).astype(np.int64))
