"""One pooled, bounded, retrying HTTP session against a ``Source``.

Every request goes through ``ApiSession.request``: at most ``max_in_flight`` requests are
on the wire at once (backoff sleeps happen outside that bound), each attempt has a whole-request
deadline and a cap on the answer's size, failures map onto the error tree, writes are retried
only when that is safe, and LowCodeAPI's ``{"message", "provider", "result"}`` envelope is
taken off.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from pipelines.fal.auth import KeyAuth, QueryTokenAuth
from pipelines.fal.errors import (
    FalAuthError,
    FalNotFoundError,
    FalRateLimitError,
    FalResponseError,
    FalServerError,
    FalStatusError,
    FalTransportError,
)
from pipelines.fal.redaction import install_log_redaction, redact
from pipelines.fal.retry import RetryPolicy, retrying
from pipelines.fal.slots import Slots
from pipelines.fal.source import Source

log = logging.getLogger("pipelines.fal")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
# Far above the largest real page (a 10,000-record billing-events page is about 5 MB).
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# The connection was never made, so the server cannot have seen the request.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# getaddrinfo's answers, as Python words them: the name does not exist (no waiting mends it),
# or the resolver could not be asked (it may come back)
NO_SUCH_HOST = ("Name or service not known", "nodename nor servname", "No address associated")
RESOLVER_DOWN = ("Temporary failure in name resolution",)


def unreachable(exc: httpx.TransportError) -> tuple[str | None, bool]:
    """The likely cause of a connection that was never made, and whether it is permanent."""
    if not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        return None, False
    causes, seen = [], exc
    while seen is not None and len(causes) < 8:  # httpx wraps the socket's own error
        causes.append(seen)
        seen = seen.__cause__ or seen.__context__
    text = " | ".join(str(cause) for cause in causes)
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return "connection refused: nothing listens on that port", False
    if any(words in text for words in NO_SUCH_HOST):
        return "the host name does not resolve: check the base URL", True
    if any(words in text for words in RESOLVER_DOWN):
        return "no DNS answer: is this machine online, or behind a proxy?", False
    if isinstance(exc, httpx.ConnectTimeout):
        return "no answer to the connection: a firewall, a proxy or no route", False
    return "the connection failed: is this machine online, or behind a proxy?", False


QueryParams = list[tuple[str, str | int]]


@dataclass(frozen=True)
class Answer:
    """A decoded answer (JSON, or text for CSV) and the server's clock from its ``Date``."""

    body: Any
    server_date: datetime | None


