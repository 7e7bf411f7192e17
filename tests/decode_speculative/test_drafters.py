"""Drafters and greedy verification against slow pure-Python references and worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from tokensmith.decode.lookup import LookupRecycling, PromptLookup, find_continuation, find_continuation_reference
from tokensmith.decode.recycling import (
    PAPER_TEMPLATE_80,
    TREE_SIZES,
    TokenRecycling,
    expand_template,
    load_matrix,
    template_arrays,
    template_paths,
)
from tokensmith.decode.speculative import verify_greedy
from tokensmith.decode.trees import DraftTree
from tokensmith.errors import GenerationError, TokenizerFileError

torch = pytest.importorskip("torch")


def verify_reference(tree: DraftTree, predictions: np.ndarray) -> tuple[list[int], int]:
    """Try every root-to-node path; keep the longest whose every token is the argmax at its parent."""
    best: list[int] = [0]
    for node in range(tree.size):
        path = tree.path_to(node)
        if all(tree.tokens[b] == predictions[a] for a, b in zip(path, path[1:])) and len(path) > len(best):
            best = path
    return best, int(predictions[best[-1]])


def random_tree(rng: np.random.Generator, n: int, vocab: int) -> DraftTree:
    parents, tokens = [-1], [int(rng.integers(vocab))]
    for i in range(1, n):  # distinct tokens among siblings, as drafters guarantee
        parent = int(rng.integers(0, len(tokens)))
        free = [t for t in range(vocab) if t not in {tokens[j] for j in range(1, len(tokens)) if parents[j] == parent}]
        if free:
            parents.append(parent)
            tokens.append(int(rng.choice(free)))
    return DraftTree.from_lists(tokens, parents)


def test_verify_matches_the_path_enumeration_reference():
    rng = np.random.default_rng(0)
    for _ in range(300):
        tree = random_tree(rng, int(rng.integers(1, 20)), vocab=4)
        predictions = rng.integers(0, 4, size=tree.size)
        path, bonus = verify_greedy(tree, predictions)
        assert (path.tolist(), bonus) == verify_reference(tree, predictions)


def test_paper_template_has_80_nodes_on_six_levels():
    assert len(PAPER_TEMPLATE_80) == len(set(PAPER_TEMPLATE_80)) == 80
    assert [sum(len(p) == d for p in PAPER_TEMPLATE_80) for d in range(1, 7)] == [8, 21, 25, 15, 8, 3]


@pytest.mark.parametrize("n", TREE_SIZES)
def test_derived_templates_are_trees_of_the_requested_size(n):
    paths = template_paths(n)
    parents, ranks = template_arrays(paths)  # raises if a child came before its parent
    assert len(paths) == n and set(paths) <= set(PAPER_TEMPLATE_80)
    assert DraftTree(np.zeros(n + 1, dtype=np.int64), parents).num_draft == n
    # prior 0.5/(r+1) per rank: 0.5, then 0.25 (ties in template order), then 0.167, then 0.125
    assert template_paths(8) == [(0,), (1,), (0, 0), (2,), (3,), (0, 1), (1, 0), (0, 0, 0)]


def expand_reference(matrix: np.ndarray, root: int, paths: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Token path of each rank path, by walking the matrix from the root; paths through unset (-1) left out."""
    out = []
    for path in paths:
        tokens = [root]
        for rank in path:
            tokens.append(int(matrix[tokens[-1], rank]) if tokens[-1] >= 0 else -1)
        if tokens[-1] >= 0:
            out.append(tuple(tokens[1:]))
    return out


def test_expand_template_matches_the_walk_reference():
    rng = np.random.default_rng(1)
    paths = template_paths(32)
    parents, ranks = template_arrays(paths)
    for _ in range(50):
        matrix = rng.integers(-1, 30, size=(30, 8))
        tree = expand_template(matrix, 3, parents, ranks)
        got = [tuple(tree.tokens[tree.path_to(node)[1:]].tolist()) for node in range(1, tree.size)]
        assert sorted(got) == sorted(expand_reference(matrix, 3, paths))


def test_recycling_updates_the_row_of_every_node_and_cold_start_empties():
    rec = TokenRecycling(vocab_size=6, k=2, tree=2, hot=False)
    tree = DraftTree.from_lists([0, 3, 4], [-1, 0, 0])
    logits = torch.tensor([[0, 1, 5, 2, 0, 0], [9, 8, 0, 0, 0, 0], [0, 0, 0, 0, 1, 2.0]])
    rec.observe(tree, logits, np.array([0]))  # node 2 was not accepted: its candidates are recycled too
    assert rec.matrix[[0, 3, 4]].tolist() == [[2, 3], [0, 1], [5, 4]]
    assert rec.propose(np.array([1, 0]), budget=8).tokens.tolist() == [0, 2, 3]
    rec.begin(np.array([1]))
    assert (rec.matrix == -1).all()


def test_matrix_round_trips_through_npy_without_pickle(tmp_path):
    rec = TokenRecycling(vocab_size=5, k=2, tree=2)
    rec.matrix[2] = [4, 1]
    path = rec.save(tmp_path / "m.npy")
    assert np.array_equal(load_matrix(path), rec.matrix)
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(TokenizerFileError, match="delete it"):
        load_matrix(tmp_path / "obj.npy")
    with pytest.raises(GenerationError, match="another model"):
        TokenRecycling(vocab_size=9, k=2, tree=2, matrix=rec.matrix)


def test_find_continuation_matches_the_reference():
    rng = np.random.default_rng(2)
    for _ in range(300):
        ids = rng.integers(0, 4, size=int(rng.integers(1, 30)))
        for max_n in (1, 2, 3):
            got = find_continuation(ids, max_ngram=max_n, min_ngram=1, num_tokens=5).tolist()
            assert got == find_continuation_reference(ids.tolist(), max_ngram=max_n, min_ngram=1, num_tokens=5)


def test_lookup_takes_the_most_recent_longest_match():
    ids = np.array([7, 1, 2, 3, 9, 1, 2, 4, 5, 8, 1, 2])
    assert PromptLookup(num_tokens=2).propose(ids, budget=8).tokens.tolist() == [2, 4, 5]
    assert PromptLookup().propose(np.array([1, 2, 3]), budget=8).num_draft == 0
    with pytest.raises(GenerationError, match="defaults"):
        PromptLookup(min_ngram=3, max_ngram=2)


def test_lookup_recycling_puts_the_chain_first():
    rec = TokenRecycling(vocab_size=10, k=2, tree=2)
    rec.matrix[2] = [5, 4]
    drafter = LookupRecycling(PromptLookup(), rec)
    # lookup: after the earlier 2 came 4 6 2; recycling: M[2] = 5, 4 (the 4 is already in the chain)
    tree = drafter.propose(np.array([2, 4, 6, 2]), budget=4)
    assert tree.tokens.tolist() == [2, 4, 6, 2, 5] and tree.parents.tolist() == [-1, 0, 1, 2, 0]
    assert drafter.propose(np.array([2, 4, 6, 2]), budget=3).tokens.tolist() == [2, 4, 6, 2]
