"""Usage and analytics answers (API.md §6, §7), shared by both dialects.

``limit`` counts line items across the flattened (bucket, item) sequence, so one bucket can
continue on the next page; with ``Latitude.limit_counts == "buckets"`` it counts buckets (and
``split_buckets`` cuts each page's last bucket in two). When ``time_series`` is expanded,
``summary`` covers the whole window and comes complete on the first page (``[]`` on later
pages); with ``summary`` alone the summary items are paged.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from .items import (
    METRICS,
    aggregate_analytics,
    aggregate_usage,
    analytics_item,
    usage_item,
)
from .query import Params, encode_cursor, id_list, invalid, page_of, parse_int
from .seeds import stable_hash
from .simulation import Simulation
from .windows import Window, bucket_stamp, parse_window

Row = TypeVar("Row")
USAGE_EXPAND = ("time_series", "summary", "auth_method", "auth_method_structured")
SERIES = ("time_series", "summary")


def _expand(params: Params, default: Sequence[str], allowed: Sequence[str]) -> list[str]:
    expand = list(dict.fromkeys(params.values("expand"))) or list(default)
    unknown = [e for e in expand if e not in allowed]
    if unknown:
        raise invalid(f"Unknown expand value(s): {', '.join(unknown)}")
    if not any(e in SERIES for e in expand):
        raise invalid("expand needs at least one of 'time_series' or 'summary'")
    return expand


def _buckets(
    sim: Simulation,
    window: Window,
    day_rows: Callable[[date], list[Row]],
    ids: list[str],
    key_of: Callable[[Row], str],
    aggregate: Callable[[list[Row]], list[Row]],
) -> list[tuple[date, list[Row]]]:
    wanted = set(ids)
    buckets: list[tuple[date, list[Row]]] = []
    for day in window.days():
        if day < sim.config.usage_start or day > sim.today:
            continue
        rows = day_rows(day)
        if wanted:
            rows = [r for r in rows if key_of(r) in wanted]
        if not rows:
            continue
        bucket = window.bucket(day)
        if buckets and buckets[-1][0] == bucket:
            buckets[-1] = (bucket, buckets[-1][1] + rows)
        else:
            buckets.append((bucket, rows))
    if window.timeframe in ("week", "month"):
        buckets = [(bucket, aggregate(rows)) for bucket, rows in buckets]
    return buckets


def _page(
    buckets: list[tuple[date, list[Row]]], page: int, limit: int
) -> tuple[list[tuple[date, list[Row]]], bool]:
    skip, room = (page - 1) * limit, limit
    chunk: list[tuple[date, list[Row]]] = []
    total = sum(len(rows) for _, rows in buckets)
    for bucket, rows in buckets:
        if room == 0:
            break
        if skip >= len(rows):
            skip -= len(rows)
            continue
        taken = rows[skip : skip + room]
        skip, room = 0, room - len(taken)
        chunk.append((bucket, taken))
    return chunk, page * limit < total


def _bucket_pages(
    buckets: list[tuple[date, list[Row]]], limit: int, split: bool
) -> list[list[tuple[date, list[Row]]]]:
    """Pages of ``limit`` buckets; with ``split`` a page's last bucket is cut in half and its
    second half opens the next page (counted as one of that page's buckets)."""
    pages: list[list[tuple[date, list[Row]]]] = []
    current: list[tuple[date, list[Row]]] = []
    queue = deque((bucket, rows, False) for bucket, rows in buckets)
    while queue:
        bucket, rows, continued = queue.popleft()
        if split and not continued and len(current) == limit - 1 and len(rows) >= 2:
            half = len(rows) // 2
            current.append((bucket, rows[:half]))
            queue.appendleft((bucket, rows[half:], True))
        else:
            current.append((bucket, rows))
        if len(current) == limit:
            pages.append(current)
            current = []
    if current:
        pages.append(current)
    return pages


def _series_page(
    sim: Simulation, buckets: list[tuple[date, list[Row]]], page: int, limit: int
) -> tuple[list[tuple[date, list[Row]]], bool]:
    latitude = sim.config.latitude
    if latitude.limit_counts == "items":
        return _page(buckets, page, limit)
    pages = _bucket_pages(buckets, limit, latitude.split_buckets)
    return (pages[page - 1] if page <= len(pages) else []), page < len(pages)


def _stamp(sim: Simulation, bucket: date) -> str:
    """The bucket's stamp; with latitude, in an offset drawn per bucket (the same UTC instant)."""
    offsets = sim.config.latitude.bucket_offsets
    if not offsets:
        return bucket_stamp(bucket, sim.config.faults.bucket_utc_offset)
    offset = offsets[stable_hash(sim.config.latitude.seed, "bucket", bucket) % len(offsets)]
    return bucket_stamp(bucket, offset)


def _body(
    sim: Simulation,
    buckets: list[tuple[date, list[Row]]],
    expand: list[str],
    params: Params,
    limit: int,
    render: Callable[[Row], dict[str, Any]],
    aggregate: Callable[[list[Row]], list[Row]],
) -> dict[str, Any]:
    page = page_of(params)
    body: dict[str, Any] = {}
    if "time_series" in expand:
        chunk, more = _series_page(sim, buckets, page, limit)
        body["time_series"] = [
            {"bucket": _stamp(sim, bucket), "results": [render(r) for r in rows]}
            for bucket, rows in chunk
        ]
        if "summary" in expand:
            everything = [r for _, rows in buckets for r in rows] if page == 1 else []
            body["summary"] = [render(r) for r in aggregate(everything)]
    else:
        summary = aggregate([r for _, rows in buckets for r in rows])
        body["summary"] = [render(r) for r in summary[(page - 1) * limit : page * limit]]
        more = page * limit < len(summary)
    body["next_cursor"] = encode_cursor(page + 1) if more else None
    body["has_more"] = more
    return body


def _window(sim: Simulation, params: Params) -> Window:
    cap = sim.config.max_window_days if sim.config.latitude.window_cap else None
    return parse_window(params, now=sim.window_now(), max_days=cap)


def usage(sim: Simulation, params: Params) -> dict[str, Any]:
    """GET /models/usage."""
    window = _window(sim, params)
    expand = _expand(params, ("time_series",), USAGE_EXPAND)
    ids = id_list(params)
    limit = parse_int(params, "limit", 100, 1, 1000)
    label, structured = "auth_method" in expand, "auth_method_structured" in expand
    cost_only = sim.config.faults.deprecated_cost_only
    by_auth = label or structured

    def make() -> list:
        return _buckets(
            sim, window,
            lambda day: sim.usage_rows(day, by_auth=by_auth, by_discount=not cost_only),
            ids, lambda row: row[0], aggregate_usage,
        )  # fmt: skip

    key = ("usage-buckets", window, tuple(ids), by_auth, cost_only, sim.state_key())
    buckets = sim.memo(key, make)

    def render(row: Any) -> dict[str, Any]:
        return usage_item(row, label=label, structured=structured, cost_only=cost_only)

    return _body(sim, buckets, expand, params, limit, render, aggregate_usage)


def analytics(sim: Simulation, params: Params, *, require_ids: bool = True) -> dict[str, Any]:
    """GET /models/analytics; the LowCodeAPI route lets ``endpoint_id`` be absent (all)."""
    window = _window(sim, params)
    expand = _expand(params, ("time_series", "request_count"), SERIES + METRICS)
    metrics = [m for m in METRICS if m in expand]
    if not metrics:
        raise invalid("expand needs at least one metric, e.g. request_count")
    ids = id_list(params, required=require_ids)
    limit = parse_int(params, "limit", 100, 1, 1000)

    def make() -> list:
        return _buckets(
            sim, window, sim.analytics_rows, ids,
            lambda row: row[0].endpoint.endpoint_id, aggregate_analytics,
        )  # fmt: skip

    buckets = sim.memo(("analytics-buckets", window, tuple(ids), sim.state_key()), make)
    return _body(
        sim, buckets, expand, params, limit,
        lambda row: analytics_item(row, metrics), aggregate_analytics,
    )  # fmt: skip
