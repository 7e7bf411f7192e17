"""Aligned corpora as plain data: held-out splits, language samples, subsets, and no import cycle among readers."""

from __future__ import annotations

import subprocess
import sys

from tokensmith.corpora.aligned import ParallelCorpus, hold_out, sample_langs, subset


def _toy(n_units: int = 31) -> ParallelCorpus:
    return ParallelCorpus("udhr", {lang: [f"{lang}-{u}" for u in range(n_units)] for lang in ("eng_Latn", "deu_Latn")})


def _unit(line: str) -> int:
    return int(line.split("-")[1])


def test_hold_out_keeps_the_same_units_in_every_language_and_never_trains_on_them():
    train, held = hold_out(_toy(), eval_units=10, train_units=4, seed=3)
    held_units = {lang: {_unit(t) for t in texts} for lang, texts in held.texts.items()}
    assert held_units["eng_Latn"] == held_units["deu_Latn"] and len(held_units["eng_Latn"]) == 10
    assert len(train) == 2 * 4 and not {_unit(t) for t in train} & held_units["eng_Latn"]
    assert held.name == "udhr" and held.langs == ["deu_Latn", "eng_Latn"]


def test_hold_out_leaves_one_unit_for_training_when_asked_for_all():
    train, held = hold_out(_toy(3), eval_units=5, train_units=2, seed=0)
    assert len(held) == 2 and len(train) == 2  # one unit left, drawn once per language


def test_hold_out_is_seeded():
    def split(seed: int) -> tuple[list[str], ParallelCorpus]:
        return hold_out(_toy(), eval_units=10, train_units=4, seed=seed)

    assert split(1) == split(1) and split(1)[0] != split(2)[0]


def test_sample_langs_keeps_english_and_the_cap():
    langs = [f"l{i:02d}_Latn" for i in range(20)] + ["eng_Latn"]
    for seed in range(5):
        chosen = sample_langs(langs, 4, seed=seed)
        assert len(chosen) == 4 and "eng_Latn" in chosen and chosen == sorted(chosen)
    assert sample_langs(langs, 4, seed=0) == sample_langs(langs, 4, seed=0)
    assert sample_langs(langs, None, seed=0) == langs and sample_langs(langs, 50, seed=0) == langs


def test_sample_langs_without_english_draws_the_full_cap():
    assert len(sample_langs(["a_Latn", "b_Latn", "c_Latn"], 2, seed=0)) == 2


def test_subset_cuts_languages_and_units():
    cut = subset(_toy(), langs=["deu_Latn"], units=2)
    assert cut.texts == {"deu_Latn": ["deu_Latn-0", "deu_Latn-1"]} and cut.name == "udhr"
    assert subset(_toy()) == _toy()


def test_the_udhr_reader_does_not_import_the_parallel_loader():
    # parallel.py imports udhr.py (for load_parallel("udhr")); the other way round would be a cycle.
    code = "import sys, tokensmith.corpora.udhr; print('tokensmith.corpora.parallel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
