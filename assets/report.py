"""The charted HTML spend report, rewritten from the marts after each sync."""

import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from assets.marts import MARTS
from pipelines.insight.report_html import write_html_report
from pipelines.orchestration.resources import WarehouseResource
from warehouse.tables import CREDIT_BALANCE_SNAPSHOTS

REPORT_HTML = "FALCOST_REPORT_HTML"
DEFAULT_NAME = "falcost-report.html"


def report_path(database: str, env: Mapping[str, str] = os.environ) -> Path:
    """``$FALCOST_REPORT_HTML``, else ``falcost-report.html`` beside the warehouse file."""
    chosen = env.get(REPORT_HTML, "").strip()
    return Path(chosen) if chosen else Path(database).parent / DEFAULT_NAME


@dg.asset(
    key=["reports", "spend_html"],
    group_name="reports",
    deps=[dg.AssetKey(["marts", name]) for name in MARTS]
    + [dg.AssetKey.from_user_string(CREDIT_BALANCE_SNAPSHOTS.path)],
    kinds={"html", "duckdb"},
    # it holds the warehouse connection while it reads, like the writers in the pool
    pool="duckdb",
)
def spend_html_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """A self-contained HTML page of the last 30 loaded days: daily spend by product and top
    model, cost per request, requests and errors, the week's movers, spend per API key, the
    credit balance and runway, each month's reconciliation and the share of spend revised.
    It opens offline (charts are static SVG, nothing is fetched); sections without data yet
    say so."""
    out = report_path(warehouse.database)
    with warehouse.get_connection() as con:
        summary = write_html_report(con, out)
    context.log.info(f"spend report: {summary.charts} charts, {summary.path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(summary.path.absolute())),
            "charts": summary.charts,
            "period_start": str(summary.period_start),
            "period_end": str(summary.period_end),
            "total_billed_usd": float(summary.total_billed or 0),
            "sections_without_data": ", ".join(summary.empty_sections) or "none",
        }
    )
