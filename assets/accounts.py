"""With an accounts file: the team warehouse, rebuilt from every account's own file after each
run (``warehouse.combine``), before the alerts, the report, the export and the copy read it."""

import dagster as dg

from assets.marts import MARTS
from pipelines import accounts
from pipelines.orchestration.partitions import ACCOUNT_NAMES
from pipelines.orchestration.resources import WarehouseResource
from warehouse.combine import combine
from warehouse.tables import RAW_TABLES, UNPRICED_ENDPOINTS

COMBINED_KEY = dg.AssetKey(["warehouse", "accounts_combined"])
# what the team-level assets read after it: nothing, for a single account
TEAM_DEPS = [COMBINED_KEY] if ACCOUNT_NAMES else []


@dg.asset(
    key=COMBINED_KEY,
    group_name="publish",
    deps=[
        *(table.asset_key for table in RAW_TABLES if table is not UNPRICED_ENDPOINTS),
        *(dg.AssetKey(["marts", name]) for name in MARTS),
    ],
    kinds={"duckdb"},
    pool="duckdb",
    description="Every raw table and mart of every account in FALCOST_ACCOUNTS, side by side "
    "in the warehouse with an account column, rebuilt in one transaction from the accounts' "
    "own files (<warehouse>.accounts/<name>.duckdb).",
)
def accounts_combined(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    files = {name: accounts.staging_path(warehouse.database, name) for name in ACCOUNT_NAMES}
    with warehouse.get_team_connection() as con:
        rows = combine(con, files)
    context.log.info(f"combined {len(rows)} tables of {len(files)} accounts")
    return dg.MaterializeResult(
        metadata={"accounts": ", ".join(ACCOUNT_NAMES), "tables": len(rows)}
        | {f"rows {table}": count for table, count in rows.items() if table.startswith("marts.")}
    )
