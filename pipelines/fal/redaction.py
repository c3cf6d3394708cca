"""Keep secrets out of text: URLs, log records and error messages.

httpx logs every request URL at INFO, and the LowCodeAPI token travels in the query string,
so a filter on the ``httpx`` logger rewrites records before any handler sees them.
"""

from __future__ import annotations

import logging
import re

_SECRET_QUERY = re.compile(r"(?i)\b(api_token|token|key|api_key)=([^&\s\"'#]+)")
_KEY_HEADER = re.compile(r"\b(Key\s+[\w\-.]+:[\w\-.]+|Bearer\s+[\w\-.~+/]{16,}=*)")


def redact(text: str, *secrets: str | None) -> str:
    """Return ``text`` with query tokens, ``Key …`` headers and the given secrets masked."""
    text = _SECRET_QUERY.sub(r"\1=***", text)
    text = _KEY_HEADER.sub(lambda m: m.group(0).split()[0] + " ***", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the fully formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install_log_redaction() -> None:
    """Attach the filter to the loggers that print request URLs (idempotent)."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
