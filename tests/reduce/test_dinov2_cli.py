"""`tokensmith reduce eval --model dinov2` through the real entry point: the JSON fields the issue pins, and exit 2
with a message on bad input (before any model loads)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import run_cli
from tests.reduce.dinov2_env import require_dinov2

require_dinov2()
pytestmark = pytest.mark.models


@pytest.mark.slow  # two passes of DINOv2-S over 25 photos
def test_json_has_the_pinned_dinov2_fields_and_meets_the_flops_target(capsys):
    code = run_cli(["reduce", "eval", "--model", "dinov2", "--method", "pool", "--ratio", "0.4", "--json",
                    "--no-batch-one"])  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert {"cosine_cls", "cosine_mean", "gflops", "seconds"} <= set(out["unreduced"])
    assert {"cosine_cls", "cosine_mean", "gflops", "flops_kept", "seconds"} <= set(out["reduced"])
    assert abs(out["reduced"]["flops_kept"] - 0.6) <= 0.05 and out["images"] == 25
    assert 0.5 < out["reduced"]["cosine_cls"] < 1.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--method", "tome", "--ratio", "0.4", "--data", "pairs.csv"], "packaged|scikit-image"),
        (["--method", "tome", "--ratio", "1.5"], r"\[0, 1\)"),
        (["--method", "tome", "--ratio", "0.4", "--attn-implementation", "flash_attention_2"], "sdpa"),
        (["--method", "nosuch", "--ratio", "0.4"], "valid|did you mean"),
    ],
)
def test_bad_input_exits_2_with_a_message(argv, message, capsys):
    assert run_cli(["reduce", "eval", "--model", "dinov2", *argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and re.search(message, err)
