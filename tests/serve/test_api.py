"""The playground's JSON API through FastAPI's test client: shapes, golden ids, limits and bad input."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

import tokensmith  # noqa: E402
from tokensmith.serve.app import create_app  # noqa: E402
from tokensmith.serve.registry import Registry  # noqa: E402


@pytest.fixture(scope="module")
def client(trained_file):
    return TestClient(create_app(Registry.load(["gpt2", "llama3", str(trained_file)], zoo=False)))


def test_tokenizers_lists_what_the_server_was_started_with(client):
    doc = client.get("/api/tokenizers").json()
    assert doc["tokenizers"][:2] == [{"name": "gpt2", "vocab_size": 50257, "backend": "tiktoken"},
                                     {"name": "llama3", "vocab_size": 128256, "backend": "tiktoken"}]
    assert doc["tokenizers"][2]["vocab_size"] == 300 and doc["tokenizers"][2]["backend"] == "hf"


def test_encode_gives_golden_ids_and_counts(client):
    doc = client.post("/api/encode", json={"tokenizer": "gpt2", "text": "Hello world"}).json()
    assert doc["ids"] == [15496, 995]  # the shared data README's check for gpt2
    assert [(t["id"], t["bytes_hex"], t["text"]) for t in doc["tokens"]] == [(15496, "48656c6c6f", "Hello"),
                                                                          (995, "20776f726c64", " world")]
    assert (doc["n_tokens"], doc["n_bytes"], doc["bytes_per_token"], doc["chars_per_token"]) == (2, 11, 5.5, 5.5)


def test_a_token_that_splits_a_character_has_null_text_beside_its_bytes(client):
    # gpt2 cuts 東 (e6 9d b1) into two byte-level tokens: neither holds a whole character
    doc = client.post("/api/encode", json={"tokenizer": "gpt2", "text": "東"}).json()
    assert doc["ids"] == tokensmith.load("gpt2").encode("東")
    assert [(t["text"], t["bytes_hex"]) for t in doc["tokens"]] == [(None, "e69d"), (None, "b1")]


def test_diff_answers_tokens_per_tokenizer_and_the_shared_boundaries(client):
    text = "Hello world"
    doc = client.post("/api/diff", json={"tokenizers": ["gpt2", "llama3"], "text": text}).json()
    assert [r["name"] for r in doc["tokenizers"]] == ["gpt2", "llama3"]
    assert doc["tokenizers"][1]["ids"] == tokensmith.load("llama3").encode(text) == [9906, 1917]
    assert doc["shared_boundaries"] == [5]  # both cut before " world"


def test_empty_text_answers_200_with_empty_lists(client):
    doc = client.post("/api/diff", json={"tokenizers": ["gpt2"], "text": ""}).json()
    assert doc["shared_boundaries"] == [] and doc["tokenizers"][0]["ids"] == [] == doc["tokenizers"][0]["tokens"]


def test_a_tokenizer_the_server_does_not_hold_is_404_and_no_path_is_opened(client, trained_file):
    for name in ["o200k_base", str(trained_file), "/etc/passwd"]:
        answer = client.post("/api/encode", json={"tokenizer": name, "text": "x"})
        assert answer.status_code == 404 and "this server holds no tokenizer" in answer.json()["detail"]


def test_the_body_limit_is_1_mb(client):
    just_under = json.dumps({"tokenizer": "gpt2", "text": "a"})
    assert client.post("/api/encode", content=just_under, headers={"content-type": "application/json"}).status_code == 200
    answer = client.post("/api/encode", json={"tokenizer": "gpt2", "text": "a" * 1_000_001})
    assert answer.status_code == 413 and "1,000,000 bytes" in answer.json()["detail"]


def test_a_chunked_body_over_the_limit_is_413_too(client):
    chunks = (b"x" * 100_000 for _ in range(11))  # no Content-Length: the guard counts as it reads
    assert client.post("/api/encode", content=chunks, headers={"content-type": "application/json"}).status_code == 413


def test_the_text_limit_is_100000_characters(client):
    assert client.post("/api/encode", json={"tokenizer": "gpt2", "text": "a" * 100_000}).status_code == 200
    answer = client.post("/api/encode", json={"tokenizer": "gpt2", "text": "a" * 100_001})
    assert answer.status_code == 422 and "at most 100,000" in answer.json()["detail"][0]["msg"]


def test_invalid_utf8_and_lone_surrogates_are_422_with_where(client):
    raw = b'{"tokenizer": "gpt2", "text": "ok \xff"}'
    answer = client.post("/api/encode", content=raw, headers={"content-type": "application/json"})
    assert raw.index(0xFF) == 34 and answer.status_code == 422 and "offset 34" in answer.json()["detail"]
    surrogate = b'{"tokenizer": "gpt2", "text": "a\\ud800"}'
    answer = client.post("/api/encode", content=surrogate, headers={"content-type": "application/json"})
    assert answer.status_code == 422 and "lone surrogate at character 1" in answer.json()["detail"][0]["msg"]


def test_metrics_are_the_eval_corpus_rows(client):
    # "the cat sat on the mat": 22 bytes in 6 gpt2 tokens, one token per word
    doc = client.post("/api/metrics", json={"tokenizer": "gpt2", "text": "the cat sat on the mat", "resamples": 0}).json()
    values = {r["metric"]: r["value"] for r in doc["rows"] if r["param"] is None}
    assert values["bytes_per_token"] == pytest.approx(22 / 6) and values["fertility"] == 1.0
    assert doc["sentences"] == 1


def test_metrics_of_blank_text_is_a_clear_422(client):
    answer = client.post("/api/metrics", json={"tokenizer": "gpt2", "text": " \n "})
    assert answer.status_code == 422 and "no non-blank line" in answer.json()["detail"]


def test_report_renders_a_results_file_and_refuses_other_json(client):
    from tokensmith.measure.results import Results, Row

    results = Results(tokenizers={"t": {"vocab_size": 9}}, langs={}, rows=(Row("t", "c", "*", "bytes_per_token",
                                                                                  None, 4.2),))
    page = client.post("/api/report", json=results.to_dict()).json()["html"]
    assert page.startswith("<!DOCTYPE html>") and 'id="compression"' in page
    answer = client.post("/api/report", json={"schema": "something else"})
    assert answer.status_code == 422 and "not a tokensmith results file" in answer.json()["detail"]


def test_the_page_and_its_assets_are_served_by_the_app(client):
    page = client.get("/").text
    assert 'src="/static/app.js"' in page and "http" not in page.split("<body>")[1]  # no CDN
    assert client.get("/static/app.js").status_code == 200 and client.get("/static/style.css").status_code == 200
    assert set(client.get("/openapi.json").json()["paths"]) == {"/api/tokenizers", "/api/encode", "/api/diff",
                                                                 "/api/metrics", "/api/report"}
