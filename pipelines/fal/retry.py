"""The retry policy: tenacity, on 429, 5xx and transport errors only, bounded in tries and time.

A request that is not idempotent (a POST without an ``Idempotency-Key``) is retried only when
its body cannot have reached the server: a 429, or a connection that was never made.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from pipelines.fal.errors import RETRYABLE, FalRateLimitError, FalTransportError


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to retry.

    fal documents 429 without ``Retry-After``, so the default is exponential backoff with full
    jitter; a ``Retry-After`` that is present wins, capped at ``max_retry_after``.

    ``request_deadline`` bounds one attempt from the first byte sent to the last byte read
    (httpx's own timeouts are per read, so a server trickling a byte at a time would never time
    out); ``max_list_seconds`` bounds every page of one list together.
    """

    max_attempts: int = 8
    backoff_base: float = 0.5
    max_backoff: float = 20.0
    max_total_seconds: float = 180.0
    max_retry_after: float = 60.0
    request_deadline: float = 120.0
    max_list_seconds: float = 3_600.0


def _unsent(exc: BaseException) -> bool:
    """True when the request surely did not reach the server's handler."""
    return isinstance(exc, FalRateLimitError) or (
        isinstance(exc, FalTransportError) and not exc.maybe_sent and not exc.permanent
    )


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, RETRYABLE) and not getattr(exc, "permanent", False)


def retrying(policy: RetryPolicy, before_sleep, *, idempotent: bool = True) -> AsyncRetrying:
    jitter = wait_random_exponential(multiplier=policy.backoff_base, max=policy.max_backoff)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, FalRateLimitError) and exc.retry_after is not None:
            return min(exc.retry_after, policy.max_retry_after)
        return jitter(state)

    return AsyncRetrying(
        retry=retry_if_exception(_transient if idempotent else _unsent),
        # stop_before_delay: never start a wait that would end past the total budget
        stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.max_total_seconds),
        wait=wait,
        before_sleep=before_sleep,
        reraise=True,
    )
