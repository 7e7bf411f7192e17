"""A tied source stays tied unless `--untie` asks for its own output layer; method settings a method does not take
are refused; OMP's ridge keeps coefficients bounded over near-collinear atoms."""

from __future__ import annotations

import numpy as np
import pytest

from tests.adapt.conftest import UKRAINIAN
from tests.conftest import run_cli
from tokensmith.adapt import transfer
from tokensmith.adapt.omp import omp

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def tied_source(tmp_path_factory, english_tok) -> str:
    from conftest import tiny_causal_lm

    from tokensmith.adapt.output import write_adapted

    model = tiny_causal_lm(vocab_size=english_tok.vocab_size)
    model.config.tie_word_embeddings = True
    model.get_output_embeddings().weight = model.get_input_embeddings().weight
    return str(write_adapted(model, english_tok, tmp_path_factory.mktemp("tied") / "m", record={}, role_ids={}))


def _load(path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path)


def _shares_weights(model) -> bool:
    return model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()


def test_a_tied_source_stays_tied_by_default(tmp_path, tied_source, ukrainian_tok):
    assert _shares_weights(_load(tied_source))
    result = transfer(tied_source, to=ukrainian_tok, method="fvt", out=tmp_path / "a")
    assert result.tied and _shares_weights(_load(result.out))


def test_untie_gives_a_separate_output_layer_with_the_same_rows(tmp_path, tied_source, ukrainian_tok):
    result = transfer(tied_source, to=ukrainian_tok, method="fvt", out=tmp_path / "b", untie_output=True)
    model = _load(result.out)
    assert not result.tied and not _shares_weights(model) and model.config.tie_word_embeddings is False
    inp, out = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    assert inp.shape == out.shape == (ukrainian_tok.vocab_size, 64)
    assert np.array_equal(inp.detach().numpy(), out.detach().numpy())  # FVT: the same plan for both matrices


def test_untie_and_tuning_the_output_moves_the_two_matrices_apart(tmp_path, tied_source, ukrainian_tok):
    from tokensmith.adapt.tune import TuneSettings

    corpus = tmp_path / "uk.txt"
    corpus.write_text("\n".join(UKRAINIAN), encoding="utf-8")
    tune = TuneSettings(steps=2, batch_size=1, seq_len=16, lr=1e-2, train_output=True)
    result = transfer(tied_source, to=ukrainian_tok, method="fvt", out=tmp_path / "c", untie_output=True,
                      tune_steps=2, tune_corpus=corpus, tune=tune)  # fmt: skip
    model = _load(result.out)
    assert not np.allclose(model.get_input_embeddings().weight.detach().numpy(),
                           model.get_output_embeddings().weight.detach().numpy())  # fmt: skip


def test_a_setting_the_method_does_not_take_is_refused(tmp_path, capsys, source_dir, ukrainian_tok):
    target = ukrainian_tok.save(tmp_path / "tok")
    argv = ["adapt", "transfer", source_dir, "--to", str(target), "--method", "fvt", "--omp-ridge", "0.1",
            "-o", str(tmp_path / "never")]  # fmt: skip
    assert run_cli(argv) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "takes no setting ridge" in err and not (tmp_path / "never").exists()


def test_ridge_bounds_the_coefficients_of_near_duplicate_atoms_and_keeps_the_fit():
    rng = np.random.default_rng(5)
    base, v = rng.normal(size=(5, 16)), rng.normal(size=16)
    atoms = np.concatenate([base, base[:1] + 1e-4 * v])  # atom 5 is a near-twin of atom 0
    y = (base[0] + 0.3 * v)[None, :]  # the 0.3 v part lies (mostly) along the twins' difference
    _, plain = omp(y, atoms, k=6)
    idx, ridged = omp(y, atoms, k=6, ridge=0.01)
    fit = np.einsum("bk,bkd->bd", ridged, atoms[idx])
    cos = float((fit * y).sum() / np.linalg.norm(fit) / np.linalg.norm(y))
    assert np.abs(plain).max() > 100 and np.abs(ridged).max() < 2 and cos > 0.8
