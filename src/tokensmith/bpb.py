"""Bits per byte of a text under a tokenized LM: the one scorer that adapt, reduce and lm report.

The protocol, fixed so that numbers from different stages and tokenizers compare:
- the text's UTF-8 bytes are cut into independent chunks of at most `chunk_bytes` (2,048) bytes, each cut moved
  back to a character boundary (a chunk never splits a character);
- each chunk is scored from a fresh context: the model's start-of-text ids (its BOS, `TokenLM.start_ids`) come
  first when it has them, and are not scored themselves;
- a chunk's bits are sum_j -log2 p(t_j | BOS, t_<j) over the tokenizer's canonical encoding t of the chunk
  (`Tokenizer.encode`, no special tokens); bits per byte = the sum over chunks / the text's byte count.

The chunks go through the model in batches (`TokenLM.sequence_logprobs`). Per-chunk bits and bytes are kept so that
callers can bootstrap a confidence interval over chunks.

Not handled here: the exact byte-level probability of a text independent of token boundaries (that is
`decode/bytelevel.py`, `score_bytes`); end-of-text is not scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tokensmith.errors import TokensmithError

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer
    from tokensmith.tokenlm import TokenLM

CHUNK_BYTES = 2048


@dataclass(frozen=True)
class BitsPerByte:
    """The bits of a text under a model, in total and per chunk.

    `chunk_bits[k]` and `chunk_n_bytes[k]` are chunk k's bits and UTF-8 bytes (in text order): resample chunks and
    take sum(bits) / sum(bytes) to bootstrap `bits_per_byte`.
    """

    total_bits: float
    n_bytes: int
    n_tokens: int
    bits_per_byte: float
    chunk_bits: tuple[float, ...]
    chunk_n_bytes: tuple[int, ...]


def utf8_chunks(data: bytes, *, chunk_bytes: int = CHUNK_BYTES) -> list[bytes]:
    """Cut UTF-8 bytes into consecutive chunks of at most `chunk_bytes` bytes, never inside a character.

    Args:
        data: valid UTF-8.
        chunk_bytes: the most bytes per chunk (at least 4, the longest character).

    Example:
        >>> utf8_chunks("abcé".encode(), chunk_bytes=4)  # 'é' is 2 bytes: the cut moves back before it
        [b'abc', b'\\xc3\\xa9']
    """
    if chunk_bytes < 4:
        raise TokensmithError(f"chunk_bytes={chunk_bytes} is too small: a UTF-8 character takes up to 4 bytes. "
                              "Use chunk_bytes >= 4 (the protocol's default is 2048).")
    chunks, pos = [], 0
    while pos < len(data):
        end = min(pos + chunk_bytes, len(data))
        while end < len(data) and 0x80 <= data[end] < 0xC0:  # data[end] continues a character: cut before it
            end -= 1
        chunks.append(data[pos:end])
        pos = end
    return chunks


def _as_token_lm(model: Any) -> TokenLM:
    """A `TokenLM` as is; a `models.LoadedModel` wrapped as an `HFTokenLM` (its BOS as start ids)."""
    from tokensmith.models import LoadedModel

    if isinstance(model, LoadedModel):
        from tokensmith.tokenlm import HFTokenLM

        return HFTokenLM.from_loaded(model)
    return model  # type: ignore[no-any-return]


def bits_per_byte(
    model: TokenLM | Any, tokenizer: Tokenizer, text: str, *, chunk_bytes: int = CHUNK_BYTES
) -> BitsPerByte:
    """Bits per UTF-8 byte of `text`: independent character-aligned chunks, BOS first, canonical tokenization.

    Args:
        model: a `TokenLM` (`HFTokenLM`, the toy `TableLM`, ...) or a `models.LoadedModel` from `load_model`.
        tokenizer: the model's tokenizer; each chunk is scored as `tokenizer.encode(chunk)`.
        text: the text to score.
        chunk_bytes: the most UTF-8 bytes per chunk (2048 by the protocol).

    Example:
        >>> from tokenizers import Tokenizer as HF, models, pre_tokenizers
        >>> from tokensmith.backends.hf import HFBackend
        >>> from tokensmith.tokenizer import Tokenizer
        >>> from tokensmith.tokenlm import TableLM
        >>> hf = HF(models.BPE(vocab={"a": 0, "b": 1, "Ġ": 2, "ab": 3}, merges=[("a", "b")]))
        >>> hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        >>> tok = Tokenizer(HFBackend(hf), name="toy")
        >>> r = bits_per_byte(TableLM(vocab_size=4, eos_id=0, max_len=99), tok, "ab ab", chunk_bytes=4)
        >>> r.n_bytes, r.n_tokens, r.chunk_n_bytes  # chunks 'ab a' (ab, Ġ, a) and 'b'
        (5, 4, (4, 1))
    """
    if not text:
        raise TokensmithError("text is empty: bits per byte needs at least one byte to divide by. Pass some text.")
    lm = _as_token_lm(model)
    chunks = utf8_chunks(text.encode("utf-8"), chunk_bytes=chunk_bytes)
    encoded = [tuple(ids) for ids in tokenizer.encode_batch([c.decode("utf-8") for c in chunks])]
    logps = lm.sequence_logprobs(encoded)  # per chunk: (n_tokens,) natural-log probabilities
    bits = tuple(float(-lp.sum()) / math.log(2) for lp in logps)
    n_bytes = sum(len(c) for c in chunks)
    total = float(sum(bits))
    return BitsPerByte(
        total_bits=total, n_bytes=n_bytes, n_tokens=sum(len(e) for e in encoded), bits_per_byte=total / n_bytes,
        chunk_bits=bits, chunk_n_bytes=tuple(len(c) for c in chunks),
    )
