"""``GET /models/billing-events`` (API.md §8): one event per successful request.

A usage row of one day (endpoint, auth method, discount) with ``n`` successes is a *run* of
``n`` events, made on demand: a page finds its first run by bisecting the runs' running
counts, so a day of millions of events is never held. Each event bills one request's units at
the row's price; the last event of a run takes the rounding rest, so a day's events sum
exactly to its usage rows. The window holds the days whose 00:00 lies in [start, end), as for
usage. ``request_id`` names the event's day, endpoint, auth method, discount and number, so it
stays the same while late data adds events to its day.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .items import UsageRow, discounted, line_cost
from .query import Params, encode_cursor, id_list, invalid, page_of, parse_instant, parse_int
from .seeds import stable_hash
from .simulation import Simulation
from .traffic import AUTH_METHODS, AUTH_STRUCTURED
from .windows import Window

MAX_DAYS = 90
MAX_LIMIT = 10_000
EXPAND = ("auth_method", "auth_method_structured")


@dataclass(frozen=True, slots=True)
class Run:
    day: date
    row: UsageRow
    count: int  # successful requests, one event each


def _window(sim: Simulation, params: Params) -> list[date]:
    end_raw, start_raw = params.get("end"), params.get("start")
    end = parse_instant(end_raw, "end") if end_raw else sim.window_now()
    start = parse_instant(start_raw, "start") if start_raw else end - timedelta(hours=24)
    if end <= start:
        raise invalid("end must be after start")
    if end - start > timedelta(days=MAX_DAYS):
        raise invalid(f"Date range capped at {MAX_DAYS} days per request")
    return Window(start, end, "day").days()


def _auth_matches(auth: int | None, key_ids: list[str], logins: list[str]) -> bool:
    if not (key_ids or logins):
        return True
    who = AUTH_STRUCTURED[AUTH_METHODS[auth]] if auth is not None else {}
    return who.get("api_key_id") in key_ids or who.get("login_username") in logins


def runs(sim: Simulation, days: list[date], params: Params) -> list[Run]:
    """The runs of ``days`` that pass the filters, in day and usage row order."""
    endpoints = set(id_list(params))
    key_ids, logins = id_list(params, "api_key_id"), id_list(params, "login_username")
    out = []
    for day in days:
        if not sim.config.usage_start <= day <= sim.today:
            continue
        for row in sim.usage_rows(day, by_auth=True):
            endpoint_id, auth = row[0], row[4]
            if endpoints and endpoint_id not in endpoints:
                continue
            if _auth_matches(auth, key_ids, logins):
                per = sim.catalog.by_id[endpoint_id].per_success_centi
                out.append(Run(day, row, row[5] // per))
    return out


def _run_id(run: Run) -> str:
    endpoint_id, _, _, percent, auth = run.row[:5]
    return (f"req_{run.day:%Y%m%d}_{stable_hash(endpoint_id) % 16**8:08x}_"
            f"{-1 if auth is None else auth}_{percent or 0}")  # fmt: skip


def request_id(run: Run, number: int) -> str:
    return f"{_run_id(run)}_{number}"


def _named(found: list[Run], wanted: list[str]) -> list[tuple[Run, int]]:
    """The (run, number) of each wanted request id that exists, in the order asked."""
    by_id = {_run_id(run): run for run in found}
    out = []
    for rid in wanted:
        prefix, _, number = rid.rpartition("_")
        run = by_id.get(prefix)
        if run is not None and number.isdigit() and int(number) < run.count:
            out.append((run, int(number)))
    return out


def event(sim: Simulation, run: Run, number: int, expand: list[str]) -> dict[str, Any]:
    """Event ``number`` (from 0) of ``run``."""
    endpoint_id, _, price, percent, auth, quantity, subtotal, total = run.row
    units = quantity // run.count
    cost = line_cost(units, price)
    charged = discounted(cost, percent)
    if number == run.count - 1:  # the rounding rest: the run sums to its row exactly
        cost, charged = subtotal - cost * number, total - charged * number
    second = stable_hash(sim.config.seed, "event", request_id(run, number)) % 86_400
    at = datetime.combine(run.day, time(), UTC) + timedelta(seconds=second)
    item: dict[str, Any] = {
        "request_id": request_id(run, number),
        "endpoint_id": endpoint_id,
        "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "output_units": units / 100 if units % 100 else units // 100,
        "unit_price": price / 1e9,
        "percent_discount": percent,
        "cost_subtotal": cost / 1e9,
        "cost_discount": (cost - charged) / 1e9,
        "cost_total": charged / 1e9,
        "cost_estimate_nano_usd": charged,
    }
    if auth is not None and "auth_method" in expand:
        item["auth_method"] = AUTH_METHODS[auth]
    if auth is not None and "auth_method_structured" in expand:
        item["auth_method_structured"] = dict(AUTH_STRUCTURED[AUTH_METHODS[auth]])
    return item


def billing_events(sim: Simulation, params: Params) -> dict[str, Any]:
    """GET /models/billing-events: pages of up to 10,000 events, 90 days at most."""
    days = _window(sim, params)
    expand = list(dict.fromkeys(params.values("expand")))
    if any(e not in EXPAND for e in expand):
        raise invalid(f"expand accepts only {', '.join(EXPAND)}")
    limit = parse_int(params, "limit", 100, 1, MAX_LIMIT)
    wanted = id_list(params, "request_id")
    key = ("event-runs", tuple(days), tuple(params.without("cursor", "limit").items),
           sim.state_key())  # fmt: skip
    found: list[Run] = sim.memo(key, lambda: runs(sim, days, params))
    if wanted:  # at most 50 named events: one page
        events = [event(sim, run, n, expand) for run, n in _named(found, wanted)]
        return {"billing_events": events, "next_cursor": None, "has_more": False}
    ends = sim.memo(key + ("ends",), lambda: _running(found))
    page = page_of(params)
    first, stop = (page - 1) * limit, min(page * limit, ends[-1] if ends else 0)
    items = []
    at = bisect.bisect_right(ends, first)
    number = first - (ends[at - 1] if at else 0)
    while first + len(items) < stop:
        run = found[at]
        take = min(run.count - number, stop - first - len(items))
        items += [event(sim, run, n, expand) for n in range(number, number + take)]
        at, number = at + 1, 0
    more = bool(ends) and page * limit < ends[-1]
    return {
        "billing_events": items,
        "next_cursor": encode_cursor(page + 1) if more else None,
        "has_more": more,
    }


def _running(found: list[Run]) -> list[int]:
    ends, total = [], 0
    for run in found:
        total += run.count
        ends.append(total)
    return ends
