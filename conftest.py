"""Session set-up shared by the tests (tests/) and the docstring examples (src/tokensmith, run as doctests).

What it pins, so a run does not depend on the machine, on test order or on earlier runs:
- `$TOKENSMITH_CACHE` points at one fresh temporary folder for the whole session. The controller process creates it
  before xdist starts its workers, which inherit it; the controller removes it at the end.
- Thread counts of the native libraries (rayon in `tokenizers`, numba, OpenMP/BLAS) are fixed at `TEST_THREADS`,
  so floating-point reductions and trainers see the same number of threads on every machine.
- Every test and example gets the environment and the learner registry back as they were before it ran.

Doctests find two helpers in their namespace: `>>> require_model("smollm2")` skips the example when that packaged
model is not installed here (and does nothing when it is); `tiny_causal_lm()` builds a seeded 2-layer random Llama
for examples that need a model but not a trained one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

TEST_THREADS = "1"
THREAD_VARIABLES = ("RAYON_NUM_THREADS", "NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_OWNED_CACHE = "_TOKENSMITH_TEST_CACHE_OWNER"


def pytest_configure(config: pytest.Config) -> None:
    """Point `$TOKENSMITH_CACHE` at a fresh session folder (once, in the controller) and pin thread counts."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tempfile.mkdtemp(prefix="tokensmith-test-cache-")
        os.environ["TOKENSMITH_CACHE"] = folder
        os.environ[_OWNED_CACHE] = str(os.getpid())
    for name in THREAD_VARIABLES:
        os.environ[name] = TEST_THREADS
    os.environ["TOKENIZERS_PARALLELISM"] = "true" if int(TEST_THREADS) > 1 else "false"


def pytest_unconfigure(config: pytest.Config) -> None:
    """The process that made the session cache removes it."""
    if os.environ.get(_OWNED_CACHE) == str(os.getpid()):
        shutil.rmtree(os.environ["TOKENSMITH_CACHE"], ignore_errors=True)


@pytest.fixture(autouse=True)
def _restore_environment() -> Iterator[None]:
    """Whatever a test or example does to os.environ is undone after it (the session cache stays pinned)."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(autouse=True)
def _restore_learners() -> Iterator[None]:
    """Learners registered by a test or example are unregistered after it, so no other test sees them."""
    from tokensmith.learn.registry import learner_names, unregister_learner

    before = set(learner_names())
    yield
    for name in set(learner_names()) - before:
        unregister_learner(name)


def require_model(name: str) -> None:
    """Skip the calling doctest unless the packaged model or zoo tokenizer `name` is available on this machine.

    Args:
        name: a zoo name ('smollm2', 'gemma3', ...) as `tokensmith zoo` lists it.

    Example:
        >>> require_model("gpt2")
    """
    from tokensmith.zoo import entry_status

    if not entry_status(name).available:
        pytest.skip(f"the example needs '{name}', which is not installed here (see `tokensmith zoo`)")


def tiny_causal_lm(*, seed: int = 0, vocab_size: int = 320) -> object:
    """A 2-layer Llama (hidden 64) with seeded random weights, in eval mode: a model for examples, no download.

    Args:
        seed: torch seed of the weights.
        vocab_size: rows of the embedding.

    Example:
        >>> tiny_causal_lm().get_input_embeddings().weight.shape[0]
        320
    """
    import torch
    import transformers

    torch.manual_seed(seed)
    config = transformers.LlamaConfig(
        vocab_size=vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, bos_token_id=None, pad_token_id=None, eos_token_id=None,
    )
    model = transformers.LlamaForCausalLM(config).eval()
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0
    return model


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict[str, object]) -> None:
    doctest_namespace["require_model"] = require_model
    doctest_namespace["tiny_causal_lm"] = tiny_causal_lm
    doctest_namespace["importorskip"] = pytest.importorskip  # examples of optional backends (llama_cpp)
