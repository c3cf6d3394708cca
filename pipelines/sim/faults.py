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
}

HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>fal.ai</title></head>"
    "<body><h1>We'll be right back</h1><p>The service is under maintenance.</p></body></html>"
)
USAGE_PATH = "/models/usage"


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
        return body

    def replacement(self, paths: tuple[str, ...], payload: bytes) -> tuple[bytes, str] | None:
        """An HTML page or truncated JSON to send instead of a 2xx body, if configured."""
        if matches(self.faults.html_200_paths, paths):
            return HTML_PAGE.encode(), "text/html; charset=utf-8"
        if matches(self.faults.malformed_json_paths, paths):
            return payload[: max(1, len(payload) // 2)], "application/json"
        return None


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
