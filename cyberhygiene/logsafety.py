"""Logging that can never print the bot token.

httpx logs every request URL at INFO, and Bot API URLs contain the token
(``…/bot<token>/sendMessage``). :func:`configure_logging` sets the httpx/httpcore loggers to
WARNING *and* installs :class:`RedactingFilter` on every handler, which rewrites the final message,
its arguments, exception tracebacks and stack info, replacing the token (and anything shaped like
a bot token) with ``[REDACTED]``.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

TOKEN_SHAPE = re.compile(r"\b\d{5,16}:[A-Za-z0-9_-]{20,}")
REDACTED = "[REDACTED]"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return TOKEN_SHAPE.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record so that no secret survives formatting."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_info:
            text = record.exc_text or self._formatter.formatException(record.exc_info)
            record.exc_text = redact(text, self.secrets)
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def configure_logging(
    level: str, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """Configure the root logger once (the CLI calls this; library modules never do)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # At DEBUG, python-telegram-bot logs every Bot API call with its parameters and result: the
    # users' messages (including those sent to the scam checker, which are never to be logged)
    # and the bot's replies quoting them. Its own debug lines stay off whatever the level.
    logging.getLogger("telegram").setLevel(max(logging.INFO, root.getEffectiveLevel()))
    return handler
