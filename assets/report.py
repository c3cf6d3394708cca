"""The charted HTML spend report, rewritten from the marts after each sync."""

import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from assets.accounts import TEAM_DEPS
from assets.marts import MARTS
from pipelines.insight.report_html import write_html_report
from pipelines.orchestration.partitions import ACCOUNT_NAMES
from pipelines.orchestration.resources import WarehouseResource
from warehouse.account_view import open_team, show_account
from warehouse.tables import CREDIT_BALANCE_SNAPSHOTS

REPORT_HTML = "FALCOST_REPORT_HTML"
DEFAULT_NAME = "falcost-report.html"
OFF = "off"  # FALCOST_REPORT_HTML=off: no report after each run


def report_path(
    database: str, env: Mapping[str, str] = os.environ, account: str | None = None
) -> Path:
    """``$FALCOST_REPORT_HTML``, else ``falcost-report.html`` beside the warehouse file; with
    an accounts file, one per account (``falcost-report.<account>.html``)."""
    chosen = env.get(REPORT_HTML, "").strip()
    path = Path(chosen) if chosen else Path(database).parent / DEFAULT_NAME
    return path.with_suffix(f".{account}{path.suffix}") if account else path


@dg.asset(
    key=["reports", "spend_html"],
    group_name="reports",
    deps=[*(dg.AssetKey(["marts", name]) for name in MARTS), *TEAM_DEPS]
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
    say so. ``FALCOST_REPORT_HTML=off`` skips it (about a second a run)."""
    if os.environ.get(REPORT_HTML, "").strip().lower() == OFF:
        context.log.info(f"spend report not written: {REPORT_HTML}={OFF}")
        return dg.MaterializeResult(metadata={"written": False})
    if not ACCOUNT_NAMES:
        with warehouse.get_team_connection() as con:
            summaries = [write_html_report(con, report_path(warehouse.database))]
    else:  # each account's rows in turn, through views of the team warehouse
        with open_team(warehouse.database) as con:
            summaries = []
            for name in ACCOUNT_NAMES:
                show_account(con, name)
                out = report_path(warehouse.database, account=name)
                summaries.append(write_html_report(con, out))
    for summary in summaries:
        context.log.info(f"spend report: {summary.charts} charts, {summary.path}")
    summary = summaries[0]
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(summary.path.absolute())),
            "charts": summary.charts,
            "period_start": str(summary.period_start),
            "period_end": str(summary.period_end),
            "total_billed_usd": float(sum(s.total_billed or 0 for s in summaries)),
            "sections_without_data": ", ".join(summary.empty_sections) or "none",
        }
        | ({"reports": len(summaries)} if ACCOUNT_NAMES else {})
    )
