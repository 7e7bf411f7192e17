"""Morphology and compound metrics: worked examples with the greedy tokenizer (conftest.py)."""

from __future__ import annotations

import pytest

from tokensmith.errors import CorpusError
from tokensmith.measure.compounds import compound_rows, load_compounds, parse_compound
from tokensmith.measure.morphology import load_morph_gold, morph_rows


def by_metric(rows):
    return {r.metric: r for r in rows}


def test_morphology_by_hand(greedy, tmp_path):
    # unhappy: tokens un|happy → pred {2}, gold un|happy {2}: hit
    # cats:    tokens cat|s    → pred {3}, gold ca|ts {2}: miss, not clean
    # happy:   token happy     → pred {},  gold hap|py {3}
    # nominated: canonical gold (nominate + ed ≠ surface) → not scored, lowers coverage to 3/4
    (tmp_path / "eng.word.dev.tsv").write_text(
        "unhappy\tun @@happy\t110\ncats\tca @@ts\t100\nhappy\thap @@py\t000\nnominated\tnominate @@ed\t100\n"
    )
    gold = load_morph_gold(tmp_path)
    rows = by_metric(morph_rows(greedy, "greedy", gold, resamples=0))
    assert rows["morph_coverage"].value == 0.75 and rows["morph_coverage"].n == 4
    assert rows["morph_precision"].value == pytest.approx(1 / 2)  # tp 1 / pred 2
    assert rows["morph_recall"].value == pytest.approx(1 / 3)  # tp 1 / gold 3
    assert rows["morph_f1"].value == pytest.approx(2 / 5)  # 2·1 / (2 + 3)
    assert rows["morph_clean_share"].value == pytest.approx(2 / 3)
    assert rows["morph_f1"].lang == "eng_Latn" and rows["morph_f1"].n == 3


def test_compounds_by_hand(greedy, tmp_path):
    path = tmp_path / "c.tsv"
    path.write_text(
        "compound\tmodifier1(|modifier2)\thead\n"
        "happycat\thappy\tcat\n"  # happy|cat: boundary at the split (5)
        "cats\tca\tts\n"  # split at 2, token 'cat' crosses it: hard
        "uncat\tun|unu\tcat\n"  # alternatives; un|cat: boundary
        "ahappy\ta b\thappy\n"  # two modifiers; a|happy: boundary
        "abc\tx\tzzz\n"  # head is not the end of the compound: skipped
        "happycat\thap\tcat\n"  # duplicate compound: first row kept
    )
    comps = load_compounds(path)
    assert [c.compound for c in comps] == ["happycat", "cats", "uncat", "ahappy"]
    rows = by_metric(compound_rows(greedy, "greedy", comps, resamples=0))
    assert rows["compound_boundary_rate"].value == 0.75
    assert rows["hard_compound_rate"].value == 0.25
    assert rows["hard_compound_rate"].lang == "deu_Latn" and rows["hard_compound_rate"].n == 4


def test_compound_case_and_umlauts():
    # the head is capitalized in the file but lowercase inside the compound; the split is a byte offset
    c = parse_compound("Absatzüberschrift\tAbsatz\tÜberschrift")
    assert c is not None and c.split == len("Absatz".encode())
    c = parse_compound("Füßeüber\tFüße\tÜber")
    assert c.split == len("Füße".encode("utf-8")) == 6


def test_empty_compound_file_is_a_user_error(tmp_path):
    (tmp_path / "empty.tsv").write_text("")
    with pytest.raises(CorpusError, match="empty"):
        load_compounds(tmp_path / "empty.tsv")


def test_morph_folder_without_gold_is_a_user_error(tmp_path):
    with pytest.raises(CorpusError, match="no <lang>.word.dev.tsv"):
        load_morph_gold(tmp_path)
