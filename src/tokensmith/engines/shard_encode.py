"""One shard's work: bytes → documents (strict UTF-8) → token ids as flat numpy arrays.

A shard is a run of whole lines of one input file; each line is one document. `decode_shard` names the file and
the byte offset (in that file) of the first byte that is not UTF-8; `encode_shard` encodes the documents with one
`Tokenizer.encode_batch` call and returns ids (T,) in the dtype the vocabulary needs and document offsets (D+1,).
The same function runs in this process (`local`) and in a Ray task (`ray`), so both engines give the same ids.

Not handled: compressed inputs (byte offsets would point into the compressed stream) and documents that span lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tokensmith.errors import CorpusError
from tokensmith.parallel import encode_corpus
from tokensmith.tokenizer import Tokenizer


class ShardDecodeError(CorpusError):
    """A shard whose bytes are not UTF-8: the message names the file and the byte offset."""


def ids_dtype(vocab_size: int) -> np.dtype:
    """The smallest unsigned dtype that holds every id: uint16 up to 65,536 ids, else uint32.

    Args:
        vocab_size: the tokenizer's vocabulary size.

    Example:
        >>> ids_dtype(50257).name, ids_dtype(65536).name, ids_dtype(200019).name
        ('uint16', 'uint16', 'uint32')
    """
    return np.dtype(np.uint16 if vocab_size <= 1 << 16 else np.uint32)


def decode_shard(data: bytes, *, path: str, byte_start: int) -> list[str]:
    r"""The documents (lines, without their '\n') of a shard, or `ShardDecodeError` naming where it is not UTF-8.

    Args:
        data: the shard's bytes: whole lines of one file.
        path: the file they come from (for the message).
        byte_start: where `data` starts in that file (for the message).

    Example:
        >>> decode_shard(b"a\nb\n", path="x.txt", byte_start=0)
        ['a', 'b']
        >>> decode_shard(b"ok\n\xff\n", path="x.txt", byte_start=100)
        Traceback (most recent call last):
        ...
        tokensmith.engines.shard_encode.ShardDecodeError: 'x.txt' is not UTF-8 at byte offset 103 (byte 0xff): ...
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        bad = data[e.start : e.start + 1].hex()
        raise ShardDecodeError(f"'{path}' is not UTF-8 at byte offset {byte_start + e.start} (byte 0x{bad}): "
                               "the shard holding it was skipped and the others were kept. Re-encode the file as "
                               "UTF-8 (e.g. iconv -f latin1 -t utf-8) and run the same command again: the shards "
                               "already written are not redone.") from None  # fmt: skip
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


@dataclass(frozen=True)
class EncodedShard:
    """Token ids of a shard's documents: `ids` (T,) and `offsets` (D+1,), document d = ids[offsets[d]:offsets[d+1]]."""

    ids: np.ndarray
    offsets: np.ndarray

    @property
    def documents(self) -> int:
        """D, the number of documents."""
        return len(self.offsets) - 1


def encode_shard(tok: Tokenizer, texts: Sequence[str]) -> EncodedShard:
    """Encode a shard's documents (no BOS/EOS: documents are separated by the offsets).

    Goes through the core's sharded encoder `tokensmith.parallel.encode_corpus` (the verified accelerator when one
    exists, the backend's batch encode otherwise), so local, Ray and `encode_batch` give the same ids.

    Args:
        tok: the tokenizer.
        texts: the documents.

    Example:
        >>> import tokensmith
        >>> shard = encode_shard(tokensmith.load("gpt2"), ["Hello world", "", "Hi"])
        >>> shard.ids.tolist(), shard.offsets.tolist(), shard.ids.dtype.name
        ([15496, 995, 17250], [0, 2, 2, 3], 'uint16')
    """
    corpus = encode_corpus(tok, list(texts))
    return EncodedShard(corpus.ids.astype(ids_dtype(tok.vocab_size)), corpus.offsets.astype(np.int64))