@dataclass
class RequestStats:
    """Counters for progress output and run metadata."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    transport_errors: int = 0
    pages: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


_TALLIES: ContextVar[tuple[RequestStats, ...]] = ContextVar("falcost_tallies", default=())


@contextmanager
def tally() -> Iterator[RequestStats]:
    """Count what the block sends, and the tasks it starts, apart from the session's totals.

    Several operations can share one session; each one's own requests and retries are what
    its asset reports.
    """
    stats = RequestStats()
    token = _TALLIES.set((*_TALLIES.get(), stats))
    try:
        yield stats
    finally:
        _TALLIES.reset(token)


class ApiSession:
    """An ``httpx.AsyncClient`` bound to one source, with retries and a bound on requests in flight.

    Args:
        source: where to send requests and with which credential.
        max_in_flight: requests on the wire at once (the pool has as many connections).
        timeout: httpx timeout; the library default is never relied on.
        retry: the retry policy for 429, 5xx and transport errors.
        transport: an httpx transport to use instead of the network (the in-process simulator).
        max_body_bytes: the largest answer read; a larger one fails naming the path and size.
    """

    def __init__(
        self,
        source: Source,
        *,
        max_in_flight: int = 8,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        install_log_redaction()
        self.source = source
        self.retry = retry or RetryPolicy()
        self.stats = RequestStats()
        self.max_in_flight = max_in_flight
        self.max_body_bytes = max_body_bytes
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._slots: Slots | None = None

    def __repr__(self) -> str:
        return f"ApiSession(source={self.source!r}, max_in_flight={self.max_in_flight})"

    @property
    def _host(self) -> str:
        """The API's host and port as configured (never the secret: keys travel in headers or
        query parameters, not in the base URL)."""
        return httpx.URL(self.source.base_url).netloc.decode() or self.source.base_url

    async def __aenter__(self) -> ApiSession:
        auth = (
            KeyAuth(self.source.secret)
            if self.source.dialect == "fal"
            else QueryTokenAuth(self.source.secret)
        )
        self._client = httpx.AsyncClient(
            base_url=self.source.base_url.rstrip("/"),
            auth=auth,
            timeout=self._timeout,
            limits=httpx.Limits(
                max_connections=self.max_in_flight,
                max_keepalive_connections=self.max_in_flight,
            ),
            headers={"Accept": "application/json", "User-Agent": "falcost/0.1"},
            transport=self._transport,
        )
        self._slots = Slots(self.max_in_flight)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def count(self, counter: str) -> None:
        """Add one to ``counter`` in the session's totals and in every open ``tally``."""
        for stats in (self.stats, *_TALLIES.get()):
            setattr(stats, counter, getattr(stats, counter) + 1)

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        body: dict[str, Any] | None = None,
        what: str = "",
        idempotency_key: str | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """The decoded, unwrapped JSON body of one request (``None`` for 204); see ``request``."""
        answer = await self.request(
            method,
            path,
            params=params,
            body=body,
            what=what,
            idempotency_key=idempotency_key,
            idempotent=idempotent,
        )
        return answer.body

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        body: dict[str, Any] | None = None,
        what: str = "",
        idempotency_key: str | None = None,
        idempotent: bool | None = None,
        text: bool = False,
    ) -> Answer:
        """Send one request (retrying as the policy says) and return its decoded answer.

        ``what`` describes the request in error messages (e.g. "page 3"). ``text`` asks for a
        CSV body, returned as a string. ``idempotency_key`` is sent as the ``Idempotency-Key``
        header on every attempt, so the server can answer a retry with the first attempt's
        result. Without one, a request is idempotent by its method (GET, HEAD, PUT, DELETE)
        unless ``idempotent`` says otherwise; a request that is not is retried only when it
        cannot have reached the server.
        Raises a ``FalError`` subclass; see ``pipelines.fal.errors``.
        """
        if self._client is None or self._slots is None:
            raise RuntimeError("use 'async with ApiSession(...)' before sending requests")
        label = f"{method} {path}" + (f" ({what})" if what else "")
        if idempotent is None:
            idempotent = idempotency_key is not None or method in IDEMPOTENT_METHODS
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        if text:
            headers["Accept"] = "text/csv, text/plain;q=0.9, application/json;q=0.5"
        decode = self._decode_text if text else self._decode
        lost_answer = False

        def before_sleep(state) -> None:
            nonlocal lost_answer
            self.count("retries")
            exc = state.outcome.exception()
            lost_answer |= isinstance(exc, FalTransportError) and exc.maybe_sent
            wait = state.next_action.sleep if state.next_action else 0.0
            # a transport error says why (the host, the likely cause); others by their kind
            why = (
                str(exc).split(" failed: ", 1)[-1]
                if isinstance(exc, FalTransportError)
                else type(exc).__name__
            )
            log.warning(
                "retrying %s after %s (attempt %d, waiting %.2f s)",
                label,
                why,
                state.attempt_number,
                wait,
            )

        try:
            async for attempt in retrying(self.retry, before_sleep, idempotent=idempotent):
                with attempt:
                    async with self._slots.held():
                        response, content = await self._send(
                            method, path, params, body, headers or None, label
                        )
                    return Answer(decode(response, content, label), _server_date(response))
        except FalNotFoundError as exc:
            exc.after_lost_answer = lost_answer
            raise
        except FalTransportError as exc:
            if idempotent or not exc.maybe_sent:
                raise
            raise FalTransportError(
                f"{exc}; not retried: it may have taken effect, and without an Idempotency-Key "
                "a retry could do it twice"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(
        self,
        method: str,
        path: str,
        params: QueryParams | None,
        body: dict[str, Any] | None,
        headers: dict[str, str] | None,
        label: str,
    ) -> tuple[httpx.Response, bytes]:
        assert self._client is not None
        self.count("requests")
        deadline = self.retry.request_deadline
        try:
            async with (
                asyncio.timeout(deadline),
                self._client.stream(
                    method, path, params=params, json=body, headers=headers
                ) as response,
            ):
                content = await self._read_capped(response, label)
        except TimeoutError:
            self.count("transport_errors")
            raise FalTransportError(
                f"{label} failed: no complete answer within {deadline:g} s (the request deadline)"
            ) from None
        except httpx.TransportError as exc:
            self.count("transport_errors")
            detail = redact(str(exc), self.source.secret) or type(exc).__name__
            cause, permanent = unreachable(exc)
            where = f" (cannot reach {self._host}: {cause})" if cause else ""
            raise FalTransportError(
                f"{label} failed: {type(exc).__name__}: {detail}{where}",
                maybe_sent=not isinstance(exc, NEVER_SENT),
                permanent=permanent,
            ) from None
        if response.status_code >= 300:
            raise self._status_error(response, content, label)
        return response, content

    async def _read_capped(self, response: httpx.Response, label: str) -> bytes:
        """The body, refusing one larger than ``max_body_bytes`` before it fills memory."""
        cap = self.max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FalResponseError(
                f"{label}: the answer is {int(declared):,} bytes, over the {cap:,}-byte limit "
                "on one response; stopping"
            )
        parts: list[bytes] = []
        size = 0
        async for part in response.aiter_bytes():
            size += len(part)
            if size > cap:
                raise FalResponseError(
                    f"{label}: the answer passed {cap:,} bytes, the limit on one response; stopping"
                )
            parts.append(part)
        return b"".join(parts)

    def _status_error(self, response: httpx.Response, content: bytes, label: str) -> FalStatusError:
        status = response.status_code
        text = f"'{status} {response.reason_phrase}' for {label}"
        fields: dict[str, Any] = {"status_code": status}
        if status < 400:
            location = response.headers.get("location", "")
            target = location.split("?", 1)[0] or "nowhere"
            text += f": the API redirected to {target}; check the base URL"
            return FalStatusError(redact(text, self.source.secret), **fields)
        error_type, message, request_id = _error_fields(content)
        if error_type or message:
            text += f": {error_type or 'error'}: {message or ''}".rstrip(": ")
        text = redact(text, self.source.secret)
        fields |= {"error_type": error_type, "request_id": request_id}
        if status in (401, 403):
            hint = (
                "check FAL_KEY (usage and compute need an ADMIN-scope key)"
                if self.source.dialect == "fal"
                else "check LOWCODEAPI_TOKEN and the fal connection in LowCodeAPI"
            )
            return FalAuthError(f"{text}; {hint}", **fields)
        if status == 404:
            return FalNotFoundError(text, **fields)
        if status == 429:
            self.count("rate_limited")
            retry_after = _retry_after_seconds(
                response.headers.get("Retry-After") or response.headers.get("x-ratelimit-reset")
            )
            return FalRateLimitError(text, retry_after=retry_after, **fields)
        if status >= 500:
            self.count("server_errors")
            return FalServerError(text, **fields)
        return FalStatusError(text, **fields)

    def _decode(self, response: httpx.Response, content: bytes, label: str) -> Any:
        if response.status_code == 204 or not content:
            return None
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        if "json" not in content_type:
            raise FalResponseError(
                f"{label} answered {response.status_code} with {content_type or 'no content type'}"
                " instead of JSON"
            )
        try:
            payload = json.loads(content)
        except ValueError as exc:
            raise FalResponseError(f"malformed JSON in the answer to {label}: {exc}") from None
        return unwrap(payload)

    def _decode_text(self, response: httpx.Response, content: bytes, label: str) -> str:
        """A CSV answer as text; a JSON string (e.g. the proxy's envelope around it) is accepted."""
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        if "json" in content_type:
            payload = self._decode(response, content, label)
            if isinstance(payload, str):
                return payload
            raise FalResponseError(f"{label} answered a JSON object instead of CSV text")
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FalResponseError(f"{label} answered text that is not UTF-8: {exc}") from None


def _server_date(response: httpx.Response) -> datetime | None:
    """The answer's ``Date`` header as an aware datetime, or None when absent or malformed."""
    try:
        stamp = email.utils.parsedate_to_datetime(response.headers.get("date", ""))
    except (TypeError, ValueError):
        return None
    return stamp if stamp.tzinfo is not None else None


def unwrap(payload: Any) -> Any:
    """Take LowCodeAPI's success envelope off; bare fal bodies pass through unchanged."""
    if isinstance(payload, dict) and "result" in payload and "provider" in payload:
        return payload["result"]
    return payload


def _error_fields(content: bytes) -> tuple[str | None, str | None, str | None]:
    """Read fal's ``{"error": {...}}`` body, also when LowCodeAPI wrapped it once more."""
    try:
        payload = json.loads(content)
    except ValueError:
        return None, None, None
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict) and isinstance(error.get("error"), dict):
        error = error["error"]
    if not isinstance(error, dict):
        message = payload.get("message") if isinstance(payload, dict) else None
        return None, message if isinstance(message, str) else None, None
    return error.get("type"), error.get("message"), error.get("request_id")


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # the HTTP-date form
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())
