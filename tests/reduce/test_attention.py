"""Proportional attention: log(size) added to the logits, equal to plain attention when every size is 1."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tokensmith.reduce.attention import attend, key_bias  # noqa: E402

pytestmark = pytest.mark.models


def _plain(q, k, v):
    probs = torch.softmax(q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5, dim=-1)
    return (probs @ v).transpose(1, 2).flatten(2), probs


@pytest.mark.parametrize("needs", [frozenset(), frozenset({"cls"}), frozenset({"received", "cls", "keys"})])
def test_sizes_one_equal_plain_attention(needs):
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 3, 5, 4, generator=g) for _ in range(3))
    mask = torch.ones(2, 5, dtype=torch.bool)
    out, scores = attend(q, k, v, bias=key_bias(torch.ones(2, 5), mask, torch.float32), mask=mask, needs=needs)
    plain, probs = _plain(q, k, v)
    torch.testing.assert_close(out, plain, rtol=1e-5, atol=1e-6)
    if "cls" in needs:
        torch.testing.assert_close(scores.cls, probs[:, :, 0].mean(dim=1))
    if "received" in needs:
        torch.testing.assert_close(scores.received, probs.sum(dim=2).mean(dim=1))


def test_a_merged_token_of_size_two_attends_like_its_two_copies():
    g = torch.Generator().manual_seed(1)
    q, k, v = (torch.randn(1, 2, 4, 3, generator=g) for _ in range(3))
    # duplicate token 3 as token 4: plain attention over 5 tokens == proportional attention over 4, size 2 at 3
    k5, v5 = torch.cat([k, k[:, :, 3:]], dim=2), torch.cat([v, v[:, :, 3:]], dim=2)
    q5 = torch.cat([q, q[:, :, 3:]], dim=2)
    plain, _ = _plain(q5, k5, v5)
    mask = torch.ones(1, 4, dtype=torch.bool)
    sizes = torch.tensor([[1.0, 1.0, 1.0, 2.0]])
    out, _ = attend(q, k, v, bias=key_bias(sizes, mask, torch.float32), mask=mask, needs=frozenset())
    torch.testing.assert_close(out, plain[:, :4], rtol=1e-5, atol=1e-6)


def test_padding_keys_get_no_attention():
    g = torch.Generator().manual_seed(2)
    q, k, v = (torch.randn(1, 2, 4, 3, generator=g) for _ in range(3))
    mask = torch.tensor([[True, True, True, False]])
    out, scores = attend(q, k, v, bias=key_bias(torch.tensor([[1.0, 1, 1, 0]]), mask, torch.float32), mask=mask,
                         needs=frozenset({"received", "cls"}))  # fmt: skip
    plain, _ = _plain(q[:, :, :3], k[:, :, :3], v[:, :, :3])
    torch.testing.assert_close(out[:, :3], plain, rtol=1e-5, atol=1e-6)
    assert scores.cls[0, 3] == 0 and scores.received[0, 3] == 0
