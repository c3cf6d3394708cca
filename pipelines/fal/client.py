"""FalClient: every operation of both dialects, over one ``ApiSession``.

The client knows paths, parameters and page loops; it returns flat records (see ``records``)
and never imports Dagster, polars or DuckDB, so the CLI, the assets and tests share it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import httpx

from pipelines.fal import bill_records, records
from pipelines.fal.errors import (
    FalNotFoundError,
    FalResponseError,
    FalStatusError,
    FalUnsupportedError,
)
from pipelines.fal.fanout import Tally, chunks, day_windows, next_month, run_all
from pipelines.fal.pagination import pages
from pipelines.fal.retry import RetryPolicy
from pipelines.fal.session import DEFAULT_TIMEOUT, ApiSession, QueryParams
from pipelines.fal.slots import urgent
from pipelines.fal.source import Source

T = TypeVar("T")
MAX_IDS_PER_REQUEST = 50  # fal's documented limit for endpoint_id lists
USAGE_EXPAND = ("time_series", "auth_method", "auth_method_structured")
SERIES_EXPAND = ("time_series",)
EVENTS_PAGE_SIZE = 10_000  # fal's cap on one page of billing events (API.md §8)
ANALYTICS_EXPAND = ("time_series", *records.ANALYTICS_METRICS)

_PATHS = {
    "fal": {
        "models": "/models",
        "pricing": "/models/pricing",
        "estimate": "/models/pricing/estimate",
        "usage": "/models/usage",
        "analytics": "/models/analytics",
        "instances": "/compute/instances",
        "serverless_usage": "/serverless/usage",
        "organization_usage": "/organization/usage",
        "teams": "/organization/teams",
        "keys": "/keys",
        "billing": "/account/billing",
        "focus": "/account/focus",
        "billing_events": "/models/billing-events",
    },
    "lowcodeapi": {
        "models": "/v1/models",
        "model": "/v1/models/model_id",
        "pricing": "/v1/pricing",
        "usage": "/v1/usage",
        "analytics": "/v1/analytics",
        "instances": "/v1/compute/instances",
        "instance": "/v1/compute/instances/instance_id",
        "start": "/v1/compute/instances/instance_id/start",
        "stop": "/v1/compute/instances/instance_id/stop",
        "monitor": "/v1/compute/instances/instance_id/monitor",
        "batch": "/v1/batch",
    },
}


async def _numbered(pages: AsyncIterator[T]) -> AsyncIterator[tuple[int, T]]:
    number = 0
    async for page in pages:
        number += 1
        yield number, page


@dataclass(frozen=True)
class Statement:
    """fal's FOCUS lines for one charge month: ``source`` is ``invoice`` or ``estimate``."""

    source: str
    charge_month: date
    lines: list[records.Record]


@dataclass(frozen=True)
class PricingResult:
    prices: list[records.Record]
    unpriced: list[str]  # endpoints for which the API has no price (the 404 quirk)


