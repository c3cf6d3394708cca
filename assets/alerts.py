"""Notifications: each budget crossing and cost anomaly the marts found, sent once per target
(``pipelines.alerts.notify``)."""

import os

import dagster as dg

from assets.accounts import TEAM_DEPS
from pipelines.alerts import notify
from pipelines.orchestration.resources import WarehouseResource


@dg.asset(
    key=["alerts", "notifications"],
    deps=[
        dg.AssetKey(["marts", "budget_status"]),
        dg.AssetKey(["marts", "cost_anomalies"]),
        *TEAM_DEPS,
    ],
    group_name="alerts",
    kinds={"duckdb", "apprise"},
    pool="duckdb",
    description="Budget crossings (warn share, limit) and recent cost anomalies, each sent once "
    "to every apprise URL of FALCOST_NOTIFY; meta.alerts_sent records what was delivered.",
)
def alert_notifications(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """A failed send is a warning, not a failure: it is not recorded, so the next run retries
    it; the run goes on."""
    with warehouse.get_team_connection() as con:
        outcome = notify.send_pending(con, os.environ, run_id=context.run.run_id, log=context.log)
    return dg.MaterializeResult(metadata=outcome.metadata())
