"""M2 over compressed text (`lm/compressed.py`): code packing, causality, bits-per-byte accounting, checkpoints
that remember their M1, and the CLI's errors. Toy scale: a 2-gram M1 and a 1-layer M2 of width 16."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import run_cli
from tests.lm.toys import TEXT

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.models

SMALL = {"n_layer": 1, "n_head": 1, "n_embd": 16, "block_size": 16}


@pytest.fixture
def m1(tmp_path):
    from tokensmith.lm.byte_ngram import ByteNgram

    return str(ByteNgram.train(TEXT.encode(), order=2).save(tmp_path / "m1"))


def build(m1, **fields):
    from tokensmith.lm.registry import build_model, make_config

    torch.manual_seed(0)
    return build_model("compressed", make_config("compressed", {"coding_model": m1, **SMALL, **fields}))


def test_pack_bits_reads_the_bits_back_in_order():
    from tokensmith.lm.compressed import pack_bits

    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2, 45).tolist()
    for width in (8, 16):
        tokens = pack_bits(bits, width)
        back = [int(b) for t in tokens.tolist() for b in format(t, f"0{width}b")]
        assert back[: len(bits)] == bits and set(back[len(bits) :]) <= {0} and len(back) - len(bits) < width


@pytest.mark.parametrize("bits", [0, 16, 32])
def test_the_code_decodes_to_the_text(m1, bits):
    """The tokens M2 reads are the real code: turned back into 16-bit tokens or bits, M1 decodes the text (for
    windows, with the exception table that the coded file carries beside the tokens)."""
    from tokensmith.lm.coding_model import load_coding_model
    from tokensmith.lm.equalinfo import decode_windows, encode_windows, plain_decode, windows_from_tokens

    data = TEXT.encode()[:120]
    code = build(m1, bits=bits).code(data)
    assert code.max() < 256
    if bits == 0:
        stream = [int(b) for t in code.tolist() for b in format(t, "08b")]
        assert plain_decode(stream, load_coding_model(m1), n_bytes=len(data)) == data
    else:
        sixteen = (code[0::2] << 8) | code[1::2]
        values = windows_from_tokens(sixteen.astype(np.uint16), bits=bits)
        exceptions = encode_windows(data, load_coding_model(m1), bits=bits).exceptions
        assert decode_windows(values, load_coding_model(m1), bits=bits, n_bytes=len(data),
                              exceptions=exceptions) == data  # fmt: skip


def test_logits_at_t_ignore_later_code_tokens(m1):
    lm = build(m1)
    ids = torch.tensor([[lm.bos_id, 5, 6, 7, 8, 9, 10]])
    for t in range(1, ids.shape[1]):
        other = ids.clone()
        other[0, t:] = 3
        assert torch.equal(lm(ids)[:, :t], lm(other)[:, :t])


def test_an_untrained_m2_costs_about_token_bits_per_token(m1):
    from tokensmith.lm.bpb import score_text

    lm = build(m1, bits=16)
    score = score_text(lm, TEXT)
    n_tokens = lm.count_tokens(TEXT.encode())
    assert score.n_tokens == n_tokens and score.n_bytes == len(TEXT)
    per_token = score.total_bits / n_tokens
    assert 7.0 < per_token < 9.5  # a near-uniform 256-way guess: about 8 bits
    assert score.bits_per_byte == pytest.approx(score.total_bits / len(TEXT))


def test_a_checkpoint_remembers_its_m1_and_refuses_another(m1, tmp_path):
    from tokensmith.errors import ModelError
    from tokensmith.lm.byte_ngram import ByteNgram
    from tokensmith.lm.checkpoint import load_checkpoint, read_record
    from tokensmith.lm.train import TrainSettings, train_model

    (tmp_path / "t.txt").write_text(TEXT)
    out = tmp_path / "m2"
    train_model(arch="compressed", train_file=tmp_path / "t.txt", valid_file=tmp_path / "t.txt", out=out,
                settings=TrainSettings(budget=2e7, batch_size=2), model_settings={"coding_model": m1, **SMALL},
                progress=False)  # fmt: skip
    record = read_record(out)
    assert record["config"]["coding_fingerprint"] and record["arch"] == "compressed"
    model, _ = load_checkpoint(out)
    assert model.m1.fingerprint == record["config"]["coding_fingerprint"]
    ByteNgram.train(b"something else entirely", order=2).save(m1)  # replace M1 under the same path
    with pytest.raises(ModelError, match="not the M1 this model was trained on"):
        load_checkpoint(out)


def test_cli_trains_and_scores_a_compressed_model(m1, tmp_path, capsys):
    (tmp_path / "t.txt").write_text(TEXT)
    sets = [f"--set={k}={v}" for k, v in {**SMALL, "coding_model": m1, "bits": 32}.items()]
    assert run_cli(["lm", "train", "--arch", "compressed", "--budget", "2e7", "--train", str(tmp_path / "t.txt"),
                    "--valid", str(tmp_path / "t.txt"), "-o", str(tmp_path / "m"), "--batch-size", "2",
                    *sets]) == 0  # fmt: skip
    capsys.readouterr()
    assert run_cli(["lm", "eval", str(tmp_path / "m"), "--text", str(tmp_path / "t.txt"), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["arch"] == "compressed" and 0 < row["tokens_per_byte"] < 1 and row["bits_per_byte"] > 0


@pytest.mark.parametrize("sets, message", [([], "no M1"), (["--set=bits=24"], "bits takes 0")])
def test_cli_refuses_a_missing_m1_or_a_bad_window(tmp_path, capsys, sets, message, m1):
    (tmp_path / "t.txt").write_text(TEXT)
    extra = sets if not sets else [*sets, f"--set=coding_model={m1}"]
    code = run_cli(["lm", "train", "--arch", "compressed", "--budget", "2e7", "--train", str(tmp_path / "t.txt"),
                    "--valid", str(tmp_path / "t.txt"), "-o", str(tmp_path / "m"), *extra])  # fmt: skip
    assert code == 2 and message in capsys.readouterr().err
