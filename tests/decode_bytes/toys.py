"""Tiny tokenizers and the brute-force reference for byte-level probabilities.

The reference enumerates every complete token sequence the toy LM can produce (it ends every text after
`max_len` tokens), renormalizing each step over canonical continuations exactly as the definition says, and sums
the probability of the texts that start with the prefix. It shares no code with the cover sum except the
definition of a canonical sequence (`Canonicalizer.encode_bytes`).
"""

from __future__ import annotations

import math

from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers

from tokensmith.backends.hf import HFBackend
from tokensmith.decode.covers import Canonicalizer
from tokensmith.tokenizer import Tokenizer


def byte_level_toy() -> Tokenizer:
    """GPT-2-style byte-level BPE over 'a', 'b', ' ' and 'é' (bytes C3 A9), with regex pretokenization."""
    vocab = {"<eos>": 0, "a": 1, "b": 2, "Ġ": 3, "Ã": 4, "©": 5, "ab": 6, "Ġa": 7, "Ġab": 8, "Ã©": 9, "ba": 10}
    merges = [("a", "b"), ("Ġ", "a"), ("Ġa", "b"), ("Ã", "©"), ("b", "a")]
    hf = HFTokenizer(models.BPE(vocab=vocab, merges=merges))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    hf.decoder = decoders.ByteLevel()
    hf.add_special_tokens(["<eos>"])
    return Tokenizer(HFBackend(hf), name="toy-byte-level")


def double_space_toy() -> Tokenizer:
    """Byte-level BPE with a two-space token 'ĠĠ' (merged first) under the GPT-2 regex, whose lookahead split
    `\\s+(?!\\S)` makes 'a  ab' the pretokens 'a', ' ', ' ab' but 'a  ' the pretokens 'a', '  '. '©' (byte A9) is a
    token on its own, so a text cut inside a character ('\\xa9a  ab') is spellable."""
    vocab = {"<eos>": 0, "a": 1, "b": 2, "Ġ": 3, "©": 4, "ĠĠ": 5, "Ġa": 6, "ab": 7, "Ġab": 8}
    merges = [("Ġ", "Ġ"), ("a", "b"), ("Ġ", "a"), ("Ġa", "b")]
    hf = HFTokenizer(models.BPE(vocab=vocab, merges=merges))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    hf.decoder = decoders.ByteLevel()
    hf.add_special_tokens(["<eos>"])
    return Tokenizer(HFBackend(hf), name="toy-double-space")


def sentencepiece_toy(*, ascii_bytes: bool = False) -> Tokenizer:
    """SentencePiece-style BPE (Metaspace, dummy prefix) with byte fallback: 'é' is not a piece, so it is spelled
    <0xC3><0xA9>. `ascii_bytes` adds the byte pieces <0x20>, <0x61>, <0x62>, so that a word cut inside a character
    ('\\xa9ab') can be spelled byte by byte too."""
    vocab = {"<eos>": 0, "<unk>": 1, "<0xC3>": 2, "<0xA9>": 3, "▁": 4, "a": 5, "b": 6, "▁a": 7, "ab": 8,
             "▁ab": 9, "▁b": 10, "ba": 11}  # fmt: skip
    if ascii_bytes:
        vocab |= {"<0x20>": 12, "<0x61>": 13, "<0x62>": 14}
    merges = [("▁", "a"), ("a", "b"), ("▁a", "b"), ("▁", "b"), ("b", "a")]
    hf = HFTokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", byte_fallback=True))
    hf.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    hf.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    hf.add_special_tokens(["<eos>", "<unk>"])
    return Tokenizer(HFBackend(hf), name="toy-sentencepiece")


def brute_next_byte(lm, canon: Canonicalizer, data: bytes) -> tuple[list[float], float]:
    """(256 byte probabilities, end probability) after the internal byte stream `data`, by full enumeration."""
    ordinary = [t for t in range(canon.vocab_size) if canon.ordinary[t]]
    dec = canon.decode
    canonical_cache: dict[tuple[int, ...], bool] = {}

    def canonical(seq: tuple[int, ...]) -> bool:
        if seq not in canonical_cache:
            canonical_cache[seq] = canon.encode_bytes(dec(seq)) == seq
        return canonical_cache[seq]

    masses = [0.0] * 257

    def visit(seq: tuple[int, ...], prob: float) -> None:
        text = dec(seq)
        if not (text.startswith(data) or data.startswith(text)):
            return
        row = [math.exp(x) for x in lm.logprobs([seq])[0]]
        nexts = [t for t in ordinary if row[t] > 0 and canonical(seq + (t,))]
        z = row[lm.eos_id] + sum(row[t] for t in nexts)
        if text.startswith(data):
            masses[256 if len(text) == len(data) else text[len(data)]] += prob * row[lm.eos_id] / z
        for t in nexts:
            visit(seq + (t,), prob * row[t] / z)

    visit((), 1.0)
    total = sum(masses)
    return [m / total for m in masses[:256]], masses[256] / total
