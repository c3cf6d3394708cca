"""The last step of every run that writes: publish the read-only copy (``warehouse.publish``)."""

import dagster as dg

from assets.accounts import TEAM_DEPS
from assets.marts import MARTS
from pipelines.orchestration.resources import WarehouseResource
from warehouse.publish import publish
from warehouse.tables import RAW_TABLES, UNPRICED_ENDPOINTS

PUBLISHED_KEY = dg.AssetKey(["warehouse", "published"])
# every asset that writes the warehouse: a run in which any of them failed publishes nothing
AFTER = [
    *(table.asset_key for table in RAW_TABLES if table is not UNPRICED_ENDPOINTS),
    *(dg.AssetKey(["marts", name]) for name in MARTS),
    dg.AssetKey(["alerts", "notifications"]),
    dg.AssetKey(["reports", "spend_html"]),
    dg.AssetKey(["exports", "focus_current_month"]),
    *TEAM_DEPS,
]


@dg.asset(
    key=PUBLISHED_KEY,
    group_name="publish",
    deps=AFTER,
    kinds={"duckdb"},
    pool="duckdb",
    description="A read-only copy of the warehouse beside it (falcost.read.duckdb), swapped in "
    "whole after each successful run: falcost sql, falcost report and BI tools read it, so "
    "they never wait for a sync and a sync never waits for them.",
)
def published_copy(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.get_team_connection() as con:
        con.execute("checkpoint")  # everything in the file itself, then closed: a whole copy
    copy = publish(warehouse.database)
    context.log.info(f"published {copy.path} ({copy.bytes / 1e6:.1f} MB in {copy.seconds:.2f} s)")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(copy.path.absolute())),
            "bytes": copy.bytes,
            "seconds": round(copy.seconds, 3),
        }
    )
