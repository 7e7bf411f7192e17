"""`tokensmith encode` writes its output as it is made (issue 10): the same document as the one-shot writer, ids
identical to the library's unsplit encode on a text long enough to be encoded in pieces.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import tokensmith
from tests.conftest import run_cli
from tokensmith.backends import chunking
from tokensmith.cli import stream_out
from tokensmith.cli.output import bytes_repr

pytestmark = pytest.mark.usefixtures("zoo_dir")


def one_shot_document(tok: tokensmith.Tokenizer, text: str, *, add_special: bool = False) -> str:
    """The `--json` output as the writer before streaming made it: one dict per token, one `json.dumps`."""
    enc = tok.encode_with_offsets(text, add_special_tokens=add_special)
    table = tok.token_table
    tokens = [{"id": i, "bytes": list(table[i]), "text": bytes_repr(table[i]), "start": s, "end": e}
              for i, (s, e) in zip(enc.ids, enc.offsets, strict=True)]  # fmt: skip
    doc = {"tokenizer": tok.name, "n_tokens": len(enc.ids), "n_bytes": len(text.encode()), "ids": enc.ids,
           "tokens": tokens}  # fmt: skip
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


CASES = [
    ("gpt2", "Hello world"),
    ("gpt2", "𝔘 cut inside a character\n\n"),  # tokens holding part of a 4-byte character
    ("mistral-v1", "Hello world\nGrüße"),  # the dummy-prefix space shortens the first span
    ("mistral-v1", " starts with a space"),
    ("bert-base-uncased", "Héllo, World!"),  # lossy: spans from the library
    ("gpt2", ""),
]


@pytest.mark.parametrize(("name", "text"), CASES)
def test_streamed_json_is_the_one_shot_document_byte_for_byte(name: str, text: str, capsys, monkeypatch) -> None:
    monkeypatch.setattr(stream_out, "BLOCK", 2)  # several blocks even for a short text
    assert run_cli(["encode", name, text, "--json"]) == 0
    assert capsys.readouterr().out == one_shot_document(tokensmith.load(name), text)


@pytest.mark.parametrize("name", ["mistral-v1", "bert-base-uncased"])
def test_streamed_json_with_bos_and_eos_is_the_one_shot_document(name: str, capsys, monkeypatch) -> None:
    monkeypatch.setattr(stream_out, "BLOCK", 2)
    assert run_cli(["encode", name, "Hello world", "--json", "--add-special"]) == 0
    assert capsys.readouterr().out == one_shot_document(tokensmith.load(name), "Hello world", add_special=True)


def test_human_output_lists_the_ids_then_one_line_per_token(capsys, monkeypatch) -> None:
    monkeypatch.setattr(stream_out, "BLOCK", 1)
    assert run_cli(["encode", "mistral-v1", "Hi there"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "mistral-v1: 2 tokens, 8 bytes",
        "ids: [15359, 736]",
        '   15359       0-2      " Hi"',
        '     736       2-8      " there"',
    ]


def _long_text(n_chars: int) -> str:
    """Words, punctuation and newlines, longer than `chunking.LONG`, so the backends encode it in pieces."""
    rng = random.Random(7)
    words = ["the", "Grüße", "naïve", "2024", "x", "тест", "don't", "--", "中文", "a.b"]
    parts, size = [], 0
    while size < n_chars:
        word = rng.choice(words) + rng.choice([" ", " ", " ", "\n", ", ", "  ", "\n\n"])
        parts.append(word)
        size += len(word)
    return "".join(parts)


@pytest.mark.parametrize("name", ["gpt2", "llama2", "mistral-v1"])
def test_a_long_file_gives_the_unsplit_ids_and_spans_that_spell_it(name: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(chunking, "LONG", 40_000)  # the backends' rule, at a test's scale (1M characters by default)
    monkeypatch.setattr(chunking, "PIECE", 3_000)
    text = _long_text(100_000)
    path, out = tmp_path / "long.txt", tmp_path / "long.json"
    path.write_text(text, encoding="utf-8")
    tok = tokensmith.load(name)
    assert len(list(tok.encode_parts(text))) > 1  # really encoded in pieces
    assert run_cli(["encode", name, "--file", str(path), "--json", "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    backend = tok.backend  # the library itself, on the whole text in one call
    unsplit = {"gpt2": lambda: backend.enc.encode_ordinary(text),
               "llama2": lambda: backend.tok.encode(text, add_special_tokens=False).ids,
               "mistral-v1": lambda: backend.sp.encode(text, out_type=int)}[name]()  # fmt: skip
    assert doc["ids"] == unsplit and doc["n_tokens"] == len(unsplit)
    data = text.encode("utf-8")
    assert b"".join(data[t["start"] : t["end"]] for t in doc["tokens"]) == data
    assert all(a["end"] == b["start"] for a, b in zip(doc["tokens"], doc["tokens"][1:]))
