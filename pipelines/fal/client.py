"""FalClient: every operation of both dialects, over one ``ApiSession``.

The client knows paths, parameters and page loops; it returns flat records (see ``records``)
and never imports Dagster, polars or DuckDB, so the CLI, the assets and tests share it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import httpx

from pipelines.fal import records
from pipelines.fal.errors import FalNotFoundError, FalResponseError, FalUnsupportedError
from pipelines.fal.fanout import Tally, chunks, day_windows, run_all
from pipelines.fal.pagination import cursor_pages, offset_pages
from pipelines.fal.retry import RetryPolicy
from pipelines.fal.session import DEFAULT_TIMEOUT, ApiSession, QueryParams
from pipelines.fal.source import Source

T = TypeVar("T")
MAX_IDS_PER_REQUEST = 50  # fal's documented limit for endpoint_id lists
USAGE_EXPAND = ("time_series", "auth_method")
ANALYTICS_EXPAND = ("time_series", *records.ANALYTICS_METRICS)

_PATHS = {
    "fal": {
        "models": "/models",
        "pricing": "/models/pricing",
        "estimate": "/models/pricing/estimate",
        "usage": "/models/usage",
        "analytics": "/models/analytics",
        "instances": "/compute/instances",
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
        self.pages = 0

    def __repr__(self) -> str:
        return f"FalClient(source={self.source!r})"

    async def __aenter__(self) -> FalClient:
        await self.session.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.session.__aexit__(*exc_info)

    @property
    def stats(self) -> dict[str, int]:
        return {**self.session.stats.as_dict(), "pages": self.pages}

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

    async def _pages(
        self, path: str, params: QueryParams, *, collection: str, id_field: str, what: str = ""
    ):
        if self._lowcode() and collection in ("models", "instances"):
            pages = offset_pages(
                self.session,
                path,
                params,
                collection=collection,
                id_field=id_field,
                page_size=self.model_page_size,
                what=what,
                max_pages=self.max_pages,
            )
        else:
            limit = [] if collection == "prices" else [("limit", self._limit(collection))]
            pages = cursor_pages(
                self.session,
                path,
                params + limit,
                collection=collection,
                what=what,
                max_pages=self.max_pages,
            )
        async for body in pages:
            self.pages += 1
            yield body

    def _limit(self, collection: str) -> int:
        return self.usage_page_size if collection == "time_series" else self.model_page_size

    # -- catalogue ---------------------------------------------------------------------------

    async def models(self) -> list[records.Record]:
        """Every endpoint in the catalogue (all statuses), one record each."""
        path = self._path("models")
        out: list[records.Record] = []
        async for body in self._pages(path, [], collection="models", id_field="endpoint_id"):
            out.extend(records.model_record(item, f"GET {path}") for item in body["models"])
        return out

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
                    async for body in self._pages(
                        path, params, collection="prices", id_field="endpoint_id"
                    ):
                        prices.extend(
                            records.price_record(p, f"GET {path}") for p in body["prices"]
                        )
                    return True
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
        """``POST /models/pricing/estimate`` (fal dialect only)."""
        body = {"estimate_type": estimate_type, "endpoints": endpoints}
        return await self.session.request_json("POST", self._path("estimate"), body=body)

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
        """Usage line items for the UTC days ``[start, end)``, all endpoints, split by auth method.

        Windows of ``window_days`` are fetched concurrently; ``transform`` is applied to each
        page's records as it arrives (e.g. to build a columnar frame) and the results returned.
        """
        path = self._path("usage")
        results: list[T] = []

        async def window(lo: date, hi: date) -> None:
            what = f"usage {lo}..{hi - timedelta(days=1)}"
            dates = records.BucketDates(f"GET {path} ({what})")
            params = self._window_params(lo, hi, USAGE_EXPAND)
            rows = 0
            pages = self._pages(path, params, collection="time_series", id_field="", what=what)
            async for number, body in _numbered(pages):
                page = records.usage_records(body, f"GET {path} ({what} page {number})", dates)
                rows += len(page)
                results.append(transform(page))
            tally.done(f"{what}: {rows} rows")

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
            pages = self._pages(path, params, collection="time_series", id_field="", what=what)
            async for number, body in _numbered(pages):
                where = f"GET {path} ({what} page {number})"
                results.append(transform(records.analytics_records(body, where, dates)))
            tally.done("analytics")

        batches = chunks(list(endpoint_ids), MAX_IDS_PER_REQUEST)
        windows = self._windows(start, end, streams=len(batches))
        tally = Tally(len(windows) * len(batches), self.progress)
        await run_all(one(batch, lo, hi) for lo, hi in windows for batch in batches)
        return results

    # -- compute instances -------------------------------------------------------------------

    async def instances(self) -> list[records.Record]:
        path = self._path("instances")
        out: list[records.Record] = []
        async for body in self._pages(path, [], collection="instances", id_field="id"):
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
        self, instance_type: str, *, ssh_key: str | None = None, name: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"instance_type": instance_type}
        if ssh_key:
            body["ssh_key"] = ssh_key
        if name:
            body["name"] = name
        return await self.session.request_json("POST", self._path("instances"), body=body)

    async def delete_instance(self, instance_id: str) -> None:
        path, params = self._instance_call("instance", instance_id)
        await self.session.request_json("DELETE", path, params=params)

    async def start_instance(self, instance_id: str) -> dict[str, Any]:
        path, params = self._instance_call("start", instance_id)
        return await self.session.request_json("POST", path, params=params)

    async def stop_instance(self, instance_id: str) -> dict[str, Any]:
        path, params = self._instance_call("stop", instance_id)
        return await self.session.request_json("POST", path, params=params)

    async def monitor_instance(self, instance_id: str, metrics: str = "cpu,memory") -> Any:
        path, params = self._instance_call("monitor", instance_id)
        return await self.session.request_json("GET", path, params=params + [("metrics", metrics)])

    async def batch(self, requests: list[dict[str, Any]]) -> Any:
        """LowCodeAPI's ``POST /v1/batch``: several calls in one request."""
        if not isinstance(requests, list):
            raise FalResponseError("batch requests must be a list")
        path = self._path("batch")
        return await self.session.request_json("POST", path, body={"requests": requests})
