"""The fewest requests the API allows for a sync, and the lower bound on its wall time.

Ground truth comes from the simulator itself (``Simulation.models``, ``current_prices``,
``usage_items``, ``analytics_items``, ``instances``), so the minimum is exact for the account
the run reads. The API's caps: ``limit`` at most 100 for models and instances, 1,000 for usage
and analytics, at most 50 ``endpoint_id`` values per request, windows of at most 90 days.

    models     ceil(endpoints / 100)                      one cursor: pages are sequential
    instances  ceil(instances / 100)
    pricing    warm: ceil(priced / 50) + known unpriced (asked one by one)
               cold: batches of 50 split on every 404 until each unpriced id stands alone;
               binary splitting asks a failed batch's left half first and, when that half
               is priced, splits the right half without asking it (it must fail)
    usage      max(ceil(rows / 1000), ceil(days / 90))
    analytics  sum over the ceil(endpoints / 50) id batches of
               max(ceil(batch rows / 1000), ceil(days / 90))
    serverless max(ceil(rows / 1000), ceil(days / 90))
    keys       ceil(keys / 100); billing: 1 (the credit balance)
    organization  usage and teams: 1 each when refused (not enterprise), else
               max(ceil(rows / 1000), ceil(days / 90)) + 1
    focus      1 when refused; else per month: 1 (its invoice) or 2 (404, then its estimate)

Bound = latency x max(ceil(total / in_flight), chain), where chain is the longest run of
requests that must follow one another: the models cursor pages, then one request that needs
the ids of the last page (pricing or analytics). Every other list can be split by window or by
id batch, so no other cursor is forced to be long. Without the catalogue (``usage_job`` reads
the endpoint ids from the warehouse) the chain is one request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pipelines.fal.client import MAX_IDS_PER_REQUEST
from pipelines.fal.fanout import chunks, next_month
from pipelines.sim import Simulation

MODELS_LIMIT = 100  # the API's cap on limit for /models and /compute/instances
SERIES_LIMIT = 1000  # ... and for /models/usage and /models/analytics
CATALOGUE = ("models", "pricing", "instances")  # what main_job asks and usage_job does not
OPERATIONS = (
    *CATALOGUE,
    "usage",
    "analytics",
    "serverless",
    "keys",
    "billing",
    "organization",
    "focus",
)


@dataclass(frozen=True)
class Truth:
    """What the warehouse must hold after a sync of the days ``first``..``last``."""

    models: int
    priced: int
    unpriced: tuple[str, ...]
    instances: int
    usage_rows: int
    usage_cost: Decimal
    analytics_rows: int


@dataclass(frozen=True)
class Minimum:
    requests: dict[str, int]
    chain: int  # requests that must run one after another
    truth: Truth
    pricing_halving: int  # what halving both halves of every failed batch costs (the client)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def bound_s(self, latency_s: float, in_flight: int) -> float:
        return latency_s * max(math.ceil(self.total / in_flight), self.chain)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def halving(batch: Sequence[str], unpriced: set[str]) -> tuple[int, int]:
    """(requests, chain) to price ``batch`` when a 404 for any unpriced id fails the batch."""
    if len(batch) == 1 or not unpriced.intersection(batch):
        return 1, 1
    half = len(batch) // 2
    left, right = halving(batch[:half], unpriced), halving(batch[half:], unpriced)
    return 1 + left[0] + right[0], 1 + max(left[1], right[1])


def splitting(batch: Sequence[str], unpriced: set[str], *, known_to_fail: bool = False) -> int:
    """Requests for binary splitting: never ask a set whose 404 is already certain."""
    asked = 0 if known_to_fail else 1
    if not unpriced.intersection(batch) or len(batch) == 1:
        return asked
    half = len(batch) // 2
    left, right = batch[:half], batch[half:]
    left_fails = bool(unpriced.intersection(left))
    return (
        asked + splitting(left, unpriced) + splitting(right, unpriced, known_to_fail=not left_fails)
    )


def pricing_requests(
    ids: Sequence[str], unpriced: set[str], suspects: Iterable[str]
) -> tuple[int, int]:
    """(binary splitting, halving) for pricing ``ids``; known gaps cost one request each."""
    known = set(suspects) & set(ids)
    batches = chunks([i for i in ids if i not in known], MAX_IDS_PER_REQUEST)
    split = sum(splitting(b, unpriced) for b in batches) + len(known)
    halved = sum(halving(b, unpriced)[0] for b in batches) + len(known)
    return split, halved


def truth(sim: Simulation, first: date, last: date) -> Truth:
    ids = [m["endpoint_id"] for m in sim.models()]
    prices = sim.current_prices()
    usage = [item for day in days_between(first, last) for item in sim.usage_items(day)]
    analytics = sum(len(sim.analytics_items(day)) for day in days_between(first, last))
    return Truth(
        models=len(ids),
        priced=len(prices),
        unpriced=tuple(sorted(set(ids) - set(prices))),
        instances=len(sim.instances()),
        usage_rows=len(usage),
        usage_cost=sum((Decimal(str(item["cost_total"])) for item in usage), Decimal(0)),
        analytics_rows=analytics,
    )


def bill_requests(sim: Simulation, days: list[date], windows: int) -> dict[str, int]:
    """The fewest requests for the rest of the bill over ``days``."""
    serverless = sum(len(sim.serverless_rows(day)) for day in days)
    asked = {
        "serverless": max(math.ceil(serverless / SERIES_LIMIT), windows),
        "keys": max(1, math.ceil(len(sim.api_keys()) / MODELS_LIMIT)),
        "billing": 1,
    }
    if not sim.config.enterprise:
        return asked | {"organization": 2, "focus": 1}
    organization = sum(len(sim.org_rows(day)) for day in days)
    months = {day.replace(day=1) for day in days}
    closed = sum(1 for month in months if next_month(month) <= sim.today)
    return asked | {
        "organization": max(math.ceil(organization / SERIES_LIMIT), windows) + 1,
        "focus": closed + 2 * (len(months) - closed),
    }


def minimum(
    sim: Simulation,
    first: date,
    last: date,
    *,
    suspects: Iterable[str] = (),
    operations: Sequence[str] = OPERATIONS,
) -> Minimum:
    """The fewest requests for the ``operations`` of a run over ``first``..``last``.

    Every operation is ``main_job`` (``falcost sync``); ``usage_job`` is usage and analytics.
    ``suspects`` are the unpriced endpoints the warehouse already lists (empty when cold).
    """
    ids = sorted(m["endpoint_id"] for m in sim.models())
    facts = truth(sim, first, last)
    days = days_between(first, last)
    windows = math.ceil(len(days) / sim.config.max_window_days)
    per_endpoint: dict[str, int] = {}
    for day in days:
        for item in sim.analytics_items(day):
            per_endpoint[item["endpoint_id"]] = per_endpoint.get(item["endpoint_id"], 0) + 1
    analytics = sum(
        max(math.ceil(sum(per_endpoint.get(e, 0) for e in batch) / SERIES_LIMIT), windows)
        for batch in chunks(ids, MAX_IDS_PER_REQUEST)
    )
    models_pages = max(1, math.ceil(len(ids) / MODELS_LIMIT))
    pricing, halved = pricing_requests(ids, set(facts.unpriced), suspects)
    requests = {
        "models": models_pages,
        "pricing": pricing,
        "instances": max(1, math.ceil(facts.instances / MODELS_LIMIT)),
        "usage": max(math.ceil(facts.usage_rows / SERIES_LIMIT), windows),
        "analytics": analytics,
        **bill_requests(sim, days, windows),
    }
    requests = {op: n for op, n in requests.items() if op in operations}
    chain = models_pages + 1 if "models" in operations else 1
    return Minimum(requests=requests, chain=chain, truth=facts, pricing_halving=halved)
