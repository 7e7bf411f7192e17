"""A tiny hand-made tokenizer for worked examples: greedy longest match over a fixed list of byte strings."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tokensmith.corpora.parallel import ParallelCorpus
from tokensmith.tokenizer import Tokenizer

# id → bytes. 14 and 15 are "byte-fallback" pieces (the two UTF-8 bytes of 'é').
VOCAB = [b"un", b"happy", b" cat", b"s", b"cat", b" ", b"a", b"t", b"h", b"u", b"n", b"p", b"y", b"c", b"\xc3", b"\xa9"]


class GreedyBackend:
    """Backend protocol over VOCAB; raises on any text containing `fail_on`."""

    kind = "hf"
    special_tokens: dict[str, int] = {}
    dummy_prefix = False
    lossless = True
    unk_id = None

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on

    @property
    def vocab_size(self) -> int:
        return len(VOCAB)

    def byte_fallback_ids(self) -> frozenset[int]:
        return frozenset({14, 15})

    def encode(self, text: str, *, add_special_tokens: bool = False, parse_special: bool = False) -> list[int]:
        if self.fail_on is not None and self.fail_on in text:
            raise ValueError(f"cannot encode {self.fail_on!r}")
        data, pos, out = text.encode("utf-8"), 0, []
        while pos < len(data):
            best = max((i for i, t in enumerate(VOCAB) if data.startswith(t, pos)), key=lambda i: len(VOCAB[i]))
            out.append(best)
            pos += len(VOCAB[best])
        return out

    def encode_batch(self, texts: Sequence[str], *, add_special_tokens: bool = False, parse_special: bool = False):
        return [self.encode(t) for t in texts]

    def decode(self, ids: Sequence[int]) -> str:
        return b"".join(VOCAB[i] for i in ids).decode("utf-8", "replace")

    def token_table(self) -> list[bytes]:
        return list(VOCAB)

    def byte_offsets(self, text: str, *, add_special_tokens: bool = False):
        return None


@pytest.fixture
def greedy() -> Tokenizer:
    return Tokenizer(GreedyBackend(), name="greedy")


@pytest.fixture
def toy_corpus() -> ParallelCorpus:
    # eng: 'un|happy| cat|s' (4 tokens, 12 bytes) and 'cat' (1 token, 3 bytes)
    # deu: 'happy| cat' (2 tokens, 9 bytes) and 'é' = byte pieces 14|15 (2 tokens, 2 bytes, 1 char)
    return ParallelCorpus(name="toy", texts={"eng_Latn": ["unhappy cats", "cat"], "deu_Latn": ["happy cat", "é"]})
