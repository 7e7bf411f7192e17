"""The vectorized operators against slow per-sequence references written from the papers' descriptions."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tokensmith.reduce.operators import Scores  # noqa: E402
from tokensmith.reduce.pool import Pool1D  # noqa: E402
from tokensmith.reduce.prune import AttentionPrune  # noqa: E402
from tokensmith.reduce.state import start  # noqa: E402
from tokensmith.reduce.tome import ToMe  # noqa: E402

pytestmark = pytest.mark.models


def _slow_tome(x, size, keys, protected, r):
    """ToMe on one sequence with Python lists: A/B alternate over the candidates, r best edges merge."""
    cand = [i for i in range(len(x)) if not protected[i]]
    a, b = cand[0::2], cand[1::2]
    if not b:
        return x, size
    unit = [k / k.norm() for k in keys]
    edges = sorted(((max(float(unit[i] @ unit[j]) for j in b), i) for i in a), key=lambda e: -e[0])
    best = {i: max(b, key=lambda j: float(unit[i] @ unit[j])) for i in a}
    total = {i: x[i] * size[i] for i in range(len(x))}
    weight = dict(enumerate(size))
    gone = set()
    for _, i in edges[:r]:
        j = best[i]
        total[j] = total[j] + x[i] * size[i]
        weight[j] += size[i]
        gone.add(i)
    kept = [i for i in range(len(x)) if i not in gone]
    return [total[i] / weight[i] for i in kept], [weight[i] for i in kept]


@pytest.mark.parametrize("seed", range(5))
def test_tome_equals_the_slow_reference(seed):
    g = torch.Generator().manual_seed(seed)
    n = 11
    x, keys = torch.randn(1, n, 3, generator=g), torch.randn(1, n, 4, generator=g)
    protected = torch.zeros(1, n, dtype=torch.bool)
    protected[0, 0] = protected[0, -1] = True
    out = ToMe()(start(x, torch.ones(1, n), protected=protected), Scores(keys=keys), ratio=0.4)
    r = int(ToMe().removed(torch.tensor([n - 2]), 0.4)[0])
    ref_x, ref_size = _slow_tome(list(x[0]), [1.0] * n, list(keys[0]), protected[0].tolist(), r)
    torch.testing.assert_close(out.hidden[0], torch.stack(ref_x))
    assert out.size[0].tolist() == ref_size


@pytest.mark.parametrize("seed", range(3))
def test_prune_keeps_the_top_cls_attention_in_order(seed):
    g = torch.Generator().manual_seed(seed)
    x, cls = torch.randn(1, 9, 2, generator=g), torch.rand(1, 9, generator=g)
    protected = torch.zeros(1, 9, dtype=torch.bool)
    protected[0, 0] = True
    out = AttentionPrune()(start(x, torch.ones(1, 9), protected=protected), Scores(cls=cls), ratio=0.5)
    top = sorted(range(1, 9), key=lambda i: -float(cls[0, i]))[:4]
    assert torch.equal(out.hidden[0], x[0, [0, *sorted(top)]])


def test_pool1d_bins_are_contiguous_and_size_weighted():
    x = torch.arange(8.0).view(1, 8, 1)
    state = start(x, torch.ones(1, 8))
    out = Pool1D()(state, Scores(), ratio=0.5)  # 8 → 4 bins of 2
    assert out.hidden.flatten().tolist() == [0.5, 2.5, 4.5, 6.5] and out.size.tolist() == [[2.0] * 4]
    again = Pool1D()(out, Scores(), ratio=0.5)  # nested: 4 → 2 bins, each the mean of 4 originals
    assert again.hidden.flatten().tolist() == [1.5, 5.5] and again.size.tolist() == [[4.0, 4.0]]
