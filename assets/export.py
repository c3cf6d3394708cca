"""The current month as a FOCUS 1.2 file, rewritten after each sync (``pipelines.export``)."""

import os
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from assets.accounts import TEAM_DEPS
from assets.marts import MARTS
from pipelines.export.focus import export_focus, warehouse_total
from pipelines.orchestration.partitions import ACCOUNT_NAMES
from pipelines.orchestration.resources import WarehouseResource
from warehouse.account_view import open_team

FOCUS_DIR = "FALCOST_FOCUS_DIR"
LATEST_DAY = "select max(usage_date) from marts.spend_daily"


def focus_dir(database: str, env: Mapping[str, str] = os.environ) -> Path:
    """``$FALCOST_FOCUS_DIR``, else ``focus/`` beside the warehouse file."""
    chosen = env.get(FOCUS_DIR, "").strip()
    return Path(chosen) if chosen else Path(database).parent / "focus"


@dg.asset(
    key=["exports", "focus_current_month"],
    group_name="exports",
    deps=[*(dg.AssetKey(["marts", name]) for name in MARTS), *TEAM_DEPS],
    kinds={"csv", "duckdb"},
    pool="duckdb",  # it holds the warehouse connection while it reads, like the writers
)
def focus_current_month(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """The month of the newest loaded day, from its first day to that day, as FOCUS 1.2 CSV
    (``fal-focus-YYYY-MM.csv``): every cost stream, money exact, its total the warehouse's."""
    with warehouse.get_team_connection() as con:
        latest: date | None = con.execute(LATEST_DAY).fetchall()[0][0]
    if latest is None:
        context.log.info("FOCUS export: no spend loaded yet")
        return dg.MaterializeResult(metadata={"rows": 0})
    start, end = latest.replace(day=1), latest + timedelta(days=1)
    out = focus_dir(warehouse.database) / f"fal-focus-{start:%Y-%m}.csv"
    # several accounts: each account's rows in turn, through views of the team warehouse
    opened = open_team(warehouse.database) if ACCOUNT_NAMES else warehouse.get_team_connection()
    with opened as con:
        written = export_focus(con, start, end, out, "csv", ACCOUNT_NAMES)
        total = warehouse_total(con, start, end)
    if written.billed_cost != total:
        raise dg.Failure(
            f"FOCUS export total {written.billed_cost} differs from the warehouse's {total}"
        )
    context.log.info(f"FOCUS {start}..{latest}: {written.rows} rows, {written.path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(written.path.absolute())),
            "rows": written.rows,
            "first_day": str(start),
            "last_day": str(latest),
            "billed_cost_usd": float(written.billed_cost),
        }
    )
