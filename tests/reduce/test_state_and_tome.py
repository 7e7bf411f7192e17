"""Worked examples of the reduced state and of ToMe merging, checkable by hand."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tokensmith.reduce.operators import Scores  # noqa: E402
from tokensmith.reduce.state import combine, start  # noqa: E402
from tokensmith.reduce.tome import ToMe  # noqa: E402

pytestmark = pytest.mark.models


def test_tome_hand_example_sizes_and_means():
    # tokens 0..5, [CLS]=0 protected. Candidates 1..5 → A = {1, 3, 5}, B = {2, 4}.
    # keys: 1≈2 (cos 1), 3≈4 (cos 0.99), 5 is orthogonal-ish to both (cos 0.6 with 4).
    hidden = torch.tensor([[[0.0], [1.0], [2.0], [4.0], [10.0], [7.0]]])
    keys = torch.tensor([[[0, 1], [1, 0], [1, 0], [0.99, 0.141], [1, 0.1], [0.6, 0.8]]], dtype=torch.float32)
    protected = torch.tensor([[True, False, False, False, False, False]])
    state = start(hidden, torch.ones(1, 6), protected=protected)
    # ratio 0.4 of 5 candidates → round(2.0) = 2 merges: the two best edges 1→2 (cos 1.0) and 3→4 (cos ~0.995)
    out = ToMe()(state, Scores(keys=keys), ratio=0.4)
    assert out.size.tolist() == [[1.0, 2.0, 2.0, 1.0]]
    assert out.hidden.flatten().tolist() == [0.0, 1.5, 7.0, 7.0]
    assert out.sources(0, 1) == [1, 2] and out.sources(0, 2) == [3, 4] and out.sources(0, 3) == [5]
    # a second round merges by size: 1.5 (size 2) and 7.0 (size 2) with ratio 1/3 of 3 candidates → 1 merge,
    # A = {1.5, 7.0(token 3 of 5)}, B = {7.0 (3,4)}: its best edge joins sizes 2 + 1 or 2 + 2
    second = ToMe()(out, Scores(keys=torch.tensor([[[0, 1], [1, 0], [0.6, 0.8], [0.6, 0.8]]])), ratio=1 / 3)
    assert second.size.tolist() == [[1.0, 2.0, 3.0]]  # the token 5 (size 1) joined the (3, 4) token (size 2)
    assert second.hidden.flatten().tolist() == [0.0, 1.5, 7.0]  # (2·7 + 1·7) / 3
    assert second.sources(0, 2) == [3, 4, 5]


def test_size_weighted_merge_keeps_the_mean_of_the_originals():
    hidden = torch.tensor([[[2.0], [4.0], [9.0]]])
    state = start(hidden, torch.ones(1, 3))
    first = combine(state, target=torch.tensor([[1, 1, 2]]), keep=torch.tensor([[False, True, True]]))
    both = combine(first, target=torch.tensor([[1, 1]]), keep=torch.tensor([[False, True]]))
    assert both.size.tolist() == [[3.0]] and both.hidden.item() == pytest.approx(5.0)  # (2 + 4 + 9) / 3


def test_padding_never_matches_and_batch_equals_one_by_one():
    g = torch.Generator().manual_seed(0)
    lengths = [9, 5, 7]
    hidden = torch.randn(3, 9, 4, generator=g)
    keys = torch.randn(3, 9, 8, generator=g)
    mask = torch.tensor([[1] * n + [0] * (9 - n) for n in lengths])
    protected = torch.zeros(3, 9, dtype=torch.bool)
    protected[:, 0] = True
    batched = ToMe()(start(hidden, mask, protected=protected), Scores(keys=keys), ratio=0.5)
    for row, n in enumerate(lengths):
        alone = ToMe()(start(hidden[row:row + 1, :n], torch.ones(1, n), protected=protected[row:row + 1, :n]),
                       Scores(keys=keys[row:row + 1, :n]), ratio=0.5)  # fmt: skip
        k = alone.hidden.shape[1]
        assert int(batched.mask[row].sum()) == k
        assert torch.equal(batched.hidden[row, :k], alone.hidden[0])
        assert torch.equal(batched.size[row, :k], alone.size[0])
        assert batched.size[row, k:].sum() == 0  # padding has no size
        assert torch.equal(batched.origin[row, :n], alone.origin[0]) and (batched.origin[row, n:] == -1).all()


def test_ratio_zero_returns_the_same_state():
    state = start(torch.randn(2, 4, 3), torch.ones(2, 4))
    assert ToMe()(state, Scores(keys=torch.randn(2, 4, 5)), ratio=0.0) is state
