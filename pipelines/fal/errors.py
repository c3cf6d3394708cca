"""Errors raised by the fal Platform API client.

Every error derives from ``FalError``; messages name the method and path (never the query
string, which may carry a token) and say what to do::

    FalError
    ├── FalConfigError        missing/invalid key, source or base URL (raised before any request)
    ├── FalUnsupportedError   the source's dialect has no such operation (raised before any request)
    ├── FalTransportError     connect/read failure or timeout, after retries
    ├── FalStatusError        non-2xx answer (a redirect too): status_code, error_type, request_id
    │   ├── FalAuthError      401/403: check FAL_KEY / LOWCODEAPI_TOKEN and its scope
    │   ├── FalNotFoundError  404
    │   ├── FalRateLimitError 429: retry_after (seconds) when the server sent Retry-After
    │   └── FalServerError    5xx
    └── FalResponseError      2xx but not what the contract says (bad JSON, missing field,
                              looping cursor, page cap exceeded, a body over the size cap)
"""

from __future__ import annotations


class FalError(Exception):
    """Base class of every error raised by ``pipelines.fal``."""


class FalConfigError(FalError):
    """The client cannot be built: a missing key, an unknown source or an unsafe base URL."""


class FalUnsupportedError(FalError):
    """The operation does not exist in the configured source's dialect."""


class FalTransportError(FalError):
    """The request did not complete (connection refused, reset, timeout).

    ``maybe_sent`` is False only when the connection was never made, so the server cannot
    have acted on the request. ``permanent`` marks a failure that waiting cannot mend (a host
    name that does not exist), so it is not retried.
    """

    def __init__(self, message: str, *, maybe_sent: bool = True, permanent: bool = False) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent
        self.permanent = permanent


class FalStatusError(FalError):
    """The API answered with a non-2xx status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error_type: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_type = error_type
        self.request_id = request_id


class FalAuthError(FalStatusError):
    """401 or 403: the key or token is wrong, or lacks the admin scope."""


class FalNotFoundError(FalStatusError):
    """404: the resource (or, for pricing, a price for one of the endpoints) does not exist.

    ``after_lost_answer`` is True when an earlier attempt of the same request lost its answer,
    so the request itself may have removed the resource (a retried DELETE).
    """

    after_lost_answer: bool = False


class FalRateLimitError(FalStatusError):
    """429: too many requests. ``retry_after`` is set when the server sent ``Retry-After``."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class FalServerError(FalStatusError):
    """5xx: the API failed; retried, then raised."""


class FalResponseError(FalError):
    """A 2xx answer that breaks the contract: bad JSON, a missing field, a looping cursor."""


RETRYABLE = (FalRateLimitError, FalServerError, FalTransportError)
