"""Asset checks: a second line of defence after pandera, run on the tables as loaded.

Blocking checks stop downstream marts when a raw table is wrong; they cannot roll a load back,
which is why the pandera gate runs before the write.
"""

import dagster as dg

from pipelines.resources import WarehouseResource
from warehouse import sql

FRESHNESS_MAX_LAG_DAYS = 3  # usage is re-pulled for 3 days after yesterday; older means stale


def _zero_check(
    asset: str, name: str, description: str, *, blocking: bool = True
) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey.from_user_string(asset),
        name=name,
        description=description,
        blocking=blocking,
    )
    def check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            failing = con.execute(sql(f"checks/{name}")).fetchall()[0][0]
        return dg.AssetCheckResult(passed=failing == 0, metadata={"failing": float(failing)})

    return check


@dg.asset_check(
    asset=dg.AssetKey(["raw", "usage_daily"]),
    name="usage_daily_freshness",
    description=f"The newest usage day is at most {FRESHNESS_MAX_LAG_DAYS} days old.",
)
def usage_daily_freshness(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        lag = con.execute(sql("checks/usage_daily_freshness")).fetchall()[0][0]
    return dg.AssetCheckResult(
        passed=lag is not None and lag <= FRESHNESS_MAX_LAG_DAYS,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"lag_days": -1 if lag is None else int(lag)},
    )


asset_checks = [
    _zero_check(
        "raw/usage_daily",
        "usage_daily_grain_unique",
        "No two rows share (usage_date, endpoint_id, unit, unit_price, percent_discount, "
        "auth_method).",
    ),
    _zero_check(
        "raw/usage_daily",
        "usage_daily_money_non_negative",
        "Quantities, prices and costs are never negative.",
    ),
    _zero_check(
        "raw/usage_daily",
        "usage_daily_cost_arithmetic",
        "cost_total = cost_subtotal - cost_discount on every row.",
    ),
    usage_daily_freshness,
    _zero_check(
        "raw/analytics_daily",
        "analytics_daily_grain_unique",
        "No two rows share (metric_date, endpoint_id).",
    ),
    _zero_check(
        "raw/prices", "prices_one_current", "At most one current price per endpoint, no overlaps."
    ),
    _zero_check(
        "marts/cost_per_model",
        "cost_per_model_reconciles",
        "The mart's total cost equals raw.usage_daily's, to the nano-dollar.",
        blocking=False,
    ),
]
