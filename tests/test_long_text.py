"""Long texts are encoded in pieces (backends/chunking.py) with exactly the ids of the unsplit encode.

The size thresholds are lowered (`small_pieces`) so that a text of a few hundred kilobytes is cut into hundreds of
pieces; the reference is the same backend with cutting switched off. Memory: a subprocess encodes a 10 MB and a
20 MB single line (5 and 10 MB in the fast suite) and reports its peak RSS (`ru_maxrss`) beyond the ids it returns.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

import pytest
import tokensmith
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import models, normalizers, pre_tokenizers

from tokensmith.backends import chunking
from tokensmith.backends.hf import HFBackend
from tokensmith.backends.tiktoken import TiktokenBackend

ZOO = ["gpt2", "cl100k_base", "o200k_base", "llama3", "llama2", "smollm2", "bert-base-uncased", "mistral-v1",
       "mistral-v3", pytest.param("gemma3", marks=pytest.mark.slow)]  # fmt: skip (gemma3: a 50 s GGUF conversion)
# Pipelines where a cut is provably safe, so the long text must really be cut (gemma3's vocabulary holds tokens with
# a space inside, e.g. b'. ', so it is encoded whole).
CUT = {"gpt2", "cl100k_base", "o200k_base", "llama3", "llama2", "smollm2", "bert-base-uncased", "mistral-v1",
       "mistral-v3"}  # fmt: skip

WORDS = ["Hello", "world", "don't", "it's", "naïve", "Straße", "ÉCOLE", "Привет", "мир", "Γειά", "σου", "नमस्ते",
         "दुनिया", "مرحبا", "بالعالم", "你好世界", "こんにちは", "안녕하세요", "2024", "3.14", "x1", "CamelCase",
         "e\u0301", "ﬁne", "İstanbul", "<|endoftext|>", "<s>", "[CLS]", "😀", "a_b", "--", "«quote»"]  # fmt: skip
SEPARATORS = [" ", " ", " ", "  ", "   ", "\n", "\n\n", " \n ", "\t", ", ", ". ", "! ", " - ", "\u3000", "\u00a0",
              "\r\n", " '", "'s ", " 12 ", "", "  \n  "]  # fmt: skip


def mixed_text(n_words: int, *, seed: int = 0) -> str:
    """Words of many scripts joined by every kind of boundary: space runs, newlines, tabs, punctuation, NBSP."""
    rng = random.Random(seed)
    return "".join(rng.choice(WORDS) + rng.choice(SEPARATORS) for _ in range(n_words))


@pytest.fixture
def small_pieces(monkeypatch):
    """Cut every text over 2,000 characters into pieces of about 300."""
    monkeypatch.setattr(chunking, "LONG", 2_000)
    monkeypatch.setattr(chunking, "PIECE", 300)


def whole(backend, text: str, **kw) -> list[int]:
    """The reference: the same backend with cutting off."""
    saved = chunking.LONG
    chunking.LONG = 1 << 62
    try:
        return backend.encode(text, **kw)
    finally:
        chunking.LONG = saved


def count_pieces(monkeypatch) -> list[int]:
    """Record how many pieces each cut text gave."""
    counts: list[int] = []
    original = chunking.iter_pieces

    def spy(text, **kw):
        pieces = list(original(text, **kw))
        counts.append(len(pieces))
        yield from pieces

    monkeypatch.setattr(chunking, "iter_pieces", spy)
    return counts


@pytest.mark.parametrize("name", ZOO)
def test_pieces_give_the_ids_of_the_whole_text(name, small_pieces, monkeypatch):
    tok = tokensmith.load(name)
    text = mixed_text(20_000)
    expected = whole(tok.backend, text, add_special_tokens=False)
    counts = count_pieces(monkeypatch)
    assert tok.encode(text) == expected
    assert (counts[0] > 100) if name in CUT else not counts


@pytest.mark.parametrize("name", ["gpt2", "llama2", "bert-base-uncased", "mistral-v1", "o200k_base"])
def test_batch_with_a_long_text_matches_encode_on_each(name, small_pieces):
    tok = tokensmith.load(name)
    texts = ["short one", mixed_text(5_000, seed=1), "", mixed_text(3_000, seed=2)]
    expected = [whole(tok.backend, t, add_special_tokens=True) for t in texts]
    assert tok.encode_batch(texts, add_special_tokens=True) == expected


@pytest.mark.parametrize("name", ["bert-base-uncased", "llama2", "mistral-v1"])
def test_special_tokens_are_added_once_around_the_whole_text(name, small_pieces):
    backend = tokensmith.load(name).backend
    text = mixed_text(5_000, seed=3)
    ids = backend.encode(text, add_special_tokens=True)
    assert ids == whole(backend, text, add_special_tokens=True)
    a_bare, a_full = backend.encode("a", add_special_tokens=False), backend.encode("a", add_special_tokens=True)
    start = a_full.index(a_bare[0])
    assert ids == a_full[:start] + backend.encode(text, add_special_tokens=False) + a_full[start + len(a_bare) :]


@pytest.mark.parametrize("name", ["gpt2", "cl100k_base", "mistral-v1", "bert-base-uncased"])
def test_parsed_special_tokens_next_to_cuts_stay_whole(name, small_pieces):
    backend = tokensmith.load(name).backend
    special = min(backend.special_tokens, key=len)
    text = f"word {special} word{special} " * 2_000  # a special string on both sides of every candidate cut
    assert backend.encode(text, add_special_tokens=False, parse_special=True) == whole(
        backend, text, add_special_tokens=False, parse_special=True
    )


def test_a_cut_inside_a_space_run_would_change_the_ids():
    # Why the cut goes after a letter: cl100k's `\s+(?!\S)` leaves the last space of a run to the next word.
    enc = tokensmith.load("cl100k_base").backend
    text = "a   b"
    assert enc.encode(text[:2], add_special_tokens=False) + enc.encode(text[2:], add_special_tokens=False) != (
        enc.encode(text, add_special_tokens=False)
    )
    assert chunking.split_text(text, piece=1) == ["a", "   b"]


def test_a_custom_split_regex_is_never_cut(small_pieces, monkeypatch):
    ranks = {bytes([b]): b for b in range(256)} | {b"a b": 256}
    import tiktoken

    enc = tiktoken.Encoding(name="toy", pat_str=r"[^\n]+|\n", mergeable_ranks=ranks, special_tokens={})
    counts = count_pieces(monkeypatch)
    text = "a b " * 1_000
    assert TiktokenBackend(enc).encode(text, add_special_tokens=False) == enc.encode_ordinary(text)
    assert counts == []


def _hf(normalizer=None, pre_tokenizer=None, vocab=None) -> HFBackend:
    vocab = vocab or {"[UNK]": 0, "a": 1, "b": 2, " ": 3, "a b": 4}
    tok = HFTokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    if normalizer is not None:
        tok.normalizer = normalizer
    if pre_tokenizer is not None:
        tok.pre_tokenizer = pre_tokenizer
    return HFBackend(tok)


@pytest.mark.parametrize(
    ("backend", "cut"),
    [
        (_hf(pre_tokenizer=pre_tokenizers.Whitespace()), True),
        (_hf(normalizers.NFKC(), pre_tokenizers.BertPreTokenizer()), True),
        (_hf(normalizers.Strip(), pre_tokenizers.Whitespace()), False),  # Strip acts on the whole text
        (_hf(pre_tokenizer=pre_tokenizers.Split("a", behavior="merged_with_next")), False),  # an untrusted split
        (_hf(), False),  # WordPiece without a pre-tokenizer looks words up whole
    ],
)
def test_hf_pipelines_are_cut_only_where_it_is_provable(backend, cut, small_pieces, monkeypatch):
    text = "a b  ab\tb " * 500
    expected = whole(backend, text, add_special_tokens=False)
    counts = count_pieces(monkeypatch)
    assert backend.encode(text, add_special_tokens=False) == expected
    assert bool(counts) == cut


MEMORY_PROBE = textwrap.dedent(
    """
    import json, resource, sys, tokensmith
    tok = tokensmith.load(sys.argv[1])
    text = ("Lorem ipsum dolor sit amet, Привет мир, naïve 2024. " * 400_000)[: int(sys.argv[2])]
    tok.encode("warm up")
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    ids = tok.encode(text)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    own = sys.getsizeof(ids) + 32 * sum(1 for i in ids if i > 256)  # the list and its non-cached int objects
    print(json.dumps({"working": peak - base - own, "tokens": len(ids)}))
    """
)


def peak_working_bytes(name: str, n_chars: int) -> int:
    """Peak RSS of a fresh process encoding one n-character line, beyond its start and the ids it returns."""
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, name, str(n_chars)], capture_output=True, text=True,
                         check=True, timeout=300)  # fmt: skip
    return int(json.loads(out.stdout)["working"])


@pytest.mark.parametrize(
    ("name", "mb"),
    [("mistral-v1", 5), pytest.param("llama2", 10, marks=pytest.mark.slow),
     pytest.param("mistral-v1", 10, marks=pytest.mark.slow)],  # fmt: skip
)
def test_memory_of_one_long_line_does_not_grow_with_its_length(name, mb):
    # Before the cut, a 10 MB line took llama2 (HF, no pre-tokenizer: one 10 MB "word") about 1 GB beyond its ids.
    small, large = peak_working_bytes(name, mb * 1_000_000), peak_working_bytes(name, 2 * mb * 1_000_000)
    assert large < 160 * 2**20, f"encoding a {2 * mb} MB line took {large / 2**20:.0f} MiB beyond its ids"
    assert large < small + 64 * 2**20, f"{mb} MB: {small / 2**20:.0f} MiB, {2 * mb} MB: {large / 2**20:.0f} MiB"
