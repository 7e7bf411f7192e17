"""The pair-table canonicity masks (`decode/canon_tables.py`) against the encoder-based masks and brute force.

- Toys: every canonical window of up to 3 tokens, every next token, against the definition (encode the bytes and
  compare), and every pair of the pair table against encoding the pair's bytes.
- Zoo: on every byte-level zoo tokenizer here, the masks with tables equal the encoder's (`tables=False`) on the
  windows the trunk chain meets in mixed texts (prose, wikitext spacing, code, contractions, digits, non-Latin
  scripts, emoji) and on windows cut at random bytes. Tokenizers the tables do not cover must say so (`joins` None).
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from tests.decode_bytes.toys import byte_level_toy, double_space_toy
from tokensmith.decode import canon_tables
from tokensmith.decode.covers import Canonicalizer
from tokensmith.errors import TokensmithError

TEXTS = [
    "The cat sat on the mat. It's a cat, isn't it? THEY'RE here; we'll see.",
    " = Robert Boulter = \n \n Robert Boulter is an English film and television actor . He had a guest @-@ starring "
    "role on the television series The Bill in 2000 .",
    "def f(x):\n    return x ** 2  # square\n\n\tif  x  >  10:  print('big')\n",
    "Größe und Übermaß, naïve café; Привет, как дела? Καλημέρα κόσμε. 日本語のテキストです。 🙂 ok",
    "Numbers 1234567 and 3.14159, dates 2024-05-01, codes A1B2C3 xyzzy123abc.",
]
ZOO = ["gpt2", "smollm2", "cl100k_base", "llama3"]
UNCOVERED = ["o200k_base", "llama2"]


def _windows(canon: Canonicalizer, data: bytes) -> list[tuple[int, ...]]:
    """The windows the trunk chain masks rows with (see `ByteLM._trunk_chain`)."""
    ids = canon.encode_bytes(data)
    offs = np.concatenate([[0], np.cumsum([len(canon.table[t]) for t in ids])]).astype(int)
    out, k = [], 0
    for j in range(1, len(ids) + 1):
        if j >= 2 and canon.is_hard(data, int(offs[j - 1])):
            k = j - 1
        out.append(ids[k:j])
    return out


def _cut_windows(canon: Canonicalizer, data: bytes, n: int, seed: int) -> list[tuple[int, ...]]:
    """Windows of prefixes cut at random bytes (inside tokens and characters too)."""
    rng = random.Random(seed)
    out = []
    for p in sorted(rng.sample(range(1, len(data)), min(n, len(data) - 1))):
        prefix = data[:p]
        ids = canon.encode_bytes(prefix[canon.window_start(prefix) :])
        if ids and -1 not in ids:
            out.append(ids)
    return out


def _assert_same_masks(canon: Canonicalizer, windows: list[tuple[int, ...]], *, most: int = 12) -> int:
    """Masks with and without tables on `most` of the windows (the shortest first: the encoder is the slow side)."""
    windows = sorted(set(windows), key=len)[:most]
    for w in windows:
        fast, slow = canon.next_mask(w), canon.next_mask(w, tables=False)
        diff = np.flatnonzero(fast != slow)
        assert not len(diff), (canon.decode(w), [(canon.table[t], bool(fast[t])) for t in diff[:5]])
    return len(windows)


@pytest.mark.parametrize("make", [byte_level_toy, double_space_toy])
def test_toy_masks_equal_the_definition(make):
    canon = Canonicalizer(make())
    assert canon.joins is not None
    ordinary = np.flatnonzero(canon.ordinary).tolist()
    checked = 0
    for n in range(1, 4):
        for ctx in itertools.product(ordinary, repeat=n):
            if canon.encode_bytes(canon.decode(ctx)) != ctx:
                continue
            mask = canon.next_mask(ctx)
            for t in ordinary:
                assert mask[t] == (canon.encode_bytes(canon.decode(ctx + (t,))) == ctx + (t,)), (ctx, t)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("make", [byte_level_toy, double_space_toy])
def test_toy_pair_table_equals_encoding_each_pair(make):
    tok = make()
    canon = Canonicalizer(tok)
    pairs = canon.joins.pairs
    letters = [t for t in np.flatnonzero(canon.ordinary) if canon.joins.letters[t]]  # one pretoken together
    for a in letters:
        bad = set(pairs.noncanonical_after(int(a)).tolist())
        for b in letters:
            canonical = tuple(tok.encode((canon.table[a] + canon.table[b]).decode())) == (a, b)
            assert (b not in bad) == canonical, (canon.table[a], canon.table[b])


def test_noncanonical_pair_in_gpt2():
    tok = _load("gpt2")
    pairs = canon_tables.build_pair_table(tok)
    ids = {b: i for i, b in enumerate(tok.token_table)}
    bad = set(pairs.noncanonical_after(ids[b" th"]).tolist())
    assert ids[b"ing"] in bad  # ' th' + 'ing' is ' thing'
    for right in (b"ing", b"e", b"x", b"ought", b"rough", b"ursday", b"z"):
        canonical = tok.encode(" th" + right.decode()) == [ids[b" th"], ids[right]]
        assert (ids[right] not in bad) == canonical, right
    assert pairs.build_s > 0


def test_tables_are_cached_on_disk():
    tok = _load("gpt2")
    first = canon_tables.build_pair_table(tok)
    again = canon_tables.build_pair_table(tok)  # read back from the .npz
    assert first.build_s == again.build_s
    assert all(np.array_equal(first.arrays[k], again.arrays[k]) for k in first.arrays)


def _load(name: str):
    import tokensmith

    try:
        return tokensmith.load(name)
    except TokensmithError as e:
        pytest.skip(f"zoo tokenizer {name} is not available here: {e}")


@pytest.mark.slow
@pytest.mark.parametrize("name", ZOO)
def test_zoo_masks_equal_encoder_masks(name):
    canon = Canonicalizer(_load(name))
    assert canon.joins is not None
    most = 4 if name == "llama3" else 12  # llama3's tiktoken encoder (no accelerator) makes the reference slow
    n = 0
    for k, text in enumerate(TEXTS):
        data = text.encode("utf-8")
        n += _assert_same_masks(canon, _windows(canon, data), most=most)
        n += _assert_same_masks(canon, _cut_windows(canon, data, 12, k), most=most)
    assert n >= 8 * most


@pytest.mark.parametrize("name", UNCOVERED)
def test_uncovered_tokenizers_keep_the_encoder(name):
    assert canon_tables.bpe_merges(_load(name)) is None  # o200k's case-split letters, SentencePiece-style: encoder


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("name", ["smollm2", "gpt2", "cl100k_base"])
def test_zoo_masks_on_shared_text(name, shared):
    canon = Canonicalizer(_load(name))
    rng = random.Random(7)
    wiki = shared("lm", "wikitext-2", "test.txt").read_bytes()
    texts = [wiki[s : s + 600] for s in rng.sample(range(len(wiki) - 600), 3)]
    for lang in ("deu_Latn", "rus_Cyrl", "jpn_Jpan", "ell_Grek"):
        lines = shared("parallel", "flores200", f"{lang}.txt").read_text().splitlines()
        texts.append(" ".join(rng.sample(lines, 3)).encode("utf-8"))
    n = sum(_assert_same_masks(canon, _windows(canon, t) + _cut_windows(canon, t, 10, seed=3)) for t in texts)
    assert n > 70
