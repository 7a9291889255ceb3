"""A logger for the `websockets` library that keeps presigned queries out of the logs.

At DEBUG, websockets logs each handshake's request line, whose query holds the signature and the
session token. Records through this logger have every `X-Amz-*` query value replaced.
"""

from __future__ import annotations

import logging
import re

__all__ = ["redacting_logger"]

_QUERY_VALUE = re.compile(r"(X-Amz-[A-Za-z-]+=)[^&\s]*")


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "X-Amz-" in message:
            record.msg = _QUERY_VALUE.sub(r"\1***", message)
            record.args = None
        return True


def redacting_logger(name: str) -> logging.Logger:
    """The logger `name`, with `X-Amz-*` query values redacted from its records."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, _Redact) for f in logger.filters):
        logger.addFilter(_Redact())
    return logger
