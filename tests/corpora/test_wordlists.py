"""Word lines drawn from wordfreq: drawn by frequency, seeded, and training draws kept apart from evaluation ones."""

from __future__ import annotations

import pytest

pytest.importorskip("wordfreq")

from tokensmith.corpora.wordlists import wordfreq_corpus, wordfreq_lines  # noqa: E402


def test_wordfreq_lines_draw_top_words_by_frequency():
    import wordfreq

    lines = wordfreq_lines("de", lines=200, seed=0, top=50, words_per_line=10)
    words = [w for line in lines for w in line.split(" ")]
    top = wordfreq.top_n_list("de", 50, wordlist="small")
    assert len(lines) == 200 and len(words) == 2000 and set(words) <= set(top)
    assert words.count(top[0]) > words.count(top[-1])  # the most frequent word is drawn more often than the 50th
    assert wordfreq_lines("de", lines=5, seed=0) == wordfreq_lines("de", lines=5, seed=0)


def test_spaceless_languages_join_words_without_spaces():
    assert all(" " not in line for line in wordfreq_lines("ja", lines=5, seed=0))


def test_wordfreq_corpus_keeps_english_and_draws_evaluation_apart_from_training():
    notes: list[str] = []
    train, corpus = wordfreq_corpus(max_langs=3, lines=4, seed=0, note=notes.append)
    assert corpus.name == "wordfreq" and len(corpus.langs) == 3 and "eng_Latn" in corpus.langs
    assert len(train) == 3 * 4 and len(corpus) == 4
    assert not set(train) & {line for texts in corpus.texts.values() for line in texts}
    # wordfreq's 'fil' and 'sh' have no ISO 639-3 code here: they are skipped with a note, not an error
    assert any("'sh'" in n for n in notes)
