"""SQL marts, one asset per ``warehouse/marts/<name>.sql`` (all built in one step); dependencies
are declared here."""

import os
from datetime import UTC, datetime

import dagster as dg
import duckdb

from assets.checks import check_results, check_specs
from pipelines.alerts import budgets, store
from pipelines.orchestration.metadata import table_metadata
from pipelines.orchestration.resources import WarehouseResource
from warehouse import loads
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
    SERVERLESS_USAGE_DAILY,
    USAGE_DAILY,
)

MARTS: dict[str, tuple[list[str], str]] = {
    "list_prices": (
        [PRICES.path],
        "The list price of each endpoint in force on each UTC day, from the price history.",
    ),
    "cost_per_model": (
        [USAGE_DAILY.path, ANALYTICS_DAILY.path, MODELS.path, "marts/list_prices"],
        "What each model cost per UTC day: usage summed over keys and discounts, requests, "
        "cost per request and the list price in force that day.",
    ),
    "request_trends": (
        [ANALYTICS_DAILY.path, "marts/cost_per_model"],
        "Daily requests per endpoint with error rates, a 7-day average, day-over-day change "
        "and cost.",
    ),
    "instance_status": (
        [INSTANCE_SNAPSHOTS.path],
        "Every compute instance seen: latest status, first and last seen, still present or not.",
    ),
    "spend_daily": (
        [
            USAGE_DAILY.path,
            "marts/list_prices",
            API_KEYS.path,
            SERVERLESS_USAGE_DAILY.path,
            ORGANIZATION_USAGE_DAILY.path,
            ORGANIZATION_TEAMS.path,
            CREDIT_BALANCE_SNAPSHOTS.path,
        ],
        "Every cost stream per UTC day, product, service and API key: quantity, list cost, "
        "billed cost and savings.",
    ),
    "cost_by_key": (
        ["marts/spend_daily", API_KEYS.path, BILLING_EVENTS.path],
        "What each API key spent per UTC day, across products.",
    ),
    "reconciliation": (
        [
            "marts/spend_daily",
            FAL_FOCUS_CHARGES.path,
            BILLING_EVENTS.path,
            CREDIT_BALANCE_SNAPSHOTS.path,
        ],
        "Per charge month and product: falcost's total against fal's own (FOCUS invoice, else "
        "estimate, else billing events, else the credit burn), the difference and a status.",
    ),
    "budget_status": (
        ["marts/spend_daily", "marts/cost_by_key"],
        "Each budget of the budgets file per period: billed spend to date, a forecast to the "
        "period end, the limit, the warn threshold and a status (ok, warn, over, forecast_over).",
    ),
    "cost_anomalies": (
        ["marts/spend_daily", "marts/cost_by_key"],
        "Days whose billed cost per endpoint or API key departs from the median of the days "
        "before by more than k x MAD.",
    ),
}
# built from the budgets file, which the step loads into meta.budgets and meta.alert_settings
CONFIGURED = ("budget_status", "cost_anomalies")


def _spec(name: str, deps: list[str], description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        ["marts", name],
        deps=[dg.AssetKey.from_user_string(dep) for dep in deps],
        description=description,
        group_name="marts",
        kinds={"duckdb", "sql"},
    )


@dg.multi_asset(
    name="marts",
    specs=[_spec(name, deps, description) for name, (deps, description) in MARTS.items()],
    check_specs=[spec for name in MARTS for spec in check_specs(f"marts/{name}")],
    can_subset=True,
    pool="duckdb",
    description="Every selected mart, rebuilt in dependency order on one connection.",
)
def marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """One step for all marts: a step per mart cost a connection and Dagster's events each,
    more than the SQL itself. Each mart is still its own transaction and materialization."""
    selected = context.selected_asset_keys
    with warehouse.get_connection() as con:
        refused = None
        if any(dg.AssetKey(["marts", name]) in selected for name in CONFIGURED):
            refused = _load_budgets(context, con, warehouse.database)
        for name in MARTS:
            key = dg.AssetKey(["marts", name])
            if key not in selected or (refused and name in CONFIGURED):
                continue
            rows = loads.build_mart(con, name)
            context.log.info(f"marts.{name}: {rows} rows")
            yield dg.MaterializeResult(
                asset_key=key,
                metadata=table_metadata(con, f"marts.{name}", written=rows, preview=True),
                check_results=check_results(con, f"marts/{name}"),
            )
    if refused:
        raise dg.Failure(
            description=f"{refused} (marts.budget_status and marts.cost_anomalies not rebuilt)",
            allow_retries=False,
        )


def _load_budgets(
    context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection, warehouse_path: str
) -> str | None:
    """Load the budgets file into the warehouse before the marts that read it; return its
    one-line error instead when it cannot be used (the other marts are still built)."""
    try:
        config = budgets.read_config(os.environ, warehouse_path)
    except budgets.BudgetsError as exc:
        context.log.error(str(exc))
        return str(exc)
    store.store(con, config, loaded_at=datetime.now(UTC))
    context.log.info(budgets.describe(config))
    return None
