"""The public API a user of tiktoken or HF tokenizers reaches for is at the top level, and resolves to functions."""

from __future__ import annotations

import inspect

import pytest

import tokensmith


@pytest.mark.parametrize(
    "name", ["load", "save", "convert", "train", "train_files", "evaluate", "score_bytes", "speculative_generate",
             "zoo_names", "zoo_status", "load_zoo"],  # fmt: skip
)
def test_top_level_functions(name):
    assert inspect.isfunction(getattr(tokensmith, name)) and name in tokensmith.__all__


def test_every_error_class_is_exported():
    import tokensmith.errors as errors

    classes = {n for n, v in vars(errors).items() if inspect.isclass(v) and issubclass(v, errors.TokensmithError)}
    assert classes <= set(tokensmith.__all__)
    assert all(getattr(tokensmith, n) is getattr(errors, n) for n in classes)


def test_measure_evaluate_is_the_function_not_a_module():
    from tokensmith.measure import evaluate

    assert inspect.isfunction(evaluate)


def test_train_takes_keyword_options_and_no_config_object():
    tok = tokensmith.train("bpe", ["hello world"] * 20, vocab_size=262, seed=3)
    assert tok.vocab_size == 262 and tok.decode(tok.encode("hello")) == "hello"
    with pytest.raises(tokensmith.TrainingError, match="vocab_size"):
        tokensmith.train("bpe", ["hello"])
    with pytest.raises(tokensmith.TrainingError, match="one or the other"):
        tokensmith.train("bpe", ["hello"], tokensmith.TrainConfig(vocab_size=300), vocab_size=300)
