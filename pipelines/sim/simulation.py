"""The simulated account: catalogue, prices, traffic, instances, mutations and ground truth."""

from __future__ import annotations

import bisect
import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from . import bill
from .bill import ACCOUNT, PRODUCTS, RESEARCH, MachinePart, MachineRow, OrgRow
from .catalog import catalog_for
from .config import Faults, Latitude, SimConfig
from .faults import FaultInjector
from .instances import Fleet, slot_of
from .items import (
    METRICS,
    AnalyticsRow,
    UsageRow,
    analytics_item,
    analytics_rows,
    usage_item,
    usage_rows,
)
from .names import UNITS
from .seeds import rng_for, stable_hash
from .traffic import DayRecord, Profile, build_profiles, choose_used, generate_day, scaled

LATE_FRACTIONS = (0.80, 0.95, 0.99)  # share of the final volume seen 1, 2, 3 days later
TODAY_FRACTION = 0.5
CREDIT_HISTORY = timedelta(days=60)  # how far before the first today the balance is followed
_EARLIEST = date.min.toordinal()


class _Lru:
    """A small LRU cache, safe to share between the server thread and the test thread."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()  # outside the lock: a rare double computation is harmless
        with self._lock:
            self._data[key] = value
            if len(self._data) > self._size:
                self._data.popitem(last=False)
        return value


class Simulation:
    """One simulated fal account, shared by both dialects of the app."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.stats: dict[str, int] = {"requests": 0, "429": 0, "5xx": 0}
        cfg = self.config
        self.catalog = catalog_for(cfg.seed, cfg.n_endpoints)
        self.profiles: list[Profile] = build_profiles(
            choose_used(self.catalog, cfg.seed, cfg.n_used), cfg.seed, cfg.usage_start
        )
        self.research = bill.research_profiles(self.catalog, cfg.seed, cfg.usage_start)
        self.fleet = Fleet(cfg.seed)
        self.injector = FaultInjector(cfg.faults, cfg.seed)
        self.lock = threading.RLock()
        self._clock: datetime | None = None
        # the prepaid balance's history starts at most CREDIT_HISTORY before the first today,
        # and stays put when the clock moves: a balance costs weeks of charges, not years
        first_today = cfg.today or datetime.now(UTC).date()
        self.credit_start = max(cfg.usage_start, first_today - CREDIT_HISTORY)
        self._revisions: dict[int, float] = {}
        self._price_version = 0
        self._revision_version = 0
        self._prices: dict[str, list[tuple[int, int]]] = {
            e.endpoint_id: [(_EARLIEST, e.price_micro)]
            for e in self.catalog.endpoints
            if e.price_micro is not None
        }
        # a few used endpoints change list price somewhere in the history
        rng = rng_for(cfg.seed, "price-changes")
        changing = min(len(self.profiles), max(1, len(self.profiles) // 20))
        for profile in rng.sample(self.profiles, changing):
            old = profile.endpoint.price_micro
            new = round(old * rng.choice((0.8, 0.9, 1.2, 1.25)))
            day = cfg.usage_start.toordinal() + rng.randrange(60, 500)
            self._prices[profile.endpoint.endpoint_id].append((day, max(new, 1)))
        recent = rng_for(cfg.seed, "recent-price-changes")
        changing = min(cfg.recent_price_changes, len(self.profiles))
        for profile in recent.sample(self.profiles, changing):
            history = self._prices.get(profile.endpoint.endpoint_id)
            if not history:
                continue
            new = round(history[-1][1] * recent.choice((0.8, 1.25)))
            day = first_today.toordinal() - recent.randrange(10, 41)
            self._prices[profile.endpoint.endpoint_id] = sorted([*history, (day, max(new, 1))])
        # bounded so that a year of 1,500 used endpoints stays in tens of MB
        self._days = _Lru(64)
        self._rows = _Lru(192)
        self._memo = _Lru(16)
        # day -> (price version, final model_apis, serverless, compute nano-USD of the account)
        self._charges: dict[date, tuple[tuple[int, float], tuple[int, int, int]]] = {}
        # (operation, Idempotency-Key) -> (when, status, body) of the first answer
        self.idempotency: dict[tuple[str, str], tuple[datetime, int, Any]] = {}

    # -- clock -------------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return self.config.today or self.now().date()

    def now(self) -> datetime:
        """The instance clock: pinned by ``set_now``, else the wall clock (UTC)."""
        return self._clock or datetime.now(UTC)

    def window_now(self) -> datetime:
        """Default end of usage windows: ``today`` at the wall clock's time of day."""
        clock = self.now()
        return datetime.combine(self.today, clock.timetz())

    def state_key(self) -> tuple[date, int, int]:
        """Changes whenever served usage or analytics may change."""
        return (self.today, self._price_version, self._revision_version)

    def memo(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """Cache a derived value; put ``state_key()`` in ``key`` when it depends on state."""
        return self._memo.get(key, make)

    def set_today(self, day: date) -> None:
        with self.lock:
            self.config = replace(self.config, today=day)

    def set_faults(self, faults: Faults) -> None:
        """Change the faults of a running simulation (a storm that ends, then a clean re-run).

        The fault state (arrival count, seeded draws) starts over with the new value.
        """
        with self.lock:
            self.config = replace(self.config, faults=faults)
            self.injector = FaultInjector(faults, self.config.seed)

    def set_latitude(self, latitude: Latitude) -> None:
        """Answer with other legal choices from now on (same account, same ground truth rules)."""
        with self.lock:
            self.config = replace(self.config, latitude=latitude)
            self._price_version += 1  # nano_prices changes every served price and cost

    def set_now(self, at: datetime | None) -> None:
        """Pin the clock instance statuses are derived from (``None``: back to wall time)."""
        self._clock = at if at is None or at.tzinfo else at.replace(tzinfo=UTC)

    def count(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1

    # -- prices ------------------------------------------------------------------------------

    def price_micro(self, endpoint_id: str, day: date) -> int | None:
        history = self._prices.get(endpoint_id)
        if not history:
            return None
        at = bisect.bisect_right(history, (day.toordinal(), float("inf"))) - 1
        return history[at][1] if at >= 0 else None

    def price_nano(self, endpoint_id: str, day: date) -> int | None:
        """The list price in nano-USD: whole micro-USD, plus three seeded digits with
        ``Latitude.nano_prices`` (so prices, and the costs derived from them, use 9 decimals)."""
        micro = self.price_micro(endpoint_id, day)
        if micro is None:
            return None
        return micro * 1000 + self._nano_digits(endpoint_id)

    def _nano_digits(self, endpoint_id: str) -> int:
        latitude = self.config.latitude
        if not latitude.nano_prices:
            return 0
        return 1 + stable_hash(self.config.seed, latitude.seed, "nano-price", endpoint_id) % 999

    def set_price(self, endpoint_id: str, unit_price: float, *, effective: date) -> None:
        """A new list price from ``effective`` on (at most 6 decimals)."""
        if endpoint_id not in self.catalog.by_id:
            raise KeyError(f"unknown endpoint {endpoint_id!r}")
        micro = round(unit_price * 1_000_000)
        if unit_price < 0 or abs(micro - unit_price * 1_000_000) > 1e-3:
            raise ValueError("unit_price must be >= 0 with at most 6 decimals")
        with self.lock:
            history = [
                h for h in self._prices.get(endpoint_id, []) if h[0] != effective.toordinal()
            ]
            self._prices[endpoint_id] = sorted([*history, (effective.toordinal(), micro)])
            self._price_version += 1

    def current_prices(self) -> dict[str, dict[str, Any]]:
        today = self.today
        prices = {}
        for endpoint_id in self._prices:
            nano = self.price_nano(endpoint_id, today)
            if nano is not None:
                unit = self.catalog.by_id[endpoint_id].unit
                prices[endpoint_id] = {"unit": unit, "unit_price": nano / 1e9, "currency": "USD"}
        return dict(sorted(prices.items()))

    # -- traffic -----------------------------------------------------------------------------

    def revise_usage(self, day: date, factor: float) -> None:
        """Upstream revises a past day: every count of it is scaled by ``factor``."""
        with self.lock:
            self._revisions[day.toordinal()] = self._revisions.get(day.toordinal(), 1.0) * factor
            self._revision_version += 1

    def scale(self, day: date) -> float:
        """Share of the final volume visible now (late data) times any revision."""
        age = (self.today - day).days
        if age < 0:
            return 0.0
        if age == 0:
            late = TODAY_FRACTION
        elif age <= self.config.late_days:
            late = LATE_FRACTIONS[age - 1] if age <= len(LATE_FRACTIONS) else 0.995
        else:
            late = 1.0
        return late * self._revisions.get(day.toordinal(), 1.0)

    def factor(self, day: date, *, final: bool = False, revised: bool = True) -> float:
        """``scale(day)``; with ``final`` the day's complete volume, as billed: every late row
        in (1.0 up to today, 0.0 after), times any revision (``revised``), which corrects the
        bill too."""
        if final:
            if day > self.today:
                return 0.0
            return self._revisions.get(day.toordinal(), 1.0) if revised else 1.0
        return self.scale(day)

    def day_records(
        self, day: date, *, final: bool = False, revised: bool = True
    ) -> list[DayRecord]:
        factor = self.factor(day, final=final, revised=revised)
        if factor <= 0.0:
            return []
        cfg = self.config
        base = self._days.get(
            day, lambda: generate_day(self.profiles, cfg.seed, cfg.usage_start, day)
        )
        return base if factor == 1.0 else [scaled(r, factor) for r in base]

    def _price_of(self, day: date) -> Callable[[Profile], int]:
        """The nano-USD list price of a profile's endpoint on ``day``."""
        prices = self._prices
        ordinal = day.toordinal()

        def price_of(profile: Profile) -> int:
            endpoint_id = profile.endpoint.endpoint_id
            history = prices[endpoint_id]
            if len(history) == 1:
                micro = history[0][1]
            else:
                micro = history[bisect.bisect_right(history, (ordinal, float("inf"))) - 1][1]
            return micro * 1000 + self._nano_digits(endpoint_id)

        return price_of

    def usage_rows(
        self, day: date, *, by_auth: bool, by_discount: bool = True, final: bool = False
    ) -> list[UsageRow]:
        def make() -> list[UsageRow]:
            return usage_rows(
                self.day_records(day, final=final), self.profiles, self._price_of(day),
                by_auth=by_auth, by_discount=by_discount,
            )  # fmt: skip

        factor = self.factor(day, final=final)
        key = ("usage", day, factor, self._price_version, by_auth, by_discount)
        return self._rows.get(key, make)

    def analytics_rows(self, day: date) -> list[AnalyticsRow]:
        key = ("analytics", day, self.scale(day))
        return self._rows.get(key, lambda: analytics_rows(self.day_records(day), self.profiles))

    # -- ground truth ------------------------------------------------------------------------

    def models(self) -> list[dict[str, Any]]:
        """Copies: the served items are shared by every simulation with this catalogue."""
        return copy.deepcopy([e.item for e in self.catalog.endpoints])

    def usage_items(self, day: date, *, auth_method: bool = True) -> list[dict[str, Any]]:
        """The line items served for ``day`` (timeframe=day), before any per-page fault.

        With ``Faults.deprecated_cost_only`` rows carry only ``cost`` and discount rates are
        not split, as in the pre-2026-07 API.
        """
        cost_only = self.config.faults.deprecated_cost_only
        rows = self.usage_rows(day, by_auth=auth_method, by_discount=not cost_only)
        return [usage_item(r, label=auth_method, structured=False, cost_only=cost_only)
                for r in rows]  # fmt: skip

    def analytics_items(self, day: date) -> list[dict[str, Any]]:
        return [analytics_item(row, METRICS) for row in self.analytics_rows(day)]

    def instances(self, at: datetime | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return self.fleet.snapshot(slot_of(at or self.now()))

    # -- the rest of the bill (bill.py) ------------------------------------------------------

    def _machine_parts(self, day: date) -> list[MachinePart]:
        cfg = self.config
        return self._days.get(
            ("machines", day), lambda: bill.machine_day(cfg.seed, cfg.usage_start, day)
        )

    def machine_rows(self, day: date, *, final: bool = False) -> list[MachineRow]:
        """Serverless and compute rows of both teams on ``day``, current or final volumes."""
        factor = self.factor(day, final=final)
        if factor <= 0.0:
            return []
        return self._rows.get(
            ("machines", day, factor), lambda: bill.machine_rows(self._machine_parts(day), factor)
        )

    def account_serverless(self, day: date, *, final: bool = False) -> list[MachineRow]:
        """The account's own serverless rows, as ``/serverless/usage`` serves them."""
        rows = self.machine_rows(day, final=final)
        return [r for r in rows if bill.MACHINES[r[0]].product == "serverless"]

    def research_rows(self, day: date) -> list[UsageRow]:
        """The second team's model usage on ``day`` (current volumes, discounts merged)."""
        factor = self.scale(day)
        if factor <= 0.0:
            return []

        def make() -> list[UsageRow]:
            cfg = self.config
            start = bill.research_start(cfg.usage_start)
            base = generate_day(self.research, bill.research_seed(cfg.seed), start, day)
            records = [scaled(r, factor) for r in base]
            return usage_rows(records, self.research, self._price_of(day),
                              by_auth=False, by_discount=False)  # fmt: skip

        return self._rows.get(("research", day, factor, self._price_version), make)

    def org_rows(self, day: date) -> list[OrgRow]:
        """Both teams' usage on ``day`` as ``/organization/usage`` serves it."""

        def make() -> list[OrgRow]:
            rows: list[OrgRow] = []
            for team, model_rows in (
                (ACCOUNT, self.usage_rows(day, by_auth=False, by_discount=False)),
                (RESEARCH, self.research_rows(day)),
            ):
                rows += [(team, 0, e, unit, price, q, not UNITS[unit][2], total)
                         for e, unit, price, _, _, q, _, total in model_rows]  # fmt: skip
            rows += bill.machine_org_rows(self.machine_rows(day))
            return bill.aggregate_org(rows)

        return self._rows.get(("org", day, self.scale(day), self._price_version), make)

    def _charges_nano(self, day: date, *, revised: bool = True) -> tuple[int, int, int]:
        """The account's final model_apis, serverless and compute charges of ``day`` (with
        ``revised``, after any revision of the day)."""
        if day > self.today:
            return (0, 0, 0)
        factor = self.factor(day, final=True, revised=revised)
        version = (self._price_version, factor)
        kept = self._charges.get(day)
        if kept is not None and kept[0] == version:
            return kept[1]
        records = self.day_records(day, final=True, revised=revised)
        model = usage_rows(records, self.profiles, self._price_of(day), by_auth=False,
                           by_discount=False)  # fmt: skip
        sums = {p: 0 for p in PRODUCTS}
        sums["model_apis"] = sum(r[7] for r in model)
        machines = bill.machine_rows(self._machine_parts(day), factor)
        for index, _, _, _, total in machines:
            machine = bill.MACHINES[index]
            if machine.username == ACCOUNT:
                sums[machine.product] += total
        charges = (sums["model_apis"], sums["serverless"], sums["compute"])
        self._charges[day] = (version, charges)
        return charges

    def day_charges(self, day: date) -> dict[str, Decimal]:
        """Product -> the account's final charge for ``day`` (zero after today)."""
        if day < self.config.usage_start:
            return {p: Decimal(0) for p in PRODUCTS}
        return dict(zip(PRODUCTS, map(bill.decimal_usd, self._charges_nano(day)), strict=True))

    def month_charges(self, month: str) -> dict[str, Decimal]:
        """Product -> the account's final charges summed over the days of ``month`` (YYYY-MM)."""
        first = date.fromisoformat(f"{month}-01")
        sums = {p: Decimal(0) for p in PRODUCTS}
        day = first
        while day.month == first.month:
            for product, amount in self.day_charges(day).items():
                sums[product] += amount
            day += timedelta(days=1)
        return sums

    def topups(self) -> list[tuple[date, Decimal]]:
        """Credit top-ups (day, USD) dated on or before today: each covers the final charges
        since the previous one as first billed (revisions aside), rounded up to 10,000 USD."""

        def make() -> list[tuple[date, Decimal]]:
            out, since = [], self.credit_start
            for day in bill.topup_days(self.config.seed, self.credit_start, self.today):
                spent = sum(sum(self._charges_nano(since + timedelta(days=n), revised=False))
                            for n in range((day - since).days))  # fmt: skip
                out.append((day, bill.topup_amount(spent)))
                since = day
            return out

        return list(self.memo(("topups", self.state_key()), make))

    def initial_credit(self) -> Decimal:
        """The credit the account held on ``credit_start``, when its balance history begins."""
        return bill.initial_credit(self.config.seed)

    def credit_balance(self) -> Decimal:
        """Initial credit + top-ups so far - final charges of every day from ``credit_start``
        to before today."""

        def make() -> Decimal:
            day, charged = self.credit_start, 0
            while day < self.today:
                charged += sum(self._charges_nano(day))
                day += timedelta(days=1)
            credit = self.initial_credit() + sum(amount for _, amount in self.topups())
            return credit - bill.decimal_usd(charged)

        return self.memo(("credit-balance", self.state_key()), make)

    def serverless_rows(self, day: date, *, final: bool = False) -> list[dict[str, Any]]:
        """The serverless line items served for ``day`` (timeframe=day), or final ones."""
        return [bill.serverless_item(r) for r in self.account_serverless(day, final=final)]

    def api_keys(self) -> list[dict[str, Any]]:
        """Every API key served by ``/keys?expand=creator_info``, in order."""
        return bill.api_keys(self.config.seed, self.config.usage_start)

    def teams(self) -> list[dict[str, Any]]:
        """The organization's teams, as ``/organization/teams`` serves them."""
        return bill.teams()

    def focus_lines(self, source: str, **selection: Any) -> list[dict[str, str]]:
        """The FOCUS CSV lines: ``source="invoice", charge_month="YYYY-MM"`` or
        ``source="estimate", start=date, end=date`` (end exclusive); see ``focus_api``."""
        from .focus_api import focus_lines

        return focus_lines(self, source, **selection)
