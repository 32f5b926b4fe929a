"""The webhook HTTP server (tornado, which python-telegram-bot's webhook extra installs).

Replaces PTB's own handler for three reasons: an update must be stored before the 200 that
tells Telegram it arrived (see :mod:`cyberhygiene.intake`); a request is judged before its body
is read (the secret first, 403; then the declared size, 413 over :data:`MAX_BODY`); and no
request body is ever logged (PTB's handler logs whole bodies at DEBUG and on errors). Malformed
JSON or a body that is not an update gets 400, not 500.

It knows nothing about Telegram objects: ``accept(data)`` (given by the channel) turns the JSON
object into an update, starts handling it and returns once it is stored; it raises
:class:`BadUpdate` for a body that is not an update.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.httpserver
import tornado.web

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Telegram's updates are far smaller; anything bigger is refused
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

Accept = Callable[[dict[str, Any]], Awaitable[None]]


class BadUpdate(ValueError):
    """The body is JSON but not an update."""


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """POST an update: 403 (wrong secret), 413 (too big), 400 (not an update), 200 (stored)."""

    def initialize(self, accept: Accept, secret: str | None, max_body: int) -> None:
        self._accept = accept
        self._secret = secret
        self._max_body = max_body
        self._chunks: list[bytes] = []
        self._size = 0
        self._refused = False

    def _refuse(self, status: int, why: str) -> None:
        self._refused = True
        logger.debug("webhook: refused a request (%d: %s)", status, why)
        self.set_status(status)
        # The rest of the body is not read: tornado closes the connection, and says so.
        self.set_header("Connection", "close")
        self.finish()

    def prepare(self) -> None:
        if self.request.method != "POST":
            self._refuse(405, "not a POST")
            return
        if self._secret is not None:
            given = self.request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self._secret.encode()):
                self._refuse(403, "wrong or missing secret token")
                return
        declared = self.request.headers.get("Content-Length")
        try:
            too_big = declared is not None and int(declared) > self._max_body
        except ValueError:
            self._refuse(400, "bad Content-Length")
            return
        if too_big:
            self._refuse(413, f"declared {declared} bytes")

    def data_received(self, chunk: bytes) -> None:
        if self._refused:
            return
        self._size += len(chunk)
        if self._size > self._max_body:  # a chunked body with no declared size
            self._chunks.clear()
            self._refuse(413, "body over the limit")
            return
        self._chunks.append(chunk)

    async def post(self) -> None:
        if self._refused:
            return
        body = b"".join(self._chunks)
        self._chunks.clear()
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._refuse(400, f"not JSON ({type(exc).__name__}, {len(body)} bytes)")
            return
        if not isinstance(data, dict):
            self._refuse(400, "JSON but not an object")
            return
        try:
            await self._accept(data)
        except BadUpdate as exc:
            self._refuse(400, f"not an update ({exc})")
            return
        self.set_status(200)
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # No traceback, no body in the answer; the error itself is logged by tornado.
        self.finish()


def make_server(url_path: str, accept: Accept, secret: str | None) -> tornado.httpserver.HTTPServer:
    """An HTTP server answering POSTs to ``/url_path``; call ``.listen(port, address)``."""
    path = "/" + url_path.strip("/")
    app = tornado.web.Application(
        [(path, UpdateHandler, {"accept": accept, "secret": secret, "max_body": MAX_BODY})],
        log_function=_log_request,
    )
    # A backstop for the body size; the handler refuses bigger bodies first, with 413.
    return tornado.httpserver.HTTPServer(app, max_body_size=16 * MAX_BODY, xheaders=False)


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Status and time only: never the body, never the query."""
    status = handler.get_status()
    level = logging.DEBUG if status < 400 else logging.INFO
    logger.log(
        level, "webhook %d %s %.1fms", status, handler.request.method, 1000 * handler.request.request_time()
    )
