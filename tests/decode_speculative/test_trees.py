"""The tree machinery on hand-made trees: depth, ancestors, mask, position ids, merge and the KV-cache gather."""

from __future__ import annotations

import numpy as np
import pytest

from tokensmith.decode.trees import DraftTree, merge_trees, tree_position_ids

torch = pytest.importorskip("torch")

# root 10 ─┬─ 11 ─── 13
#          └─ 12 ─┬─ 14
#                 └─ 15
HAND = DraftTree.from_lists([10, 11, 12, 13, 14, 15], [-1, 0, 0, 1, 2, 2])


def test_depth_and_position_ids_follow_the_tree():
    assert HAND.depth.tolist() == [0, 1, 1, 2, 2, 2]
    assert tree_position_ids(HAND, prefix_len=7).tolist() == [7, 8, 8, 9, 9, 9]


def test_mask_lets_each_node_see_the_prefix_and_its_ancestors_only():
    from tokensmith.decode.trees import tree_attention_mask

    mask = tree_attention_mask(HAND, prefix_len=2, dtype=torch.float32)
    assert mask.shape == (1, 1, 6, 8)
    visible = (mask[0, 0] == 0).int().tolist()
    #              prefix  root 11 12 13 14 15
    assert visible == [
        [1, 1, 1, 0, 0, 0, 0, 0],
        [1, 1, 1, 1, 0, 0, 0, 0],
        [1, 1, 1, 0, 1, 0, 0, 0],
        [1, 1, 1, 1, 0, 1, 0, 0],
        [1, 1, 1, 0, 1, 0, 1, 0],
        [1, 1, 1, 0, 1, 0, 0, 1],
    ]
    assert mask[0, 0, 0, 3].item() == torch.finfo(torch.float32).min


def test_chain_is_a_tree_with_a_causal_mask():
    from tokensmith.decode.trees import tree_attention_mask

    chain = DraftTree.chain(4, [5, 6])
    assert chain.parents.tolist() == [-1, 0, 1]
    visible = (tree_attention_mask(chain, prefix_len=0)[0, 0] == 0).numpy()
    assert np.array_equal(visible, np.tril(np.ones((3, 3), dtype=bool)))


def test_path_and_children():
    assert HAND.path_to(5) == [0, 2, 5]
    assert HAND.children() == [[1, 2], [3], [4, 5], [], [], []]


def test_parents_must_precede_children():
    with pytest.raises(AssertionError):
        DraftTree.from_lists([1, 2, 3], [-1, 2, 0])


def test_merge_shares_common_prefixes_and_respects_the_budget():
    lookup = DraftTree.chain(10, [12, 14, 99])
    merged = merge_trees(lookup, HAND, budget=6)
    # 12 and 14 already exist under the chain, so HAND adds 11, 13 and 15 (not a second 12 or 14)
    assert merged.tokens.tolist() == [10, 12, 14, 99, 11, 13, 15]
    assert merged.parents.tolist() == [-1, 0, 1, 2, 0, 4, 1]
    small = merge_trees(lookup, HAND, budget=4)
    assert small.num_draft == 4 and small.tokens.tolist() == [10, 12, 14, 99, 11]


def _filled_cache(length: int) -> object:
    from transformers import DynamicCache

    cache = DynamicCache()
    for layer in range(2):
        # value at sequence position s is s (+100 for values): [batch 1, heads 2, seq, dim 3]
        keys = torch.arange(length, dtype=torch.float32).view(1, 1, length, 1).expand(1, 2, length, 3).clone()
        cache.update(keys, keys + 100, layer)
    return cache


def test_gather_keeps_the_prefix_and_the_accepted_path():
    from tokensmith.decode.trees import check_cache_gatherable, gather_cache

    cache = _filled_cache(4 + 6)  # prefix of 4, then the 6 nodes of HAND
    check_cache_gatherable(cache)
    gather_cache(cache, prefix_len=4, keep=[0, 2, 5])
    for layer in cache.layers:
        assert layer.keys[0, 1, :, 0].tolist() == [0, 1, 2, 3, 4, 6, 9]
        assert layer.values[0, 0, :, 2].tolist() == [100, 101, 102, 103, 104, 106, 109]
    assert cache.get_seq_length() == 7


def test_gather_of_a_chain_prefix_is_a_crop():
    from tokensmith.decode.trees import gather_cache

    cache = _filled_cache(5)
    gather_cache(cache, prefix_len=2, keep=[0, 1])
    assert cache.layers[0].keys[0, 0, :, 0].tolist() == [0, 1, 2, 3]


def test_sliding_window_cache_is_refused_with_a_fix():
    from transformers import DynamicCache, MistralConfig

    from tokensmith.decode.trees import check_cache_gatherable
    from tokensmith.errors import ModelError

    config = MistralConfig(vocab_size=32, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                           num_attention_heads=2, num_key_value_heads=1, sliding_window=8)
    with pytest.raises(ModelError, match="without --speculate"):
        check_cache_gatherable(DynamicCache(config=config))
    with pytest.raises(ModelError, match="DynamicCache"):
        check_cache_gatherable(object())
