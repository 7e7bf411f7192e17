"""A prefix longer than the model's context window: `next_byte` keeps its tail from a hard boundary, feeds the
trunk to the model a few tokens per call, and `bytes next` says what it dropped."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.decode_bytes.test_cli import tiny_model_dir  # noqa: F401  (the fixture: a tiny Llama directory)
from tests.decode_bytes.toys import byte_level_toy
from tokensmith.cli.main import main
from tokensmith.decode.bytelevel import HEAD_ROOM, ByteLM
from tokensmith.tokenlm import TableLM

PREFIX = b"ab ba aab bab a " * 200 + b"ab b"  # 3,204 bytes


def table_lm(tok) -> TableLM:
    return TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=10_000, seed=3)


def test_a_cropped_prefix_gives_the_distribution_of_its_tail():
    tok = byte_level_toy()
    blm = ByteLM(table_lm(tok), tok, context_window=HEAD_ROOM + 40)
    got = blm.next_byte(PREFIX)
    assert blm.cropped_bytes > 0
    tail = PREFIX[blm.cropped_bytes :]
    assert len(blm._trunk_ids) <= 40  # the trunk fits the window, less the head room
    expected = ByteLM(table_lm(tok), tok).next_byte(tail)
    assert np.allclose(got.as_vector(), expected.as_vector(), atol=1e-12)


def test_a_prefix_that_fits_is_not_cropped():
    tok = byte_level_toy()
    blm = ByteLM(table_lm(tok), tok, context_window=10_000)
    blm.next_byte(PREFIX)
    assert blm.cropped_bytes == 0


def tiny_lm(vocab_size: int):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokensmith.tokenlm import HFTokenLM

    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(vocab_size=vocab_size, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                   num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=1024)
    model = transformers.LlamaForCausalLM(cfg).eval()
    return HFTokenLM(model, vocab_size=vocab_size, start_ids=(0,), eos_id=0)


def test_the_trunk_is_fed_a_few_tokens_per_forward_call():
    tok = byte_level_toy()
    lm = tiny_lm(tok.vocab_size)
    sizes: list[int] = []
    forward = lm._forward
    lm._forward = lambda ids: (sizes.append(len(ids)), forward(ids))[1]  # type: ignore[method-assign]
    fed = ByteLM(lm, tok, context_window=900)
    fed.feed_size = 32
    got = fed.next_byte(PREFIX[:600])
    whole = ByteLM(tiny_lm(tok.vocab_size), tok).next_byte(PREFIX[:600])
    assert fed.cropped_bytes == 0 and len(fed._trunk_ids) > 5 * 32
    assert max(sizes) <= 33 and len(sizes) > 5  # one feed (plus the re-run last token) per call
    assert np.allclose(got.as_vector(), whole.as_vector(), atol=1e-6)


def test_bytes_next_says_on_stderr_what_it_dropped(tiny_model_dir, capsys):  # noqa: F811
    from tokensmith.decode.bytelevel import load_byte_lm

    prefix = PREFIX.decode()
    with pytest.raises(SystemExit) as done:
        main(["bytes", "next", "--model", str(tiny_model_dir), "--prefix", prefix, "--json"])
    assert done.value.code in (0, None)
    out = capsys.readouterr()
    api = load_byte_lm(str(tiny_model_dir))
    expected = api.next_byte(PREFIX)
    assert api.cropped_bytes > 0
    kept = len(PREFIX) - api.cropped_bytes
    assert f"notice: the prefix is longer than {tiny_model_dir}'s context window (127 tokens)" in out.err
    assert f"only its last {kept:,} bytes are used" in out.err
    assert np.allclose(json.loads(out.out)["probs"], expected.probs, atol=1e-9)
