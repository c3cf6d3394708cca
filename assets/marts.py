"""SQL marts, one asset per ``warehouse/marts/<name>.sql``; dependencies are declared here."""

import dagster as dg

from assets.checks import check_results, check_specs
from pipelines.orchestration.metadata import table_metadata
from pipelines.orchestration.resources import WarehouseResource
from warehouse import loads
from warehouse.tables import ANALYTICS_DAILY, INSTANCE_SNAPSHOTS, MODELS, PRICES, USAGE_DAILY

MARTS: dict[str, tuple[list[str], str]] = {
    "cost_per_model": (
        [USAGE_DAILY.path, ANALYTICS_DAILY.path, MODELS.path, PRICES.path],
        "What each model cost per UTC day: usage summed over keys and discounts, requests, "
        "cost per request and the list price in force that day.",
    ),
    "request_trends": (
        [ANALYTICS_DAILY.path, USAGE_DAILY.path],
        "Daily requests per endpoint with error rates, a 7-day average, day-over-day change "
        "and cost.",
    ),
    "instance_status": (
        [INSTANCE_SNAPSHOTS.path],
        "Every compute instance seen: latest status, first and last seen, still present or not.",
    ),
}


def _mart_asset(name: str, deps: list[str], description: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["marts", name],
        check_specs=check_specs(f"marts/{name}"),
        deps=[dg.AssetKey.from_user_string(dep) for dep in deps],
        group_name="marts",
        kinds={"duckdb", "sql"},
        pool="duckdb",
        description=description,
    )
    def mart(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            rows = loads.build_mart(con, name)
            context.log.info(f"marts.{name}: {rows} rows")
            return dg.MaterializeResult(
                metadata=table_metadata(con, f"marts.{name}", written=rows, preview=True),
                check_results=check_results(con, f"marts/{name}"),
            )

    return mart


mart_assets = [_mart_asset(name, deps, description) for name, (deps, description) in MARTS.items()]
