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

_REGISTERED: set[str] = set()  # secrets made at run time (a generated webhook secret)


def register_secret(secret: str) -> None:
    """Add a secret every :class:`RedactingFilter` removes from now on."""
    if secret:
        _REGISTERED.add(secret)


TOKEN_SHAPE = re.compile(r"\b\d{5,16}:[A-Za-z0-9_-]{20,}")
REDACTED = "[REDACTED]"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in [*secrets, *_REGISTERED]:
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
    # python-telegram-bot logs whole updates and request parameters at DEBUG (messages, names,
    # user ids): keep it at INFO even when we debug, so DEBUG holds as little personal data as
    # possible (see README, "Logs and privacy"); the messages sent to the scam checker, which
    # are never to be logged, stay out of the logs at every level.
    numeric = logging.getLevelName(level) if isinstance(level, str) else int(level)
    logging.getLogger("telegram").setLevel(max(logging.INFO, numeric if isinstance(numeric, int) else 0))
    return handler
