"""Request limits of the playground: a body-size guard in front of the app (413) and the text-length check (422).

`BodyLimit` is plain ASGI middleware. It reads the body itself, up to the limit, before the app sees any of it,
so a chunked upload without a Content-Length is refused as soon as it passes the limit, and the app never holds
more than the limit in memory. A body that is not UTF-8 is answered 422 with the offending byte's offset. The text limit lives in the request models (`check_text`), which FastAPI turns into
a 422 with the field named.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

MAX_BODY_BYTES = 1_000_000  # 1 MB
MAX_TEXT_CHARS = 100_000

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def check_text(text: str, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    """`text`, if it is at most `max_chars` characters of valid Unicode (no lone surrogates); else ValueError.

    Args:
        text: the request's text.
        max_chars: the limit.

    Example:
        >>> check_text("héllo")
        'héllo'
        >>> check_text("a\\ud800b")
        Traceback (most recent call last):
        ...
        ValueError: the text is not valid Unicode: a lone surrogate at character 1 cannot be written as UTF-8. Send the text as UTF-8 JSON.
    """
    if len(text) > max_chars:
        raise ValueError(f"the text has {len(text):,} characters; the playground takes at most {max_chars:,}. "
                         "Paste a shorter excerpt, or measure the whole file with `tokensmith eval --corpus FILE`.")  # fmt: skip
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"the text is not valid Unicode: a lone surrogate at character {e.start} cannot be written "
                         "as UTF-8. Send the text as UTF-8 JSON.") from None  # fmt: skip
    return text


class BodyLimit:
    """ASGI middleware: answer 413 to any HTTP request whose body is larger than `max_bytes`.

    Args:
        app: the ASGI app behind it.
        max_bytes: the limit.

    Example:
        >>> BodyLimit(app=None, max_bytes=10).max_bytes
        10
    """

    def __init__(self, app: Any, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._reject(send)
                return
            if not message.get("more_body", False):
                break
        bad = _utf8_error(bytes(body))
        if bad is not None:
            await _answer(send, 422, bad)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _reject(self, send: Send) -> None:
        await _answer(send, 413, f"the request body is larger than {self.max_bytes:,} bytes, the playground's limit. "
                                 "Send a shorter text, or run `tokensmith eval --corpus FILE` on the whole file.")


def _utf8_error(body: bytes) -> str | None:
    """Why the body is not UTF-8 (with the byte offset), or None when it is."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        return (f"the request body is not UTF-8 (byte 0x{body[e.start]:02x} at offset {e.start}): send JSON encoded "
                "as UTF-8; a text file in another encoding must be converted first (e.g. iconv -t utf-8).")
    return None


async def _answer(send: Send, status: int, detail: str) -> None:
    payload = json.dumps({"detail": detail}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands over the buffered body once, then defers to the real one (disconnects)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
