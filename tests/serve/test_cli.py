"""`tokensmith serve`: a bad SPEC stops it before it listens; a good start answers on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import run_cli
from tokensmith.serve.registry import Registry

pytest.importorskip("uvicorn")


def test_an_unknown_tokenizer_at_start_exits_2_naming_it(capsys):
    assert run_cli(["serve", "--no-zoo", "gpt2", "no-such-tokenizer"]) == 2
    assert "no-such-tokenizer" in capsys.readouterr().err


def test_the_default_set_is_the_zoo_without_gguf_models():
    names = Registry.load([]).names()
    assert {"gpt2", "o200k_base", "llama3", "mistral-v1", "bert-base-uncased"} <= set(names)
    assert "smollm2" not in names and "gemma3" not in names  # GGUF-backed: only when named
    assert "smollm2" not in Registry.load(["gpt2"], zoo=False).names()


def test_serve_binds_loopback_and_answers_the_api(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "tokensmith.cli.main", "serve", "--no-zoo", "gpt2", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline, answer = time.monotonic() + 30, None
        while answer is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/tokenizers", timeout=2) as r:
                    answer = json.load(r)
            except OSError:
                time.sleep(0.2)
        assert answer == {"tokenizers": [{"name": "gpt2", "vocab_size": 50257, "backend": "tiktoken"}]}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
