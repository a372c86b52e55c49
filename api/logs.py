"""Secret feed addresses never reach the logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from tracker.services.feeds import FEED_TOKEN_PREFIX

# Whatever follows /calendars/private/ is taken for a secret, a mistyped or revoked one too.
PRIVATE = re.compile(r"(/calendars/private/)[^/\s?]+")
# A token anywhere else, as in a query string (percent-encoded there: no slashes to go by).
TOKEN = re.compile(rf"({re.escape(FEED_TOKEN_PREFIX)})[\w-]+")

# The server's access log (granian logs each request there), and the app's own loggers.
LOGGERS = ("granian.access", "api", "litestar")


def redact(text: str) -> str:
    return TOKEN.sub(r"\1***", PRIVATE.sub(r"\1***", text))


class RedactFeedTokens(logging.Filter):
    """Redacts a record's arguments, positional or a mapping of named fields (granian hands
    over an access line as `logger.info(format, {"path": ..., ...})`), so that they keep their
    shape for whatever formats them; and the message itself if a secret is still in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):
            record.args = {k: _redacted(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(a) for a in record.args)
        if not record.args and isinstance(record.msg, str):
            record.msg = redact(record.msg)
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            # A faulty call: the handler reports the record's message and arguments as they are.
            record.msg = _redacted(record.msg)
            return True
        if redact(message) != message:
            # The format holds the secret, or part of it (`"/calendars/private/%s"`): redacting
            # the format alone could take its placeholders with it.
            record.msg, record.args = redact(message), ()
        return True


def _redacted(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


def redact_feed_tokens() -> None:
    """Install the filter on LOGGERS, once; the app does it wherever it runs, so that whatever
    serves it needs no part in it."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
            logger.addFilter(RedactFeedTokens())
