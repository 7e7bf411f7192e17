"""Every method through `transfer` on the tiny model: counts, the weights written, chat tokens added, tuning."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.adapt.conftest import ENGLISH, UKRAINIAN, train_toy, write_source
from tokensmith.adapt import TuneSettings, transfer
from tokensmith.adapt.matching import with_special_tokens

pytestmark = pytest.mark.models
PAIRS = [("cat", "кіт"), ("sat", "сидів"), ("on", "на"), ("mat", "килимку"), ("and", "а"), ("dog", "пес"),
         ("near", "біля"), ("quick", "швидка"), ("brown", "руда"), ("fox", "лисиця"), ("jumps", "стрибає"),
         ("over", "через"), ("lazy", "лінивого"), ("river", "річки"), ("she", "вона"), ("sells", "продає"),
         ("shells", "мушлі"), ("sea", "моря"), ("shore", "березі"), ("every", "кожного"), ("summer", "літнього"),
         ("morning", "ранку")]  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpora")
    (folder / "uk.txt").write_text("\n".join(UKRAINIAN * 10), encoding="utf-8")
    (folder / "en.txt").write_text("\n".join(ENGLISH * 10), encoding="utf-8")
    (folder / "dict.txt").write_text("\n".join(f"{e}\t{u}" for e, u in PAIRS), encoding="utf-8")
    return folder


def _weights(folder):
    from safetensors.numpy import load_file

    return load_file(str(folder / "model.safetensors"))


def test_focus_combines_new_tokens_from_overlapping_ones(tmp_path, source_dir, ukrainian_tok, files):
    r = transfer(source_dir, to=ukrainian_tok, method="focus", out=tmp_path / "f", aux_corpus=files / "uk.txt",
                 options={"dim": 16, "epochs": 2})  # fmt: skip
    assert r.counts["combined"] > 0 and sum(r.counts.values()) == ukrainian_tok.vocab_size
    record = json.loads((tmp_path / "f" / "adapt.json").read_text())
    assert record["method"] == "focus" and record["counts"] == r.counts and record["tied"] is False


def test_wechsel_initialises_every_ordinary_token_from_source_neighbours(tmp_path, source_dir, ukrainian_tok, files):
    r = transfer(source_dir, to=ukrainian_tok, method="wechsel", out=tmp_path / "w", aux_corpus=files / "uk.txt",
                 source_corpus=files / "en.txt", dictionary=files / "dict.txt",
                 options={"dim": 16, "epochs": 2, "k": 5})  # fmt: skip
    assert r.counts["copied"] == 1  # only <|endoftext|>: WECHSEL copies no ordinary token
    assert r.counts["combined"] + r.counts["random"] == ukrainian_tok.vocab_size - 1


def test_omp_with_a_donor_that_uses_the_target_tokenizer(tmp_path, source_dir, ukrainian_tok):
    donor = write_source(tmp_path / "donor", ukrainian_tok, seed=7)
    r = transfer(source_dir, to=ukrainian_tok, method="omp", donor=donor, out=tmp_path / "o", options={"k": 4})
    assert r.counts["random"] == 0 and r.counts["combined"] > 0


def test_random_rows_follow_the_source_statistics(tmp_path, source_dir, ukrainian_tok):
    transfer(source_dir, to=ukrainian_tok, method="random", out=tmp_path / "r", seed=5)
    new, old = _weights(tmp_path / "r")["model.embed_tokens.weight"], _weights_of(source_dir)
    assert np.allclose(new[1:].std(axis=0).mean(), old.std(axis=0).mean(), rtol=0.15)
    assert np.array_equal(new[0], old[0])  # <|endoftext|> keeps its row


def _weights_of(folder):
    from pathlib import Path

    return _weights(Path(folder))["model.embed_tokens.weight"]


def test_the_source_chat_tokens_are_added_with_their_rows_and_a_warning(tmp_path, ukrainian_tok):
    chat = with_special_tokens(train_toy(ENGLISH, 300), ["<|im_start|>", "<|im_end|>"])
    source = write_source(tmp_path / "chat-src", chat)
    with pytest.warns(UserWarning, match=r"<\|im_start\|>, <\|im_end\|>.*--no-add-specials"):
        r = transfer(source, to=ukrainian_tok, method="fvt", out=tmp_path / "a")
    assert r.added_specials == ("<|im_start|>", "<|im_end|>")
    new, old = _weights(tmp_path / "a")["model.embed_tokens.weight"], _weights_of(source)
    n = ukrainian_tok.vocab_size
    assert np.array_equal(new[n : n + 2], old[chat.vocab_size - 2 :])
    plain = transfer(source, to=ukrainian_tok, method="fvt", out=tmp_path / "b", add_specials=False)
    assert plain.added_specials == () and sum(plain.counts.values()) == n


def test_tuning_moves_only_the_embeddings_and_writes_a_checkpoint(tmp_path, source_dir, ukrainian_tok, files):
    tune = TuneSettings(steps=3, batch_size=2, seq_len=16, lr=1e-2)
    transfer(source_dir, to=ukrainian_tok, method="fvt", out=tmp_path / "t", tune_steps=3,
             tune_corpus=files / "uk.txt", tune=tune)  # fmt: skip
    transfer(source_dir, to=ukrainian_tok, method="fvt", out=tmp_path / "z")
    tuned, untuned = _weights(tmp_path / "t"), _weights(tmp_path / "z")
    changed = sorted(k for k in tuned if not np.array_equal(tuned[k], untuned[k]))
    assert changed == ["model.embed_tokens.weight"]
    assert (tmp_path / "t.tune.pt").is_file()
    assert json.loads((tmp_path / "t" / "adapt.json").read_text())["tuning"]["tokens_seen"] == 3 * 2 * 16
