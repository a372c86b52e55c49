"""Secret feed addresses never reach the logs."""

from __future__ import annotations

import logging
import re

PRIVATE = re.compile(r"(/calendars/private/)[^/\s?]+")


class RedactFeedTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                PRIVATE.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
            )
        if isinstance(record.msg, str):
            record.msg = PRIVATE.sub(r"\1***", record.msg)
        return True


def redact_feed_tokens() -> None:
    """Install the filter on the server's access log and on the app's own loggers."""
    for name in ("uvicorn.access", "uvicorn.error", "api", "litestar"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
            logger.addFilter(RedactFeedTokens())
