"""Asset checks: a second line of defence after pandera, run on the tables as loaded.

Each check is a query in ``warehouse/checks/`` that counts offending rows. They run inside the
step that loads their table (declared there with ``check_specs``): a separate step per check
cost a connection and about 90 ms each, for no gain. Blocking checks stop the downstream marts
when a raw table is wrong; they cannot roll a load back, which is why the pandera gate runs
before the write.
"""

from dataclasses import dataclass

import dagster as dg
import duckdb

from warehouse import sql

FRESHNESS = "usage_daily_freshness"
FRESHNESS_MAX_LAG_DAYS = 3  # usage is re-pulled for 3 days after yesterday; older means stale


@dataclass(frozen=True)
class ZeroCheck:
    """Passes when ``warehouse/checks/<name>.sql`` returns 0."""

    name: str
    description: str
    blocking: bool = True


CHECKS: dict[str, list[ZeroCheck]] = {
    "raw/usage_daily": [
        ZeroCheck(
            "usage_daily_grain_unique",
            "No two rows share (usage_date, endpoint_id, unit, unit_price, percent_discount, "
            "auth_method).",
        ),
        ZeroCheck(
            "usage_daily_money_non_negative", "Quantities, prices and costs are never negative."
        ),
        ZeroCheck(
            "usage_daily_cost_arithmetic",
            "cost_total = cost_subtotal - cost_discount on every row.",
        ),
    ],
    "raw/analytics_daily": [
        ZeroCheck("analytics_daily_grain_unique", "No two rows share (metric_date, endpoint_id).")
    ],
    "raw/prices": [
        ZeroCheck("prices_one_current", "At most one current price per endpoint, no overlaps.")
    ],
    "marts/cost_per_model": [
        ZeroCheck(
            "cost_per_model_reconciles",
            "The mart's total cost equals raw.usage_daily's, to the nano-dollar.",
            blocking=False,
        )
    ],
}


def check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    """The checks an asset declares (and runs in its own step)."""
    key = dg.AssetKey.from_user_string(asset)
    specs = [
        dg.AssetCheckSpec(c.name, asset=key, description=c.description, blocking=c.blocking)
        for c in CHECKS.get(asset, [])
    ]
    if asset == "raw/usage_daily":
        specs.append(
            dg.AssetCheckSpec(
                FRESHNESS,
                asset=key,
                description=f"The newest usage day is at most {FRESHNESS_MAX_LAG_DAYS} days old.",
            )
        )
    return specs


def check_results(con: duckdb.DuckDBPyConnection, asset: str) -> list[dg.AssetCheckResult]:
    """Run an asset's checks on the table as it now is."""
    results = []
    for check in CHECKS.get(asset, []):
        failing = con.execute(sql(f"checks/{check.name}")).fetchall()[0][0]
        results.append(
            dg.AssetCheckResult(
                check_name=check.name, passed=failing == 0, metadata={"failing": float(failing)}
            )
        )
    if asset == "raw/usage_daily":
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
