"""Start every fetch a run will need, at once, on the run's one API session.

The catalogue's cursor chain, the instance list and the usage windows start together; prices
and analytics start the moment the new listing arrives, for the ids the steps will ask for
(the listing, and every endpoint ``raw.models`` will hold once it is loaded), with the last
run's unpriced endpoints as known gaps. A step whose question differs (a refused catalogue, a
different range) fetches anew: a prefetch can save time, never change an answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb

from pipelines import fetches
from pipelines.accounts import PARTITION, RANGE_END, RANGE_START, split_key
from pipelines.fal import FalClient, PricingResult
from pipelines.fal.background import BackgroundSession
from pipelines.fal.client import MAX_IDS_PER_REQUEST
from pipelines.fetches import Fetch
from warehouse.connection import connect
from warehouse.statements import months_of, statement_months
from warehouse.tables import (
    ANALYTICS_DAILY,
    API_KEYS,
    BILLING_EVENTS,
    CREDIT_BALANCE_SNAPSHOTS,
    FAL_FOCUS_CHARGES,
    INSTANCE_SNAPSHOTS,
    MODELS,
    ORGANIZATION_TEAMS,
    ORGANIZATION_USAGE_DAILY,
    PRICES,
    RAW_TABLES,
    SERVERLESS_USAGE_DAILY,
    UNPRICED_ENDPOINTS,
    USAGE_DAILY,
)

# The tables whose fetches a run starts here: every raw table but the price step's by-product
# and billing events (off unless asked for).
PREFETCHED = frozenset(
    table.path for table in RAW_TABLES if table not in (UNPRICED_ENDPOINTS, BILLING_EVENTS)
)
Started = dict[str, Future]  # fetch kind -> Future[(key, result)] with the request counts


def keyed(fetch: Fetch):
    async def work(client: FalClient) -> tuple[Hashable, Any]:
        return fetch.key, await fetch.work(client)

    return work


def run_window(tags: Mapping[str, str]) -> tuple[date, date] | None:
    """The UTC days ``[start, end)`` a run's partition tags cover, if any."""
    first, last = tags.get(RANGE_START) or tags.get(PARTITION), tags.get(RANGE_END)
    last = last or first
    if not first or not last:
        return None
    first, last = split_key(first)[1], split_key(last)[1]  # a day × account key's day
    try:
        return date.fromisoformat(first), date.fromisoformat(last) + timedelta(days=1)
    except ValueError:
        return None


@dataclass(frozen=True)
class Catalogue:
    """What the warehouse held when the run began (all empty for a new warehouse)."""

    known: frozenset[str] = frozenset()  # every endpoint raw.models holds
    listed: frozenset[str] = frozenset()  # the last listing (raw.models' newest last_seen_at)
    gaps: tuple[str, ...] = ()  # endpoints last found unpriced


def catalogue_state(path: str | None) -> Catalogue:
    if not path:
        return Catalogue()
    try:
        con = connect(path, read_only=True)
    except (duckdb.Error, OSError):
        return Catalogue()  # absent, locked or not a warehouse: nothing to start from
    try:
        rows = con.execute(
            "select endpoint_id, last_seen_at = max(last_seen_at) over () from raw.models"
        ).fetchall()
        unpriced = con.execute("select endpoint_id from raw.unpriced_endpoints").fetchall()
    except duckdb.Error:
        return Catalogue()
    finally:
        con.close()
    return Catalogue(
        known=frozenset(r[0] for r in rows),
        listed=frozenset(r[0] for r in rows if r[1]),
        gaps=tuple(sorted(r[0] for r in unpriced)),
    )


def focus_months(path: str | None, start: date, end: date) -> list[date]:
    """The statement months the FOCUS step will ask for (``warehouse.statements``)."""
    try:
        con = connect(path, read_only=True) if path else None
    except (duckdb.Error, OSError):
        con = None  # absent or locked: the step asks for what it needs itself
    if con is None:
        return months_of(start, end)
    try:
        return statement_months(con, start, end)
    except duckdb.Error:
        return months_of(start, end)
    finally:
        con.close()


