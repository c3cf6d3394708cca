"""Asset checks: a second line of defence after pandera, run on the tables as loaded.

Each check is a query in ``warehouse/checks/``. They run inside the step that loads their
table (declared there with ``check_specs``): a separate step per check cost a connection and
about 90 ms each, for no gain. Blocking checks stop the downstream marts when a table is wrong;
they cannot roll a load back, which is why the pandera gate runs before the write.

Three kinds:

- ``ZeroCheck``: the query counts offending rows; it passes on 0.
- ``ListCheck``: the query returns one row per failure (endpoint ids, currencies); the count
  and the first ``MAX_LISTED`` of them go into the result's description and metadata.
- ``ShareGate``: run by its asset *before* the write, on what the source just answered against
  what the warehouse holds. Past its limit (a run-config field of the asset), the asset reports
  the failed check and then refuses the load, so the previous state stays and the next run
  compares against it again: a partial answer never becomes the new normal without someone
  raising the limit for that run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import dagster as dg
import duckdb

from pipelines import settings
from warehouse import sql
from warehouse.tables import ANALYTICS_DAILY, MODELS, PRICES, USAGE_DAILY

FRESHNESS = "usage_daily_freshness"
FRESHNESS_MAX_LAG_DAYS = 3  # usage is re-pulled for 3 days after yesterday; older means stale
MAX_LISTED = 20  # failing ids named in a check's description and metadata


@dataclass(frozen=True)
class ZeroCheck:
    """Passes when ``warehouse/checks/<name>.sql`` returns 0."""

    name: str
    description: str
    blocking: bool = True


@dataclass(frozen=True)
class ListCheck:
    """Passes when ``warehouse/checks/<name>.sql`` returns no rows; each row is one failure.

    ``finding`` completes "<n> ...". A ``windowed`` query takes ``$start`` and ``$end`` (the
    days the step loaded, end exclusive). A non-blocking one warns, unless it ``fails``: then
    it is an error that stops nothing downstream (a budget over its limit must not stop the
    notification that says so).
    """

    name: str
    description: str
    finding: str
    blocking: bool = True
    windowed: bool = False
    fails: bool = False


@dataclass(frozen=True)
class ShareGate:
    """Before a load: the share of ``what`` that the new answer lost, against ``setting``.

    ``warehouse/checks/<name>.sql`` returns one row: how many there were before, and the list
    of those lost. ``env`` is the variable ``falcost sync`` reads into ``setting``.
    """

    name: str
    description: str
    what: str
    lost: str
    setting: str
    env: str
    default: float = 0.2


Check = ZeroCheck | ListCheck

CHECKS: dict[str, list[Check]] = {
    USAGE_DAILY.path: [
        ZeroCheck(
            "usage_daily_grain_unique", f"No two rows share ({', '.join(USAGE_DAILY.grain)})."
        ),
        ZeroCheck(
            "usage_daily_money_non_negative", "Quantities, prices and costs are never negative."
        ),
        ZeroCheck(
            "usage_daily_cost_arithmetic",
            "cost_total = cost_subtotal - cost_discount on every row.",
        ),
        ListCheck(
            "usage_daily_one_currency",
            "Every amount is in one currency: the marts add them up.",
            "currencies in raw.usage_daily, where one is allowed",
        ),
        ListCheck(
            "usage_daily_endpoints_in_catalog",
            "Every endpoint with usage on the days loaded is in raw.models, so its cost keeps "
            "its name and category in the marts.",
            "endpoints with usage are missing from raw.models",
            windowed=True,
        ),
    ],
    ANALYTICS_DAILY.path: [
        ZeroCheck(
            "analytics_daily_grain_unique",
            f"No two rows share ({', '.join(ANALYTICS_DAILY.grain)}).",
        ),
        ListCheck(
            "analytics_daily_endpoints_in_catalog",
            "Every endpoint with requests on the days loaded is in raw.models (a warning).",
            "endpoints with requests are missing from raw.models",
            blocking=False,
            windowed=True,
        ),
    ],
    PRICES.path: [
        ZeroCheck("prices_one_current", "At most one current price per endpoint, no overlaps."),
        ListCheck(
            "prices_cover_catalog",
            "Every endpoint of the current catalogue has a price row or a "
            "raw.unpriced_endpoints row.",
            "catalogue endpoints have neither a price nor a raw.unpriced_endpoints row",
        ),
    ],
    "marts/cost_per_model": [
        ZeroCheck(
            "cost_per_model_reconciles",
            "The mart's total cost equals raw.usage_daily's, to the nano-dollar.",
            blocking=False,
        ),
        ListCheck(
            "cost_per_model_requests_match_usage",
            "On the days of the latest usage load, usage billed per request (unit 'request' or "
            "'requests') lies between the successful and all requests of raw.analytics_daily, "
            "within 5% (a warning).",
            "per-request usage days disagree with raw.analytics_daily",
            blocking=False,
        ),
    ],
    "marts/budget_status": [
        ListCheck(
            "budget_status_within_limit",
            "No budget's current period (the one holding the newest loaded day) has spent more "
            "than its limit. Fails the sync but blocks nothing: the alerts still go out.",
            "budgets are over their limit",
            blocking=False,
            fails=True,
        ),
        ListCheck(
            "budget_status_within_warn_share",
            "No budget's current period has spent more than warn_share of its limit "
            "(a warning; those over the limit fail budget_status_within_limit).",
            "budgets are past their warn share",
            blocking=False,
        ),
    ],
    "marts/cost_anomalies": [
        ListCheck(
            "cost_anomalies_recent",
            "No endpoint or API key has a cost anomaly on the latest loaded days "
            "(marts.cost_anomalies.alerts; a warning).",
            "cost anomalies on the latest days",
            blocking=False,
        ),
    ],
}

GATES: dict[str, ShareGate] = {
    MODELS.path: ShareGate(
        "models_catalog_not_shrunk",
        "The catalogue does not lose more than max_catalog_shrink of the endpoints the "
        "previous load listed; past it nothing is loaded.",
        what="endpoints listed by the previous catalogue load",
        lost="are missing from this listing",
        setting="max_catalog_shrink",
        env=settings.MAX_CATALOG_SHRINK,
    ),
    PRICES.path: ShareGate(
        "prices_not_collapsed",
        "No more than max_unpriced_share of the endpoints priced before this load are now "
        "answered unpriced; past it nothing is loaded.",
        what="endpoints priced before this load",
        lost="are now answered unpriced",
        setting="max_unpriced_share",
        env=settings.MAX_UNPRICED_SHARE,
    ),
}


class CheckRefusal(dg.Failure):
    """A ``ShareGate`` failed: the asset loads nothing (the check's own result says why)."""


def _severity(check: Check) -> dg.AssetCheckSeverity:
    if isinstance(check, ListCheck) and not check.blocking and not check.fails:
        return dg.AssetCheckSeverity.WARN
    return dg.AssetCheckSeverity.ERROR


def check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    """The checks an asset declares (and runs in its own step)."""
    key = dg.AssetKey.from_user_string(asset)
    specs = [
        dg.AssetCheckSpec(c.name, asset=key, description=c.description, blocking=c.blocking)
        for c in CHECKS.get(asset, [])
    ]
    if asset in GATES:
        gate = GATES[asset]
        specs.append(
            dg.AssetCheckSpec(gate.name, asset=key, description=gate.description, blocking=True)
        )
    if asset == USAGE_DAILY.path:
        specs.append(
            dg.AssetCheckSpec(
                FRESHNESS,
                asset=key,
                description=f"The newest usage day is at most {FRESHNESS_MAX_LAG_DAYS} days old.",
            )
        )
    return specs


def _listed(items: list[str]) -> str:
    shown = ", ".join(str(i) for i in items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def _list_result(
    con: duckdb.DuckDBPyConnection,
    asset: str,
    check: ListCheck,
    window: tuple[date, date] | None,
) -> dg.AssetCheckResult:
    params, where = {}, ""
    if check.windowed:
        if window is None:
            raise ValueError(f"check {check.name} needs the window its step loaded")
        params = {"start": window[0], "end": window[1]}
        where = f" ({window[0]}..{window[1] - timedelta(days=1)})"
    failing = [row[0] for row in con.execute(sql(f"checks/{check.name}"), params).fetchall()]
    description = f"{len(failing)} {check.finding}{where}"
    if failing:
        description += f": {_listed(failing)}"
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey.from_user_string(asset),
        check_name=check.name,
        passed=not failing,
        severity=_severity(check),
        description=description,
        metadata={"failing": len(failing), "failing_ids": _listed(failing)},
    )


def check_results(
    con: duckdb.DuckDBPyConnection, asset: str, *, window: tuple[date, date] | None = None
) -> list[dg.AssetCheckResult]:
    """Run an asset's checks on the table as it now is (``window``: the days just loaded)."""
    results = []
    for check in CHECKS.get(asset, []):
        if isinstance(check, ListCheck):
            results.append(_list_result(con, asset, check, window))
            continue
        failing = con.execute(sql(f"checks/{check.name}")).fetchall()[0][0]
        results.append(
            dg.AssetCheckResult(
                asset_key=dg.AssetKey.from_user_string(asset),
                check_name=check.name,
                passed=failing == 0,
                metadata={"failing": float(failing)},
            )
        )
    if asset == USAGE_DAILY.path:
        lag = con.execute(sql(f"checks/{FRESHNESS}")).fetchall()[0][0]
        results.append(
            dg.AssetCheckResult(
                check_name=FRESHNESS,
                passed=lag is not None and lag <= FRESHNESS_MAX_LAG_DAYS,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"lag_days": -1 if lag is None else int(lag)},
            )
        )
    return results


