"""Keep sign-in secrets out of log lines: the access log masks sensitive query parameters.

A provider's callback carries ``code`` and ``state`` in its query string, and
the access log of the ASGI server prints every request's path with its query.
`RedactQuery` replaces those values with ``***`` before a record is formatted;
`install` puts it on the loggers that print request URLs. Our own log lines
never include tokens to begin with (they name users and sessions by id).
"""

from __future__ import annotations

import logging
import re
from typing import Final

SENSITIVE_PARAMETERS: Final = (
    "code",
    "state",
    "ticket",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code_verifier",
    "nonce",
)
_PATTERN: Final = re.compile(r"([?&](?:" + "|".join(SENSITIVE_PARAMETERS) + r")=)[^&#\s\"]*")
_LOGGERS: Final = ("uvicorn.access", "uvicorn.error", "httpx", "httpcore")


def redact(text: str) -> str:
    """`text` with the values of sensitive query parameters masked."""
    return _PATTERN.sub(r"\1***", text)


class RedactQuery(logging.Filter):
    """Masks sensitive query parameters in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def install() -> None:
    """Attach one `RedactQuery` to every logger that prints request URLs (idempotent)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactQuery) for existing in logger.filters):
            logger.addFilter(RedactQuery())