async def _settle(tasks: list[asyncio.Future]) -> None:
    """Cancel what is still running and collect every outcome, so no failure goes unheard."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class Listing:
    """The run's catalogue fetch: its records, and each page's ids as they arrive."""

    def __init__(self) -> None:
        self.pages: asyncio.Queue[list[str] | None] = asyncio.Queue()

    async def work(self, client: FalClient) -> tuple[Hashable, Any]:
        out: list[dict] = []
        try:
            async for page in client.models_pages():
                out += page
                self.pages.put_nowait([r["endpoint_id"] for r in page])
        finally:
            self.pages.put_nowait(None)  # the end (or the failure) of the listing
        return fetches.models().key, out


async def _prices(
    client: FalClient, listing: Listing, done: Future, last: Catalogue
) -> tuple[Hashable, Any]:
    """Prices for the new listing: the last listing's are asked at once, a new endpoint's as
    soon as its page arrives, 50 to a request; endpoints no longer listed are dropped."""
    asked = [asyncio.ensure_future(client.pricing(sorted(last.listed), suspects=last.gaps))]
    ids: set[str] = set()
    waiting: list[str] = []
    try:
        while (page := await listing.pages.get()) is not None:
            ids.update(page)
            waiting += [e for e in page if e not in last.listed]
            while len(waiting) >= MAX_IDS_PER_REQUEST:
                batch, waiting = waiting[:MAX_IDS_PER_REQUEST], waiting[MAX_IDS_PER_REQUEST:]
                asked.append(asyncio.ensure_future(client.pricing(batch, suspects=last.gaps)))
        await asyncio.wrap_future(done)  # a listing that failed fails this too
        if waiting:
            asked.append(asyncio.ensure_future(client.pricing(waiting, suspects=last.gaps)))
        answers = await asyncio.gather(*asked)
    finally:
        await _settle(asked)
    prices = [p for r in answers for p in r.prices if p["endpoint_id"] in ids]
    unpriced = sorted(e for r in answers for e in r.unpriced if e in ids)
    return fetches.prices(ids, last.gaps).key, PricingResult(prices=prices, unpriced=unpriced)


async def _analytics(
    client: FalClient, listing: Future, last: Catalogue, window: tuple[date, date]
) -> tuple[Hashable, Any]:
    """Analytics for every endpoint raw.models will hold: the ones it holds now at once, the
    newly listed ones once the listing is in."""
    early = asyncio.ensure_future(fetches.analytics(*window, last.known).work(client))
    try:
        (_, records), _ = await asyncio.wrap_future(listing)
        pages = await early
    finally:
        await _settle([early])
    extra = {r["endpoint_id"] for r in records} - last.known
    if extra:
        pages += await fetches.analytics(*window, extra).work(client)
    return fetches.analytics(*window, last.known | extra).key, pages


def start_fetches(
    session: BackgroundSession,
    selected: set[str],
    window: tuple[date, date] | None,
    warehouse_path: str | None,
) -> Started:
    """Submit the fetches of the ``selected`` raw assets ("raw/models", …) to ``session``;
    the rest of the bill last: a few requests, queued behind the catalogue, usage and
    analytics, and answered long before the steps that load those."""
    started: Started = {}
    if INSTANCE_SNAPSHOTS.path in selected:
        started["instances"] = session.submit(keyed(fetches.instances()))
    if window and USAGE_DAILY.path in selected:
        started["usage"] = session.submit(keyed(fetches.usage(*window)))
    last = catalogue_state(warehouse_path)
    analytics = window is not None and ANALYTICS_DAILY.path in selected
    if MODELS.path in selected:
        catalogue = Listing()
        listing = started["models"] = session.submit(catalogue.work)
        if PRICES.path in selected:
            started["prices"] = session.submit(
                lambda client: _prices(client, catalogue, listing, last)
            )
        if analytics:
            started["analytics"] = session.submit(
                lambda client: _analytics(client, listing, last, window)
            )
    elif analytics and last.known:  # the steps ask for what raw.models holds now
        started["analytics"] = session.submit(keyed(fetches.analytics(*window, last.known)))
    for fetch in bill_fetches(selected, window, warehouse_path):
        started[fetch.key[0]] = session.submit(keyed(fetch))
    return started


def bill_fetches(
    selected: set[str], window: tuple[date, date] | None, warehouse_path: str | None
) -> list[Fetch]:
    """The rest of the bill the run will ask for: small, and no step waits on it."""
    wanted = [(API_KEYS, fetches.keys), (CREDIT_BALANCE_SNAPSHOTS, fetches.credit_balance)]
    wanted += [(ORGANIZATION_TEAMS, fetches.teams)]
    if window:
        wanted += [
            (SERVERLESS_USAGE_DAILY, lambda: fetches.serverless_usage(*window)),
            (ORGANIZATION_USAGE_DAILY, lambda: fetches.organization_usage(*window)),
            (
                FAL_FOCUS_CHARGES,
                lambda: fetches.focus(focus_months(warehouse_path, *window), window[1]),
            ),
        ]
    return [make() for table, make in wanted if table.path in selected]


@dataclass
class EarlyStart:
    """Fetches started before the run exists, waiting for it: the caller of ``adopt`` owns them."""

    session: BackgroundSession
    started: Started
    window: tuple[date, date]
    warehouse_path: str | None


_early: dict[str | None, EarlyStart] = {}  # by account (None: the single account)


@contextmanager
def started_early(
    client: FalClient,
    window: tuple[date, date],
    warehouse_path: str | None,
    account: str | None = None,
) -> Iterator[None]:
    """Check the key on a new session, then start every fetch of ``main_job`` over ``window``
    on it, for the run started inside this block to adopt; close the session if none did.

    Raises the access check's ``FalError`` before anything else is asked.
    """
    session = BackgroundSession(client).__enter__()
    handed = False
    try:
        session.submit(lambda api: api.check_access()).result()
        start_early(session, window, warehouse_path, account)
        handed = True
        yield
    finally:
        if not handed or abandon(account) is not None:
            session.__exit__(None, None, None)


def start_early(
    session: BackgroundSession,
    window: tuple[date, date],
    warehouse_path: str | None,
    account: str | None = None,
) -> None:
    """Start on ``session`` every fetch ``main_job`` over ``window`` makes (``PREFETCHED``),
    for the account's run to ``adopt``; ``session`` stays the caller's until then (see
    ``abandon``). ``warehouse_path`` is the file the run loads (the account's own, if any)."""
    started = start_fetches(session, set(PREFETCHED), window, warehouse_path)
    _early[account] = EarlyStart(session, started, window, warehouse_path)


def adopt(
    selected: set[str],
    window: tuple[date, date] | None,
    warehouse_path: str | None,
    account: str | None = None,
) -> EarlyStart | None:
    """The fetches started early for exactly this run (its account, window and warehouse,
    every table of ``PREFETCHED`` among its assets), now the caller's to close; else None."""
    early = _early.get(account)
    if early is None or (early.window, early.warehouse_path) != (window, warehouse_path):
        return None
    if not PREFETCHED.issubset(selected):
        return None
    return _early.pop(account)


def abandon(account: str | None = None) -> EarlyStart | None:
    """The early fetches no run adopted (the run failed before its resources), to be closed."""
    return _early.pop(account, None)
