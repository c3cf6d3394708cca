"""Terse progress lines for terminal runs: ``HH:MM:SS  raw/usage_daily  usage …: 4210 rows``."""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

from pipelines.fal.redaction import RedactingFilter


class ProgressFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None) or {}
        step = (meta.get("step_key") or "").replace("__", "/")
        message = meta.get("orig_message") or record.getMessage()
        stamp = time.strftime("%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}  {step:<26} {message}" if step else f"{stamp}  {message}"


@dg.logger(
    config_schema={"log_level": dg.Field(str, is_required=False, default_value="INFO")},
    description="Progress lines on stderr: asset, day range, rows, requests, retries.",
)
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("falcost.progress")
    logger.setLevel(init_context.logger_config["log_level"])
    logger.propagate = False
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(ProgressFormatter())
        handler.addFilter(RedactingFilter())
        logger.addHandler(handler)
    return logger
