"""Causal masks: what a model says about position t does not change when later bytes change."""

from __future__ import annotations

import numpy as np
import pytest

from tests.lm.toys import build

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.models


def test_byte_model_row_t_ignores_bytes_t_and_later():
    lm = build("byte")
    a = torch.tensor([list(b"the cat sat on")], dtype=torch.uint8)
    for t in range(1, a.shape[1]):
        b = a.clone()
        b[0, t:] = torch.tensor(list(b"#" * (a.shape[1] - t)), dtype=torch.uint8)
        assert torch.equal(lm.next_byte_logits(a)[:, : t + 1], lm.next_byte_logits(b)[:, : t + 1])


def test_byte_chunk_scores_of_a_prefix_do_not_see_the_rest():
    lm = build("byte", block_size=8)  # several half-overlapping windows over 40 bytes
    a, b = b"the cat sat on the mat. the dog sat on.", b"the cat sat on the mat. XXXXXXXXXXXXXXX"
    cut = a.index(b"the dog")
    np.testing.assert_array_equal(lm.chunk_logprobs(a)[:cut], lm.chunk_logprobs(b)[:cut])


@pytest.mark.parametrize("arch", ["subword", "lexinvariant"])
def test_token_model_logits_at_t_ignore_later_ids(arch):
    lm = build(arch)

    def logits(ids):
        if hasattr(lm, "_generator"):
            lm._generator.manual_seed(7)  # lexinvariant: the same random table for both calls
        return lm(ids)

    ids = torch.tensor([[lm.bos_id, 5, 6, 7, 8, 9]])
    for t in range(1, ids.shape[1]):
        other = ids.clone()
        other[0, t:] = 3
        assert torch.equal(logits(ids)[:, :t], logits(other)[:, :t])


def _words(lm, text: str):
    s = lm.prepare(text)
    return torch.as_tensor(s.words)[None], torch.as_tensor(s.lengths)[None]


def test_hierarchical_byte_j_of_word_i_ignores_later_bytes_and_later_words():
    lm = build("hierarchical")
    words, lengths = _words(lm, "the cat sat on")  # words: the, ' cat', ' sat', ' on'
    base = lm.symbol_logprobs(words, lengths)
    for i in range(words.shape[1]):
        for j in range(int(lengths[0, i])):
            other = words.clone()
            other[0, i, j + 1 : int(lengths[0, i])] = ord("#")  # later bytes of the same word
            other[0, i + 1 :, : 4] = ord("#")  # and bytes of every later word
            changed = lm.symbol_logprobs(other, lengths)
            assert torch.equal(base[0, :i], changed[0, :i])  # earlier words: unchanged
            assert torch.equal(base[0, i, : j + 1], changed[0, i, : j + 1])  # bytes <= j of word i


@pytest.mark.parametrize("pooling", ["first", "cls", "query"])
def test_hierarchical_text_scores_of_earlier_words_do_not_see_later_words(pooling):
    lm = build("hierarchical", pooling=pooling, n_slots=2, block_size=4)  # windows over 9 words
    a = b"the cat sat on the mat and the dog"
    b = b"the cat sat on the mat and XYZ QQQ"
    n_symbols = len(b"the cat sat on the mat and") + 7  # bytes of the first 7 words + their end-of-word marks
    np.testing.assert_array_equal(lm.chunk_logprobs(a)[:n_symbols], lm.chunk_logprobs(b)[:n_symbols])


@pytest.mark.parametrize("splitter", ["fixed", "space"])
def test_patch_models_scores_of_earlier_patches_do_not_see_later_bytes(splitter):
    lm = build("patch", splitter=splitter, block_size=3)  # windows over the patches
    a, b = b"the cat sat on the mat and the dog", b"the cat sat on the mat and XYZ QQQ"
    cut = a.index(b" the dog")  # the texts agree on these bytes: score the whole patches within them
    n, covered = 0, 0
    for length in lm.prepare(a.decode()).lengths.tolist():
        if covered + length > cut:
            break
        n, covered = n + length + 1, covered + length  # bytes and the end-of-patch mark
    assert n > 10
    np.testing.assert_array_equal(lm.chunk_logprobs(a)[:n], lm.chunk_logprobs(b)[:n])


def test_patch_model_byte_j_ignores_later_bytes_of_its_patch():
    lm = build("patch")
    words, lengths = _words(lm, "abcdefgh")  # two 4-byte patches
    base = lm.symbol_logprobs(words, lengths)
    other = words.clone()
    other[0, 0, 2:] = ord("#")  # bytes 2 and 3 of patch 0, and all of patch 1
    other[0, 1] = ord("#")
    changed = lm.symbol_logprobs(other, lengths)
    assert torch.equal(base[0, 0, :2], changed[0, 0, :2])  # bytes 0 and 1 of patch 0 are scored as before
