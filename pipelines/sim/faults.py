"""Fault injection: throttling, scripted error storms and corrupted bodies.

Faults are data: a ``Faults`` value (see ``config.py``) or one of the named ``SCENARIOS``.
``FaultInjector`` holds the running state (arrival count, requests in flight, the seeded
draw sequence) and is consulted by the app before and after a route answers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from .config import Faults
from .query import Params, encode_cursor, page_of
from .seeds import rng_for

SCENARIOS: dict[str, Faults] = {
    "none": Faults(),
    "slow": Faults(latency_s=0.2),
    "rate_limit_storm": Faults(rate_429=0.6, fault_requests=30, retry_after=1),
    "throttled": Faults(max_in_flight=4, max_per_second=20.0),
    "server_errors": Faults(rate_5xx=0.3, fault_requests=30),
    "analytics_down": Faults(always_500_paths=("/models/analytics",)),
    "malformed_json": Faults(malformed_json_paths=("/models/usage",)),
    "html_page": Faults(html_200_paths=("/models/pricing",)),
    "looping_cursor": Faults(looping_cursor_paths=("/models",)),
    "missing_field": Faults(drop_field=("/models/usage", "unit")),
    "negative_cost": Faults(negative_cost=True),
    "duplicate_row": Faults(duplicate_usage_row=True),
    "legacy_cost": Faults(deprecated_cost_only=True),
    "eastern_buckets": Faults(bucket_utc_offset="-05:00"),
    "stalls": Faults(rate_stall=0.3, stall_s=2.0, fault_requests=30),
    "resets": Faults(rate_cut=0.3, fault_requests=30),
    "endless_cursor": Faults(endless_cursor_paths=("/models/usage",)),
    "schema_drift": Faults(extra_fields=True),
    "nan_cost": Faults(nan_cost=True),
    "null_endpoint_id": Faults(null_endpoint_id=True),
    "hostile_names": Faults(hostile_names=True),
}

HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>fal.ai</title></head>"
    "<body><h1>We'll be right back</h1><p>The service is under maintenance.</p></body></html>"
)
USAGE_PATH = "/models/usage"
# Appended on the wire with ``hostile_names``: quotes, a statement separator and a comment
# marker, but no comma (id lists may be comma-separated) so every id still round-trips.
HOSTILE_ID_SUFFIX = "/o'brien\"; drop table raw.usage_daily; --"
HOSTILE_LABEL_SUFFIX = "'); delete from meta.loads; --"
ID_PARAMS = ("endpoint_id", "model_id")
EXTRA_FIELDS = {"x_added_2027": {"note": "a field this client has never seen", "values": [1, 2]}}


def hostile_id(endpoint_id: str) -> str:
    """The endpoint id as served with ``Faults.hostile_names`` (ground truth for tests)."""
    return endpoint_id + HOSTILE_ID_SUFFIX


def hostile_label(auth_method: str) -> str:
    """The auth method label as served with ``Faults.hostile_names``."""
    return auth_method + HOSTILE_LABEL_SUFFIX


def matches(suffixes: tuple[str, ...], paths: tuple[str, ...]) -> bool:
    return any(path.endswith(suffix) for suffix in suffixes for path in paths)


def _item_lists(body: dict[str, Any]) -> Iterator[list[Any]]:
    for key in ("models", "prices", "instances", "summary"):
        if isinstance(body.get(key), list):
            yield body[key]
    for bucket in body.get("time_series") or ():
        yield bucket["results"]


def _usage_items(body: dict[str, Any]) -> Iterator[tuple[list[Any], int]]:
    for bucket in body.get("time_series") or ():
        yield from ((bucket["results"], i) for i in range(len(bucket["results"])))
    summary = body.get("summary") or []
    yield from ((summary, i) for i in range(len(summary)))


class FaultInjector:
    """Running state of one simulation's faults."""

    def __init__(self, faults: Faults, seed: int) -> None:
        self.faults = faults
        self.in_flight = 0
        self._arrivals = 0
        self._rng = rng_for(seed, "faults")
        self._disruptions = rng_for(seed, "disruptions")
        self._recent: deque[float] = deque()

    def admission(self, now: float) -> int | None:
        """429 or 500 to answer instead of serving, else None. Call after counting in-flight."""
        f = self.faults
        self._arrivals += 1
        draw = self._rng.random() if f.rate_429 or f.rate_5xx else 1.0
        if f.max_in_flight is not None and self.in_flight > f.max_in_flight:
            return 429
        if f.max_per_second is not None:
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= f.max_per_second:
                return 429
            self._recent.append(now)
        if f.fault_requests is not None and self._arrivals > f.fault_requests:
            return None
        if draw < f.rate_429:
            return 429
        return 500 if draw < f.rate_429 + f.rate_5xx else None

    def disruption(self) -> str | None:
        """``"stall"``, ``"cut"`` or None for a request ``admission`` let through."""
        f = self.faults
        if not (f.rate_stall or f.rate_cut):
            return None
        draw = self._disruptions.random()
        if f.fault_requests is not None and self._arrivals > f.fault_requests:
            return None
        if draw < f.rate_stall:
            return "stall"
        return "cut" if draw < f.rate_stall + f.rate_cut else None

    def inbound(self, params: Params) -> Params:
        """Map hostile ids the client echoes back (pricing, analytics) to the account's own."""
        if not self.faults.hostile_names:
            return params
        return Params(
            (key, ",".join(v.removesuffix(HOSTILE_ID_SUFFIX) for v in value.split(",")))
            if key in ID_PARAMS
            else (key, value)
            for key, value in params.items
        )

    def retry_headers(self) -> dict[str, str]:
        retry_after = self.faults.retry_after
        return {} if retry_after is None else {"Retry-After": str(retry_after)}

    def corrupt(
        self,
        body: Any,
        paths: tuple[str, ...],
        params: Params,
        first_page: Callable[[], Any],
    ) -> Any:
        """Apply the body faults that hit ``paths``; ``body`` is never shared, items may be."""
        if not isinstance(body, dict):
            return body
        f = self.faults
        if "next_cursor" in body and matches(f.looping_cursor_paths, paths):
            body["next_cursor"] = params.get("cursor") or encode_cursor(2)
            body["has_more"] = True
        if "next_cursor" in body and matches(f.endless_cursor_paths, paths):
            body["next_cursor"] = encode_cursor(page_of(params) + 1)
            body["has_more"] = True
        if f.drop_field and matches((f.drop_field[0],), paths):
            field = f.drop_field[1]
            for items in _item_lists(body):
                items[:] = [_without(item, field) for item in items]
        if matches((USAGE_PATH,), paths):
            if f.duplicate_usage_row and page_of(params) == 2:
                _prepend_first(body, first_page())
            if f.negative_cost:
                for items, i in _usage_items(body):
                    if items[i].get("cost"):
                        items[i] = dict(items[i])
                        for key in ("cost_total", "cost"):
                            if key in items[i]:
                                items[i][key] = -items[i][key]
                        break
            if f.nan_cost:
                _spoil_first_item(body, lambda item: item.update(cost_total=NAN, cost=NAN))
            if f.null_endpoint_id:
                _spoil_first_item(body, lambda item: item.update(endpoint_id=None))
        if f.extra_fields:
            body.update(EXTRA_FIELDS)
            for bucket in body.get("time_series") or ():
                bucket.update(EXTRA_FIELDS)
            for items in _item_lists(body):
                items[:] = [{**item, **EXTRA_FIELDS} if isinstance(item, dict) else item
                            for item in items]  # fmt: skip
        if f.hostile_names:
            for items in _item_lists(body):
                items[:] = [_hostile(item) for item in items]
        return body

    def replacement(self, paths: tuple[str, ...], payload: bytes) -> tuple[bytes, str] | None:
        """An HTML page or truncated JSON to send instead of a 2xx body, if configured."""
        if matches(self.faults.html_200_paths, paths):
            return HTML_PAGE.encode(), "text/html; charset=utf-8"
        if matches(self.faults.malformed_json_paths, paths):
            return payload[: max(1, len(payload) // 2)], "application/json"
        return None


NAN = float("nan")


def _spoil_first_item(body: dict[str, Any], spoil: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``spoil`` to a copy of the page's first usage item."""
    for items, i in _usage_items(body):
        items[i] = dict(items[i])
        spoil(items[i])
        return


def _hostile(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    out = dict(item)
    if isinstance(out.get("endpoint_id"), str):
        out["endpoint_id"] = hostile_id(out["endpoint_id"])
    if isinstance(out.get("auth_method"), str):
        out["auth_method"] = hostile_label(out["auth_method"])
    return out


def _without(item: Any, field: str) -> Any:
    if not isinstance(item, dict):
        return item
    out = {k: v for k, v in item.items() if k != field}
    if isinstance(out.get("metadata"), dict) and field in out["metadata"]:
        out["metadata"] = {k: v for k, v in out["metadata"].items() if k != field}
    return out


def _prepend_first(body: dict[str, Any], first: Any) -> None:
    """Repeat page 1's first usage item at the start of this page (same bucket)."""
    series = (first or {}).get("time_series") or []
    if series and series[0]["results"] and "time_series" in body:
        bucket, item = series[0]["bucket"], series[0]["results"][0]
        buckets = body["time_series"]
        if buckets and buckets[0]["bucket"] == bucket:
            buckets[0] = {"bucket": bucket, "results": [item, *buckets[0]["results"]]}
        else:
            buckets.insert(0, {"bucket": bucket, "results": [item]})
    elif (first or {}).get("summary") and "summary" in body:
        body["summary"].insert(0, first["summary"][0])