class FalClient:
    """Async client for the fal Platform API, directly or through LowCodeAPI.

    Args:
        source: the endpoint, dialect and credential (see ``Source``).
        max_in_flight: requests on the wire at once; analytics fans out over id batches and windows.
        window_days: longest date range per usage/analytics request.
        usage_page_size: ``limit`` for usage and analytics pages.
        retry: retry policy for 429/5xx/transport errors.
        transport: an httpx transport to use instead of the network (in-process simulator).
        progress: called with a short line as long fetches advance (e.g. a logger's ``info``).
    """

    def __init__(
        self,
        source: Source,
        *,
        max_in_flight: int = 8,
        window_days: int = 90,
        usage_page_size: int = 1000,
        model_page_size: int = 100,
        max_pages: int = 10_000,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.source = source
        self.progress = progress
        self.session = ApiSession(
            source, max_in_flight=max_in_flight, timeout=timeout, retry=retry, transport=transport
        )
        self.window_days = window_days
        self.usage_page_size = usage_page_size
        self.model_page_size = model_page_size
        self.max_pages = max_pages

    def __repr__(self) -> str:
        return f"FalClient(source={self.source!r})"

    async def __aenter__(self) -> FalClient:
        await self.session.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.session.__aexit__(*exc_info)

    @property
    def stats(self) -> dict[str, int]:
        return self.session.stats.as_dict()

    def _path(self, operation: str) -> str:
        path = _PATHS[self.source.dialect].get(operation)
        if path is None:
            raise FalUnsupportedError(
                f"'{operation}' is not supported by the {self.source.name!r} source "
                f"({self.source.dialect} dialect)"
            )
        return path

    def _lowcode(self) -> bool:
        return self.source.dialect == "lowcodeapi"

    async def _pages(self, path: str, params: QueryParams, *, collection: str, what: str = ""):
        """Every page of a list; the proxy's catalogue and instance lists page by offset."""
        if self._lowcode() and collection in ("models", "instances"):
            scheme, limit = "offset", self.model_page_size
        else:  # fal documents no limit for prices (its id batches are the pages), keys or teams
            unbounded = collection in ("prices", "keys", "teams")
            scheme, limit = "cursor", None if unbounded else self._limit(collection)
        async for body in pages(
            self.session,
            path,
            params,
            collection=collection,
            scheme=scheme,
            limit=limit,
            what=what,
            max_pages=self.max_pages,
        ):
            self.session.count("pages")
            yield body

    def _limit(self, collection: str) -> int:
        if collection == "billing_events":
            return EVENTS_PAGE_SIZE
        return self.usage_page_size if collection == "time_series" else self.model_page_size

    # -- catalogue ---------------------------------------------------------------------------

    async def models(self) -> list[records.Record]:
        """Every endpoint in the catalogue (all statuses), one record each."""
        return [record async for page in self.models_pages() for record in page]

    async def models_pages(self) -> AsyncIterator[list[records.Record]]:
        """The catalogue page by page, so work on the first ids can start before the last page.

        Its pages are asked ahead of other requests waiting for a slot (``urgent``): they form
        one chain, and prices and analytics wait for its end.
        """
        path = self._path("models")
        with urgent():
            async for body in self._pages(path, [], collection="models"):
                yield [records.model_record(item, f"GET {path}") for item in body["models"]]

    async def model(self, endpoint_id: str) -> dict[str, Any]:
        """One catalogue entry as the API returns it; raises ``FalNotFoundError`` if unknown."""
        if self._lowcode():
            params: QueryParams = [("model_id", endpoint_id)]
            body = await self.session.request_json("GET", self._path("model"), params=params)
        else:
            params = [("endpoint_id", endpoint_id)]
            body = await self.session.request_json("GET", self._path("models"), params=params)
        found = body.get("models") if isinstance(body, dict) else None
        if not found:
            raise FalNotFoundError(f"model {endpoint_id!r} not found", status_code=404)
        return found[0]

    async def pricing(
        self, endpoint_ids: Sequence[str], *, suspects: Iterable[str] = ()
    ) -> PricingResult:
        """Prices for ``endpoint_ids`` in batches of 50.

        fal answers 404 for a whole batch when one endpoint has no price; such a batch is split
        in halves (binary splitting) until the unpriced endpoints are isolated. ``suspects``
        (e.g. last run's unpriced endpoints) are asked one by one: a known gap costs one request.
        """
        path = self._path("pricing")
        suspect_set = set(suspects) & set(endpoint_ids)
        regular = [e for e in endpoint_ids if e not in suspect_set]
        prices: list[records.Record] = []
        unpriced: list[str] = []

        async def fetch(batch: Sequence[str], *, known_unpriced: bool = False) -> bool:
            """Price ``batch``; True when every endpoint in it has a price."""
            if not known_unpriced:
                params: QueryParams = [("endpoint_id", e) for e in batch]
                try:
                    found: list[records.Record] = []
                    async for body in self._pages(path, params, collection="prices"):
                        found.extend(records.price_record(p, f"GET {path}") for p in body["prices"])
                    prices.extend(found)
                    # an id the answer leaves out has no price in it: unpriced, never guessed
                    answered = {price["endpoint_id"] for price in found}
                    silent = [e for e in batch if e not in answered]
                    unpriced.extend(silent)
                    return not silent
                except FalNotFoundError:
                    pass
            if len(batch) == 1:
                unpriced.append(batch[0])
                return False
            half = len(batch) // 2
            # If the left half is fully priced, the right half holds the gap: its 404 is
            # certain, so it is split without being asked whole.
            left_priced = await fetch(batch[:half])
            await fetch(batch[half:], known_unpriced=left_priced)
            return False

        batches = chunks(regular, MAX_IDS_PER_REQUEST) + [[e] for e in sorted(suspect_set)]
        await run_all(fetch(batch) for batch in batches)
        return PricingResult(prices=prices, unpriced=sorted(unpriced))

    async def estimate(self, estimate_type: str, endpoints: dict[str, dict]) -> dict[str, Any]:
        """``POST /models/pricing/estimate`` (fal dialect only); a pure computation, so retried."""
        body = {"estimate_type": estimate_type, "endpoints": endpoints}
        return await self.session.request_json(
            "POST", self._path("estimate"), body=body, idempotent=True
        )

    async def check_access(self) -> None:
        """Ask for one usage item of yesterday: the cheapest admin-scope request.

        Raises ``FalAuthError`` when the credential is wrong or lacks the ADMIN scope, so a
        sync can stop before it writes anything.
        """
        today = datetime.now(UTC).date()
        params = self._window_params(today - timedelta(days=1), today, USAGE_EXPAND)
        await self.session.request_json(
            "GET", self._path("usage"), params=params + [("limit", 1)], what="access check"
        )

    # -- usage and analytics -----------------------------------------------------------------

    def _windows(self, start: date, end: date, *, streams: int) -> list[tuple[date, date]]:
        """Windows for ``[start, end)``: at most ``window_days`` long, and enough of them that
        ``streams`` parallel page loops per window fill the requests allowed in flight (pages of
        one cursor are sequential, so one long window would wait on each page in turn)."""
        days = (end - start).days
        wanted = -(-self.session.max_in_flight // max(streams, 1))
        count = max(-(-days // self.window_days), min(wanted, days))
        span = max(1, -(-days // count))  # equal windows: no short tail window
        return day_windows(start, end, span)

    def _window_params(self, start: date, end: date, expand: Iterable[str]) -> QueryParams:
        if self._lowcode():  # the proxy's own range params are inclusive dates
            params: QueryParams = [
                ("start_date", start.isoformat()),
                ("end_date", (end - timedelta(days=1)).isoformat()),
            ]
        else:
            params = [("start", start.isoformat()), ("end", end.isoformat())]
        # Always explicit: the API auto-picks week at 64 days and month at 183 days otherwise.
        params += [("timeframe", "day"), ("timezone", "UTC"), ("bound_to_timeframe", "true")]
        return params + [("expand", e) for e in expand]

    async def usage(
        self,
        start: date,
        end: date,
        *,
        transform: Callable[[list[records.Record]], T] = lambda page: page,
    ) -> list[T]:
        """Usage line items for the UTC days ``[start, end)``, all endpoints, split by API key.

        Windows of ``window_days`` are fetched concurrently; ``transform`` is applied to each
        page's records as it arrives (e.g. to build a columnar frame) and the results returned.
        """
        return await self._series(
            "usage", start, end, USAGE_EXPAND, records.usage_records, transform
        )

    async def serverless_usage(
        self,
        start: date,
        end: date,
        *,
        transform: Callable[[list[records.Record]], T] = lambda page: page,
    ) -> list[T]:
        """Machine time of the account's own serverless apps for the UTC days ``[start, end)``."""
        return await self._series(
            "serverless_usage",
            start,
            end,
            SERIES_EXPAND,
            bill_records.serverless_records,
            transform,
            small=True,
        )

    async def organization_usage(
        self,
        start: date,
        end: date,
        *,
        transform: Callable[[list[records.Record]], T] = lambda page: page,
    ) -> list[T]:
        """Every team's usage by product for the UTC days ``[start, end)`` (enterprise only)."""
        return await self._series(
            "organization_usage",
            start,
            end,
            SERIES_EXPAND,
            bill_records.organization_usage_records,
            transform,
            small=True,
        )

    async def billing_events(
        self,
        start: date,
        end: date,
        *,
        transform: Callable[[list[records.Record]], T] = lambda page: page,
    ) -> list[T]:
        """Every billed request of the UTC days ``[start, end)``, 10,000 to a page, windows of
        at most 90 days (the API's cap) fetched in parallel."""
        path = self._path("billing_events")
        results: list[T] = []

        async def window(lo: date, hi: date) -> None:
            what = f"billing events {lo}..{hi - timedelta(days=1)}"
            params: QueryParams = [("start", lo.isoformat()), ("end", hi.isoformat())]
            params += [("expand", "auth_method"), ("expand", "auth_method_structured")]
            pages = self._pages(path, params, collection="billing_events", what=what)
            count = 0
            async for number, body in _numbered(pages):
                page = bill_records.billing_event_records(
                    body, f"GET {path} ({what} page {number})"
                )
                count += len(page)
                results.append(transform(page))
            tally.done(f"{what}: {count} events")

        windows = self._windows(start, end, streams=1)
        tally = Tally(len(windows), self.progress)
        await run_all(window(lo, hi) for lo, hi in windows)
        return results

    async def _series(
        self,
        operation: str,
        start: date,
        end: date,
        expand: Sequence[str],
        mapping: Callable[[dict, str, records.BucketDates], list[records.Record]],
        transform: Callable[[list[records.Record]], T],
        *,
        small: bool = False,
    ) -> list[T]:
        """A daily time series over ``[start, end)``: windows in parallel, pages in order.

        A ``small`` series (a few rows a day) takes windows as long as the API allows: one
        request each, where splitting to fill the slots would only multiply requests.
        """
        path = self._path(operation)
        name = operation.replace("_", " ")
        results: list[T] = []

        async def window(lo: date, hi: date) -> None:
            what = f"{name} {lo}..{hi - timedelta(days=1)}"
            dates = records.BucketDates(f"GET {path} ({what})")
            params = self._window_params(lo, hi, expand)
            rows = 0
            pages = self._pages(path, params, collection="time_series", what=what)
            async for number, body in _numbered(pages):
                page = mapping(body, f"GET {path} ({what} page {number})", dates)
                rows += len(page)
                results.append(transform(page))
            tally.done(f"{what}: {rows} rows")

        if small:
            windows = day_windows(start, end, self.window_days)
        else:
            windows = self._windows(start, end, streams=1)
        tally = Tally(len(windows), self.progress)
        await run_all(window(lo, hi) for lo, hi in windows)
        return results

    async def analytics(
        self,
        start: date,
        end: date,
        endpoint_ids: Sequence[str],
        *,
        transform: Callable[[list[records.Record]], T] = lambda page: page,
    ) -> list[T]:
        """Request counts and latencies per endpoint and UTC day in ``[start, end)``.

        ``endpoint_id`` is required by the API (1-50 per request), so this fans out over id
        batches times windows, all in flight up to the session's bound.
        """
        path = self._path("analytics")
        results: list[T] = []

        async def one(batch: Sequence[str], lo: date, hi: date) -> None:
            what = f"analytics {lo}..{hi - timedelta(days=1)}"
            dates = records.BucketDates(f"GET {path} ({what})")
            params = self._window_params(lo, hi, ANALYTICS_EXPAND)
            params += [("endpoint_id", e) for e in batch]
            pages = self._pages(path, params, collection="time_series", what=what)
            async for number, body in _numbered(pages):
                where = f"GET {path} ({what} page {number})"
                results.append(transform(records.analytics_records(body, where, dates)))
            tally.done("analytics")

        batches = chunks(list(endpoint_ids), MAX_IDS_PER_REQUEST)
        windows = self._windows(start, end, streams=len(batches))
        tally = Tally(len(windows) * len(batches), self.progress)
        await run_all(one(batch, lo, hi) for lo, hi in windows for batch in batches)
        return results

    # -- the rest of the bill ----------------------------------------------------------------

    async def keys(self) -> list[records.Record]:
        """Every API key of the account (``GET /keys``), with who created it."""
        path = self._path("keys")
        out: list[records.Record] = []
        async for body in self._pages(path, [("expand", "creator_info")], collection="keys"):
            out.extend(bill_records.key_record(k, f"GET {path}") for k in body["keys"])
        return out

    async def teams(self) -> list[records.Record]:
        """The teams of the account's organization (``GET /organization/teams``, enterprise)."""
        path = self._path("teams")
        out: list[records.Record] = []
        async for body in self._pages(path, [], collection="teams"):
            out.extend(bill_records.team_record(t, f"GET {path}") for t in body["teams"])
        return out

    async def credit_balance(self) -> records.Record:
        """The prepaid balance now, stamped with the server's clock (its ``Date``) when sent."""
        path = self._path("billing")
        answer = await self.session.request("GET", path, params=[("expand", "credits")])
        read_at = answer.server_date or datetime.now(UTC)
        return bill_records.credit_record(answer.body, f"GET {path}", read_at.astimezone(UTC))

    async def focus_invoice(self, charge_month: date) -> list[records.Record] | None:
        """fal's FOCUS invoice lines for the charges of ``charge_month`` (its first day).

        ``None`` while the invoice is not issued: fal answers 404 until the month has closed (a
        400 for a month it cannot invoice, or an invoice without a line, is read the same way).
        """
        path = self._path("focus")
        month = f"{charge_month:%Y-%m}"
        params: QueryParams = [("source", "invoice"), ("charge_month", month)]
        try:
            answer = await self.session.request(
                "GET", path, params=params, what=f"invoice {month}", text=True
            )
        except FalStatusError as exc:
            if exc.status_code in (400, 404):
                return None
            raise
        where = f"GET {path} (invoice {month})"
        lines = bill_records.focus_records(
            answer.body, where, source="invoice", charge_month=charge_month
        )
        return lines or None

    async def focus_statements(self, months: Sequence[date], end: date) -> list[Statement]:
        """For each month (its first day): its FOCUS invoice once issued, else its estimate
        for the days before ``end``; a month too far back for an estimate (400) is left out."""
        found: list[Statement] = []
        for month in months:
            lines = await self.focus_invoice(month)
            if lines is not None:
                found.append(Statement("invoice", month, lines))
                continue
            upto = min(next_month(month), end)
            try:
                found.append(Statement("estimate", month, await self.focus_estimate(month, upto)))
            except FalStatusError as exc:
                if exc.status_code != 400:
                    raise
        return found

    async def focus_estimate(self, start: date, end: date) -> list[records.Record]:
        """fal's FOCUS estimate by UTC day for ``[start, end)``, within one charge month."""
        path = self._path("focus")
        what = f"estimate {start}..{end - timedelta(days=1)}"
        params: QueryParams = [
            ("source", "estimate"),
            ("start", start.isoformat()),
            ("end", end.isoformat()),
            ("timezone", "UTC"),
            ("timeframe", "day"),
        ]
        answer = await self.session.request("GET", path, params=params, what=what, text=True)
        return bill_records.focus_records(
            answer.body,
            f"GET {path} ({what})",
            source="estimate",
            charge_month=start.replace(day=1),
        )

    # -- compute instances -------------------------------------------------------------------

    async def instances(self) -> list[records.Record]:
        path = self._path("instances")
        out: list[records.Record] = []
        async for body in self._pages(path, [], collection="instances"):
            out.extend(records.instance_record(i, f"GET {path}") for i in body["instances"])
        return out

    def _instance_call(self, operation: str, instance_id: str) -> tuple[str, QueryParams]:
        if self._lowcode():
            return self._path(operation), [("instance_id", instance_id)]
        if operation != "instance":
            self._path(operation)  # raises FalUnsupportedError
        return f"{self._path('instances')}/{instance_id}", []

    async def instance(self, instance_id: str) -> dict[str, Any]:
        path, params = self._instance_call("instance", instance_id)
        return await self.session.request_json("GET", path, params=params)

    async def create_instance(
        self,
        instance_type: str,
        *,
        ssh_key: str | None = None,
        name: str | None = None,
        sector: str | None = None,
        config: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Create a compute instance (billable): one ``Idempotency-Key`` for every attempt.

        A retry after a lost answer carries the same key, so the server answers it with the
        instance the first attempt made instead of making another (API.md §1.7: answers are
        kept 10 minutes per key). Pass ``idempotency_key`` to resume an operation whose answer
        was lost; by default a fresh one is drawn.
        """
        body: dict[str, Any] = {"instance_type": instance_type}
        optional = {"ssh_key": ssh_key, "name": name, "sector": sector, "config": config}
        body |= {field: value for field, value in optional.items() if value is not None}
        key = idempotency_key or str(uuid.uuid4())
        return await self.session.request_json(
            "POST", self._path("instances"), body=body, idempotency_key=key
        )

    async def delete_instance(self, instance_id: str) -> None:
        """Delete an instance; a 404 after a lost answer means the first attempt deleted it."""
        path, params = self._instance_call("instance", instance_id)
        try:
            await self.session.request_json(
                "DELETE", path, params=params, idempotency_key=str(uuid.uuid4())
            )
        except FalNotFoundError as exc:
            if not exc.after_lost_answer:
                raise

    async def start_instance(self, instance_id: str) -> dict[str, Any]:
        """Start an instance; starting a started one changes nothing, so retries are safe."""
        path, params = self._instance_call("start", instance_id)
        return await self.session.request_json("POST", path, params=params, idempotent=True)

    async def stop_instance(self, instance_id: str) -> dict[str, Any]:
        """Stop an instance; stopping a stopped one changes nothing, so retries are safe."""
        path, params = self._instance_call("stop", instance_id)
        return await self.session.request_json("POST", path, params=params, idempotent=True)

    async def monitor_instance(self, instance_id: str, metrics: str = "cpu,memory") -> Any:
        path, params = self._instance_call("monitor", instance_id)
        return await self.session.request_json("GET", path, params=params + [("metrics", metrics)])

    async def batch(self, requests: list[dict[str, Any]]) -> Any:
        """LowCodeAPI's ``POST /v1/batch``: several calls in one request.

        Retried after a lost answer only when every call in it is a read (GET): a batch with a
        write in it may have taken effect.
        """
        if not isinstance(requests, list):
            raise FalResponseError("batch requests must be a list")
        reads_only = all(
            isinstance(r, dict) and str(r.get("method", "GET")).upper() == "GET" for r in requests
        )
        path = self._path("batch")
        return await self.session.request_json(
            "POST", path, body={"requests": requests}, idempotent=reads_only
        )

    # -- single calls for the command line -------------------------------------------------
    # `falcost api` (pipelines/cli/api.py) reaches every operation of LOWCODEAPI.md with its
    # parameters. These are the calls the pipeline above never makes (one page of a list, a
    # search, a status, endpoint or metric filter); the assets do not use them.

    ACTIVE_STATUSES = ("ready", "init", "pending", "provisioning")  # LowCodeAPI's "active"

    def _search_params(self, search: str | None) -> QueryParams:
        return [("search" if self._lowcode() else "q", search)] if search else []

    async def _items(self, path: str, params: QueryParams, collection: str) -> list[Any]:
        items: list[Any] = []
        async for body in self._pages(path, params, collection=collection):
            items.extend(body[collection])
        return items

    async def _slice(
        self, path: str, params: QueryParams, collection: str, limit: int, offset: int
    ) -> list[Any]:
        """Items ``offset`` to ``offset + limit`` of a list. LowCodeAPI takes ``limit`` and
        ``offset``: one request. fal pages by an opaque cursor, so there the list is read from
        its start until the slice is complete (pages of ``model_page_size``)."""
        if self._lowcode():
            query = params + [("limit", limit), ("offset", offset)]
            body = await self.session.request_json("GET", path, params=query)
            items = body.get(collection) if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise FalResponseError(f"GET {path}: the answer has no '{collection}' list")
            return items[:limit]
        items = []
        walk = self._pages(path, params, collection=collection)
        try:
            async for body in walk:
                items.extend(body[collection])
                if len(items) >= offset + limit:
                    break
        finally:
            await walk.aclose()
        return items[offset : offset + limit]

    async def models_page(
        self, *, limit: int, offset: int = 0, search: str | None = None
    ) -> list[records.Record]:
        """``limit`` catalogue entries from position ``offset`` (of those matching ``search``,
        a free-text query on name, description and category: LowCodeAPI's ``search``, fal's
        ``q``)."""
        path = self._path("models")
        items = await self._slice(path, self._search_params(search), "models", limit, offset)
        return [records.model_record(item, f"GET {path}") for item in items]

    async def search_models(self, search: str) -> list[records.Record]:
        """Every catalogue entry matching ``search``, one record each."""
        path = self._path("models")
        items = await self._items(path, self._search_params(search), "models")
        return [records.model_record(item, f"GET {path}") for item in items]

    async def all_prices(self) -> PricingResult:
        """Every priced endpoint of the catalogue, and the endpoints without a price.

        LowCodeAPI's ``/v1/pricing`` without ``model_id`` lists the priced ones; fal's pricing
        needs endpoint ids, so there the whole catalogue is priced in batches of 50.
        """
        catalogue = [m["endpoint_id"] for m in await self.models()]
        if not self._lowcode():
            return await self.pricing(catalogue)
        path = self._path("pricing")
        items = await self._items(path, [], "prices")
        prices = [records.price_record(item, f"GET {path}") for item in items]
        priced = {p["endpoint_id"] for p in prices}
        return PricingResult(prices, sorted(e for e in catalogue if e not in priced))

    async def usage_of(
        self, start: date, end: date, endpoint_ids: Sequence[str]
    ) -> list[records.Record]:
        """Usage line items of ``endpoint_ids`` only (LowCodeAPI's ``model_id``, fal's
        ``endpoint_id``, 50 per request) for the UTC days ``[start, end)``."""
        path = self._path("usage")
        name = "model_id" if self._lowcode() else "endpoint_id"
        out: list[records.Record] = []

        async def one(batch: Sequence[str], lo: date, hi: date) -> None:
            what = f"usage {lo}..{hi - timedelta(days=1)}"
            dates = records.BucketDates(f"GET {path} ({what})")
            params = self._window_params(lo, hi, USAGE_EXPAND) + [(name, e) for e in batch]
            async for body in self._pages(path, params, collection="time_series", what=what):
                out.extend(records.usage_records(body, f"GET {path} ({what})", dates))

        batches = chunks(list(endpoint_ids), MAX_IDS_PER_REQUEST)
        windows = day_windows(start, end, self.window_days)
        await run_all(one(batch, lo, hi) for lo, hi in windows for batch in batches)
        return out

    @staticmethod
    def _metric_records(
        series: list[Any], metrics: Sequence[str], where: str, dates: records.BucketDates
    ) -> list[records.Record]:
        out: list[records.Record] = []
        for bucket in series:
            if not isinstance(bucket, dict):
                raise FalResponseError(f"{where}: a time_series bucket is not an object")
            day = dates(bucket.get("bucket"))
            for item in bucket.get("results") or ():
                if not isinstance(item, dict) or not isinstance(item.get("endpoint_id"), str):
                    raise FalResponseError(f"{where}: an item has no 'endpoint_id'")
                record = {"metric_date": day, "endpoint_id": item["endpoint_id"]}
                out.append(record | {metric: item.get(metric) for metric in metrics})
        return out

    async def analytics_of(
        self,
        start: date,
        end: date,
        metrics: Sequence[str],
        endpoint_ids: Sequence[str] = (),
    ) -> list[records.Record]:
        """``metrics`` (fal's ``expand`` names, API.md §7) per endpoint and UTC day in
        ``[start, end)``: one record per endpoint and day, with ``metric_date``, ``endpoint_id``
        and each metric (``None`` when the API sent none).

        fal requires 1-50 endpoint ids per request, so without ``endpoint_ids`` the whole
        catalogue is asked in batches; LowCodeAPI's example asks without ids, and so does this.
        """
        path = self._path("analytics")
        expand = ("time_series", *metrics)
        out: list[records.Record] = []

        async def one(batch: Sequence[str], lo: date, hi: date) -> None:
            what = f"analytics {lo}..{hi - timedelta(days=1)}"
            where = f"GET {path} ({what})"
            dates = records.BucketDates(where)
            params = self._window_params(lo, hi, expand) + [("endpoint_id", e) for e in batch]
            async for body in self._pages(path, params, collection="time_series", what=what):
                out.extend(self._metric_records(body["time_series"], metrics, where, dates))

        ids = list(endpoint_ids)
        if not ids and not self._lowcode():
            ids = [m["endpoint_id"] for m in await self.models()]
        batches = chunks(ids, MAX_IDS_PER_REQUEST) if ids else [[]]
        windows = day_windows(start, end, self.window_days)
        await run_all(one(batch, lo, hi) for lo, hi in windows for batch in batches)
        return out

    async def instances_page(
        self, *, status: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[records.Record]:
        """Compute instances with ``status`` (``active``: ready, init, pending or provisioning),
        ``limit`` of them from position ``offset`` when ``limit`` is given, else all.

        LowCodeAPI filters and pages on the server; fal has neither filter nor offset, so there
        every instance is read and the filter and the slice are applied here.
        """
        path = self._path("instances")
        if self._lowcode():
            params: QueryParams = [("status", status)] if status else []
            if limit is None:
                items = await self._items(path, params, "instances")
            else:
                items = await self._slice(path, params, "instances", limit, offset)
            return [records.instance_record(item, f"GET {path}") for item in items]
        found = await self.instances()
        if status:
            wanted = self.ACTIVE_STATUSES if status == "active" else (status,)
            found = [item for item in found if item["status"] in wanted]
        return found[offset:] if limit is None else found[offset : offset + limit]
