"""`tokensmith generate` through the real entry point, on a tiny random model saved to a directory."""

from __future__ import annotations

import json

import pytest

from tests.decode_speculative.conftest import hf_greedy, tiny_llama
from tokensmith.cli.main import main

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A 2-layer Llama with a byte-level tokenizer (257 ids <= 320 embeddings), saved like a hub model."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {ch: i for i, ch in enumerate(sorted(alphabet))}
    vocab["<eos>"] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>")
    path = tmp_path_factory.mktemp("tiny")
    model = tiny_llama(seed=3)
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return path


def run_json(capsys, *args: str) -> dict:
    with pytest.raises(SystemExit) as stop:
        main(["generate", *args, "--json"])
    assert stop.value.code in (0, None)
    return json.loads(capsys.readouterr().out)


def test_generate_json_matches_hf_greedy_for_each_method(model_dir, capsys):
    from tokensmith.models import load_model

    lm = load_model(str(model_dir))
    text = "abcabcabcabc"
    want = hf_greedy(lm.model, lm.tokenizer.encode(text), 20)[len(text) :]
    for method in ("none", "lookup", "recycling", "lookup+recycling"):
        out = run_json(capsys, "--model", str(model_dir), "--prompt", text, "--speculate", method, "--tree", "8",
                       "--max-new-tokens", "20")
        (row,) = out["results"]
        assert row["ids"] == want and row["new_tokens"] == 20 and row["forward_passes"] >= 1


def test_ids_the_tokenizer_lacks_stay_in_ids_and_are_named_once(model_dir, capsys):
    """The tiny model embeds 320 rows for 257 ids; what it emits beyond them has no bytes (a padded vocabulary)."""
    with pytest.warns(UserWarning, match=r"has no bytes for .*ids 0\.\.256") as caught:
        out = run_json(capsys, "-m", str(model_dir), "-p", "abcabcabcabc", "--max-new-tokens", "20")
    (row,) = out["results"]
    assert any(i > 256 for i in row["ids"]) and len(caught) == 1
    from tokensmith.models import load_model

    tok = load_model(str(model_dir)).tokenizer
    assert row["output"] == tok.decode([i for i in row["ids"] if i < tok.vocab_size])


def test_prompts_file_and_matrix_save(model_dir, tmp_path, capsys):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"prompt": "xyzxyz"}\n{"prompt": "hello hello"}\n')
    matrix = tmp_path / "m.npy"
    out = run_json(capsys, "-m", str(model_dir), "--prompts-file", str(prompts), "--max-new-tokens", "5",
                   "--matrix", str(matrix))
    assert [r["prompt"] for r in out["results"]] == ["xyzxyz", "hello hello"]
    assert matrix.is_file()


def test_human_output_shows_text_and_stats(model_dir, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["generate", "-m", str(model_dir), "-p", "abc", "-n", "4"])
    assert stop.value.code in (0, None)
    assert "forward passes" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "max_new_tokens must be at least 1"),
        (["--speculate", "magic"], "valid choices|did you mean"),
        (["--tree", "200"], "tree size must be between 1 and 80"),
    ],
)
def test_bad_input_exits_2_with_the_fix(model_dir, capsys, args, message):
    import re

    with pytest.raises(SystemExit) as stop:
        main(["generate", "-m", str(model_dir), "-p", "abc", *args])
    assert stop.value.code == 2
    assert re.search(message, capsys.readouterr().err.replace("\n", " "))


def test_prompt_and_prompts_file_are_exclusive(model_dir, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["generate", "-m", str(model_dir)])
    assert stop.value.code == 2 and "exactly one of --prompt" in capsys.readouterr().err


@pytest.fixture(scope="module")
def chat_dir(model_dir, tmp_path_factory):
    """The same model with a chat template in its tokenizer config (as instruct models ship it)."""
    import shutil

    path = tmp_path_factory.mktemp("chat") / "model"
    shutil.copytree(model_dir, path)
    (path / "chat_template.jinja").write_text(
        "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}"
    )
    return path


def test_a_shipped_chat_template_is_applied_and_raw_turns_it_off(chat_dir, capsys):
    from tokensmith.models import load_model

    lm = load_model(str(chat_dir))
    for args, text in (([], "<user>abcabc\n<assistant>"), (["--raw"], "abcabc")):
        ids = lm.tokenizer.encode(text)
        want = hf_greedy(lm.model, ids, 8)[len(ids) :]
        out = run_json(capsys, "-m", str(chat_dir), "-p", "abcabc", "-n", "8", "--speculate", "none", *args)
        assert out["results"][0]["ids"] == want and out["chat_template"] == (not args)


def test_sampling_with_rsd_through_the_cli_is_seeded(model_dir, capsys):
    args = ["-m", str(model_dir), "-p", "abcabc", "-n", "12", "--speculate", "rsd", "--rsd-mode", "s",
            "--width", "2", "--depth", "2", "--temperature", "0.8", "--top-p", "0.95", "--seed", "5"]
    first, second = run_json(capsys, *args), run_json(capsys, *args)
    assert first["results"][0]["ids"] == second["results"][0]["ids"]
    assert first["sampling"] == {"temperature": 0.8, "top_k": 0, "top_p": 0.95}
    assert first["results"][0]["new_tokens"] == 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--temperature", "0"], "temperature > 0"),
        (["--speculate", "rsd", "--width", "5", "--depth", "3"], "lower --width or --depth"),
        (["--speculate", "rsd", "--rsd-mode", "q"], "valid choices|did you mean"),
    ],
)
def test_bad_sampling_input_exits_2(model_dir, capsys, args, message):
    import re

    with pytest.raises(SystemExit) as stop:
        main(["generate", "-m", str(model_dir), "-p", "abc", *args])
    assert stop.value.code == 2
    assert re.search(message, capsys.readouterr().err.replace("\n", " "))


def test_rsd_with_self_draft_and_a_same_tokenizer_draft_model(model_dir, capsys):
    from tokensmith.models import load_model

    lm = load_model(str(model_dir))
    ids = lm.tokenizer.encode("abcabc")
    want = hf_greedy(lm.model, ids, 10)[len(ids) :]
    for drafter in (["--drafter", "self"], ["--draft-model", str(model_dir)]):
        out = run_json(capsys, "-m", str(model_dir), "-p", "abcabc", "-n", "10", "--speculate", "rsd", *drafter)
        assert out["results"][0]["ids"] == want  # greedy verification of the RSD tree: greedy output


def test_a_draft_model_with_another_vocabulary_exits_2(model_dir, tmp_path, capsys):
    from tokenizers import Tokenizer, models
    from transformers import PreTrainedTokenizerFast

    other = tmp_path / "other"
    tiny_llama(seed=4).save_pretrained(other)
    hf = Tokenizer(models.WordLevel({"a": 0, "b": 1, "[UNK]": 2}, unk_token="[UNK]"))
    PreTrainedTokenizerFast(tokenizer_object=hf, unk_token="[UNK]").save_pretrained(other)
    with pytest.raises(SystemExit) as stop:
        main(["generate", "-m", str(model_dir), "-p", "abc", "--speculate", "rsd", "--draft-model", str(other)])
    assert stop.value.code == 2
    assert "cannot be aligned" in capsys.readouterr().err.replace("\n", " ")


def test_the_cli_tree_default_is_the_library_default():
    import inspect

    from tokensmith.cli.generate import generate
    from tokensmith.decode.speculative import DEFAULT_BUDGET

    assert inspect.signature(generate).parameters["tree"].default.default == DEFAULT_BUDGET
