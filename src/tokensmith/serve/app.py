"""The playground's FastAPI app: the JSON API and the static page. OpenAPI schema at /openapi.json, docs at /docs.

Routes (all JSON; bodies at most 1 MB, texts at most 100,000 characters):

    GET  /api/tokenizers   {"tokenizers": [{"name", "vocab_size", "backend"}]}
    POST /api/encode       {"tokenizer", "text"} → {"ids", "tokens": [{"id", "bytes_hex", "text", ...}], counts}
    POST /api/diff         {"tokenizers": [...], "text"} → tokens per tokenizer + "shared_boundaries"
    POST /api/metrics      {"tokenizer", "text", "resamples"} → the `eval --corpus` rows of that text
    POST /api/report       a results.json object → {"html": the report page}
    GET  /                 the page (static/index.html; static/app.js and static/style.css beside it)

Errors: an unknown tokenizer is 404, an oversized body 413, a text that is too long, empty of tokenizers or not
valid Unicode (and a body that is not UTF-8 JSON) 422; each answer's "detail" says what to change. Empty text is
fine: 200 with empty lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, field_validator

from tokensmith.errors import TokensmithError
from tokensmith.serve.limits import MAX_BODY_BYTES, BodyLimit, check_text
from tokensmith.serve.payloads import METRICS_RESAMPLES, diff_payload, encode_payload, metrics_payload, report_payload
from tokensmith.serve.registry import Registry, UnknownTokenizerError

MAX_DIFF_TOKENIZERS = 12


class _Text(BaseModel):
    text: str = Field(description="The text to tokenize (at most 100,000 characters; empty is fine).")

    @field_validator("text")
    @classmethod
    def _valid(cls, text: str) -> str:
        return check_text(text)


class EncodeRequest(_Text):
    """`POST /api/encode`: one tokenizer (a name from `/api/tokenizers`) and the text."""

    tokenizer: str


class DiffRequest(_Text):
    """`POST /api/diff`: one or more tokenizers and the text."""

    tokenizers: list[str] = Field(min_length=1, max_length=MAX_DIFF_TOKENIZERS)


class MetricsRequest(_Text):
    """`POST /api/metrics`: one tokenizer, the text (one sentence per line) and the bootstrap resamples."""

    tokenizer: str
    resamples: int = Field(default=METRICS_RESAMPLES, ge=0, le=1000)


def _held(registry: Registry, names: Sequence[str]) -> list[Any]:
    try:
        return [registry.get(name) for name in names]
    except UnknownTokenizerError as e:
        raise HTTPException(status_code=404, detail=str(e)) from None


async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with where and what, without echoing the input (a lone surrogate in it cannot even be sent back)."""
    errors = [{"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": e.get("type")}
              for e in exc.errors()]  # fmt: skip
    return JSONResponse(status_code=422, content={"detail": errors})


def _static_dir() -> str:
    return str(resources.files("tokensmith.serve") / "static")


def create_app(registry: Registry) -> Any:
    """The ASGI app (FastAPI behind the 1 MB body guard) serving `registry`'s tokenizers.

    Args:
        registry: the tokenizers this server holds (`Registry.load`).

    Example:
        >>> from fastapi.testclient import TestClient
        >>> client = TestClient(create_app(Registry.load(["gpt2"], zoo=False)))
        >>> client.post("/api/encode", json={"tokenizer": "gpt2", "text": "Hello world"}).json()["ids"]
        [15496, 995]
        >>> client.post("/api/encode", json={"tokenizer": "../etc/passwd", "text": "x"}).status_code
        404
    """
    app = FastAPI(title="tokensmith playground", version="1",
                  description="Tokenize text with several tokenizers and compare their cuts, byte-exactly.")  # fmt: skip
    app.state.registry = registry
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    _add_api(app, registry)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(f"{_static_dir()}/index.html")

    app.mount("/static", StaticFiles(directory=_static_dir()), name="static")
    return BodyLimit(app, max_bytes=MAX_BODY_BYTES)


def _add_api(app: FastAPI, registry: Registry) -> None:
    """The /api routes; each one only checks the names and hands over to payloads.py."""

    @app.get("/api/tokenizers")
    def tokenizers() -> dict[str, Any]:
        """The tokenizers this server holds."""
        return {"tokenizers": registry.describe()}

    @app.post("/api/encode")
    def encode(req: EncodeRequest) -> dict[str, Any]:
        """Ids, tokens (bytes_hex; text, or null where a token splits a character) and counts."""
        (tok,) = _held(registry, [req.tokenizer])
        return encode_payload(tok, req.text, name=req.tokenizer)

    @app.post("/api/diff")
    def diff(req: DiffRequest) -> dict[str, Any]:
        """Tokens per tokenizer and the boundaries that all of them share."""
        toks = _held(registry, req.tokenizers)
        return diff_payload(toks, req.text, names=req.tokenizers)

    @app.post("/api/metrics")
    def metrics(req: MetricsRequest) -> dict[str, Any]:
        """The `eval --corpus` metrics of one tokenizer on the text (small texts only: the 100,000-char limit)."""
        (tok,) = _held(registry, [req.tokenizer])
        try:
            return metrics_payload(tok, req.text, name=req.tokenizer, resamples=req.resamples)
        except TokensmithError as e:
            raise HTTPException(status_code=422, detail=str(e)) from None

    @app.post("/api/report")
    def report(results: dict[str, Any]) -> dict[str, str]:
        """The report page (as `tokensmith report` writes it) of a results.json object."""
        try:
            return report_payload(results)
        except TokensmithError as e:
            raise HTTPException(status_code=422, detail=str(e)) from None