def gate_result(con: duckdb.DuckDBPyConnection, asset: str, limit: float) -> dg.AssetCheckResult:
    """Evaluate ``asset``'s gate on the frames registered for its load (before the write)."""
    gate = GATES[asset]
    before, lost = con.execute(sql(f"checks/{gate.name}")).fetchall()[0]
    lost = list(lost or [])
    share = len(lost) / before if before else 0.0
    passed = share <= limit
    description = (
        f"{len(lost)} of {before} {gate.what} {gate.lost} ({share:.0%}; "
        f"{gate.setting} is {limit:.0%})"
    )
    if not passed:
        description += (
            f": {_listed(lost)}. Nothing was loaded. If the source is right, re-run with "
            f"{gate.setting} raised (run config of {asset}, or {gate.env} for falcost sync)."
        )
    return dg.AssetCheckResult(
        check_name=gate.name,
        passed=passed,
        description=description,
        metadata={
            "failing": len(lost),
            "before": before,
            "share": round(share, 4),
            "limit": limit,
            "failing_ids": _listed(lost),
        },
    )


def refusal(asset: str, result: dg.AssetCheckResult) -> CheckRefusal:
    """The error an asset raises after a failed gate (yield the result first: Dagster keeps
    a check result yielded before the step fails, with its description and metadata)."""
    return CheckRefusal(
        description=f"{asset.replace('/', '.')} was not loaded: check {result.check_name} failed",
        metadata={"check": result.check_name},
        allow_retries=False,
    )
