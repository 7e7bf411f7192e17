"""The epoch plan: documents drawn up front and read again (the reference's corpus), or a fresh draw per epoch."""

from __future__ import annotations

from tokensmith.learn.lib_lexicon import LibParams, plan_epochs

LENGTHS = [3] * 50


def test_every_epoch_reads_one_of_the_documents_drawn_up_front():
    plans = list(plan_epochs(LENGTHS, LibParams(epochs=60, batch_size=5, documents=4), seed=0))
    documents = {tuple(p.sentences) for p in plans}
    assert len(documents) <= 4  # 60 epochs, only 4 distinct documents
    assert len(documents) >= 2  # chosen at random, not always the first


def test_documents_zero_draws_a_fresh_document_every_epoch():
    plans = list(plan_epochs(LENGTHS, LibParams(epochs=60, batch_size=5, documents=0), seed=0))
    assert len({tuple(p.sentences) for p in plans}) > 50  # 50 choose 5 documents: repeats are rare


def test_each_epoch_has_fresh_coins_even_when_it_rereads_a_document():
    plans = list(plan_epochs(LENGTHS, LibParams(epochs=20, batch_size=5, documents=1), seed=0))
    assert len({tuple(p.sentences) for p in plans}) == 1
    assert len({tuple(p.coins) for p in plans}) == 20
    assert all(len(p.coins) == 3 * len(p.sentences) for p in plans)  # one coin per character read
