"""Typed client for the fal Platform API (directly, or through the LowCodeAPI proxy).

Imports httpx and tenacity, never Dagster, polars or DuckDB.
"""

from pipelines.fal.client import FalClient, PricingResult
from pipelines.fal.errors import (
    FalAuthError,
    FalConfigError,
    FalError,
    FalNotFoundError,
    FalRateLimitError,
    FalResponseError,
    FalServerError,
    FalStatusError,
    FalTransportError,
    FalUnsupportedError,
)
from pipelines.fal.fanout import day_windows
from pipelines.fal.retry import RetryPolicy
from pipelines.fal.source import Source, is_loopback_host

__all__ = [
    "FalAuthError",
    "FalClient",
    "FalConfigError",
    "FalError",
    "FalNotFoundError",
    "FalRateLimitError",
    "FalResponseError",
    "FalServerError",
    "FalStatusError",
    "FalTransportError",
    "FalUnsupportedError",
    "PricingResult",
    "RetryPolicy",
    "Source",
    "day_windows",
    "is_loopback_host",
]
