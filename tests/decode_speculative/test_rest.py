"""REST: suffix array and longest-suffix match against brute force, hand-made tries, the cached datastore, exactness."""

from __future__ import annotations

import numpy as np
import pytest

from tests.decode_speculative.conftest import hf_greedy
from tests.decode_speculative.test_cli import model_dir, run_json  # noqa: F401  (model_dir is a fixture)
from tokensmith.cli.main import main
from tokensmith.decode.draft_rest import (
    Datastore,
    RestDrafter,
    datastore_from_file,
    suffix_array,
    suffix_array_reference,
    trie_tree,
)
from tokensmith.decode.drafters import make_drafter
from tokensmith.decode.speculative import speculative_generate
from tokensmith.errors import CorpusError, GenerationError

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("sort_len", [1, 3, 32])
def test_suffix_array_sorts_like_the_reference(sort_len):
    rng = np.random.default_rng(sort_len)
    for _ in range(30):
        tokens = rng.integers(0, 3, size=int(rng.integers(1, 60)))
        order = suffix_array(tokens, sort_len=sort_len)
        assert sorted(order.tolist()) == list(range(len(tokens)))
        keys = [tuple(tokens[i : i + sort_len].tolist()) for i in order]
        assert keys == suffix_array_reference(tokens.tolist(), sort_len=sort_len)


def longest_match_reference(corpus: list[int], context: list[int], max_suffix: int) -> tuple[int, list[int]]:
    for m in range(min(max_suffix, len(context)), 0, -1):
        tail = context[len(context) - m :]
        hits = [i + m for i in range(len(corpus) - m + 1) if corpus[i : i + m] == tail]
        if hits:
            return m, hits
    return 0, []


def test_longest_match_finds_every_occurrence_of_the_longest_suffix():
    rng = np.random.default_rng(0)
    for _ in range(100):
        corpus = rng.integers(0, 4, size=int(rng.integers(1, 80)))
        context = rng.integers(0, 5, size=int(rng.integers(1, 12)))  # token 4 never occurs in the corpus
        m, positions = Datastore.from_ids(corpus).longest_match(context, max_suffix=6)
        want_m, want = longest_match_reference(corpus.tolist(), context.tolist(), 6)
        assert (m, sorted(positions)) == (want_m, want)


def test_rest_proposes_the_hand_computed_trie():
    # "the cat sat . the cat ran . the dog sat ." as ids: the=1 cat=2 sat=3 .=4 ran=5 dog=6
    corpus = np.array([1, 2, 3, 4, 1, 2, 5, 4, 1, 6, 3, 4])
    rest = RestDrafter(Datastore.from_ids(corpus), depth=2)
    # context "... . the cat": longest suffix found is ". the cat" (3 tokens, once: before "ran .")
    tree = rest.propose(np.array([9, 4, 1, 2]), budget=5)
    assert tree.tokens.tolist() == [2, 5, 4] and tree.parents.tolist() == [-1, 0, 1]
    # context "x the": "x the" is absent, "the" occurs 3 times -> cat sat / cat ran / dog sat (depth 2)
    tree = rest.propose(np.array([7, 1]), budget=4)
    # counts: cat 2, then count 1: dog (length 1) before cat-ran, cat-sat, dog-sat (length 2, token order)
    assert tree.tokens.tolist() == [1, 2, 6, 3, 5] and tree.parents.tolist() == [-1, 0, 0, 1, 1]
    assert rest.propose(np.array([8]), budget=4).num_draft == 0  # 8 never occurs: no draft


def test_trie_keeps_parents_before_children_at_any_budget():
    conts = [(1, 2, 3), (1, 2, 4), (1, 5), (6,), (1, 2, 3)]
    for budget in range(0, 9):
        tree = trie_tree(0, conts, budget=budget)  # DraftTree checks parents come first
        assert tree.num_draft == min(budget, 6)  # 1, 1-2, 1-2-3, 1-2-4, 1-5, 6
        assert len({(int(p), int(t)) for p, t in zip(tree.parents, tree.tokens)}) == tree.size  # distinct siblings


def test_rest_reproduces_hf_greedy_and_accepts_retrieved_continuations(model):
    prompt = [3, 1, 4, 1, 5, 9, 2, 6]
    want = hf_greedy(model, prompt, 48)
    noise = np.random.default_rng(2).integers(0, 320, size=200)
    store = Datastore.from_ids(np.concatenate([noise, want, noise]))  # the corpus holds this very continuation
    got, stats = speculative_generate(model, prompt, make_drafter("rest", vocab_size=320, datastore=store), 48,
                                      budget=8)
    assert got == want and stats.mean_accepted > 3
    other = Datastore.from_ids(noise)  # unrelated corpus: still exact
    got, _ = speculative_generate(model, prompt, RestDrafter(other), 48, budget=8)
    assert got == want


def test_datastore_is_cached_by_tokenizer_and_file_content(tmp_path):
    import tokensmith
    from tokensmith.cache import cache_dir

    tok = tokensmith.load("gpt2")
    path = tmp_path / "corpus.txt"
    path.write_text("def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n", encoding="utf-8")
    store = datastore_from_file(path, tok)
    assert tok.decode(store.tokens.tolist()) == path.read_text(encoding="utf-8")
    entries = {p.name for p in cache_dir("rest").iterdir()}
    again = datastore_from_file(path, tok)
    assert np.array_equal(again.tokens, store.tokens) and np.array_equal(again.order, store.order)
    assert {p.name for p in cache_dir("rest").iterdir()} == entries  # read back, not rebuilt elsewhere
    path.write_text("other text\n", encoding="utf-8")
    datastore_from_file(path, tok)
    assert len({p.name for p in cache_dir("rest").iterdir()} - entries) == 1


def test_bad_datastores_name_the_fix(tmp_path):
    import tokensmith

    tok = tokensmith.load("gpt2")
    with pytest.raises(CorpusError, match="cannot read datastore"):
        datastore_from_file(tmp_path / "missing.txt", tok)
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(CorpusError, match="holds no text"):
        datastore_from_file(tmp_path / "empty.txt", tok)
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    with pytest.raises(CorpusError, match="UTF-8"):
        datastore_from_file(tmp_path / "latin1.txt", tok)
    with pytest.raises(GenerationError, match="--datastore FILE"):
        make_drafter("rest", vocab_size=8)
    with pytest.raises(GenerationError, match="max_suffix"):
        RestDrafter(Datastore.from_ids(np.array([1])), max_suffix=40)


def test_cli_rest_matches_hf_greedy_and_needs_a_datastore(model_dir, capsys, tmp_path):
    from tokensmith.models import load_model

    lm = load_model(str(model_dir))
    text = "abcabcabcabc"
    want = hf_greedy(lm.model, lm.tokenizer.encode(text), 16)[len(text) :]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(text + lm.tokenizer.decode([i for i in want if i < 257]) + "\n\nxyz\n", encoding="utf-8")
    out = run_json(capsys, "-m", str(model_dir), "-p", text, "--speculate", "rest", "--datastore", str(corpus),
                   "--tree", "8", "-n", "16")
    assert out["results"][0]["ids"] == want
    for args, message in ((["--speculate", "rest"], "pass --datastore FILE"),
                          (["--speculate", "rest", "--datastore", str(tmp_path / "no.txt")], "cannot read datastore"),
                          (["--speculate", "lookup", "--datastore", str(corpus)], "--datastore is for --speculate rest")):
        with pytest.raises(SystemExit) as stop:
            main(["generate", "-m", str(model_dir), "-p", text, *args])
        assert stop.value.code == 2 and message in capsys.readouterr().err.replace("\n", " ")
