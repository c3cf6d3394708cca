"""The code location: every asset, check, job, schedule and resource (``dg dev`` loads it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg

from assets import accounts, alerts, catalog, export, instances, publish, report, usage
from assets.bill import bill_assets
from assets.marts import marts
from pipelines.orchestration.jobs import jobs, schedules
from pipelines.orchestration.progress import progress_logger
from pipelines.orchestration.resources import from_environment
from pipelines.orchestration.storage import relax_sqlite_commits

ASSETS = [
    catalog.raw_models,
    catalog.raw_prices,
    usage.raw_usage_daily,
    usage.raw_analytics_daily,
    instances.raw_instance_snapshots,
    *bill_assets,
    marts,
    alerts.alert_notifications,
    report.spend_html_report,
    export.focus_current_month,
    publish.published_copy,
    *([accounts.accounts_combined] if accounts.TEAM_DEPS else []),
]


def build_definitions(resources: Mapping[str, Any]) -> dg.Definitions:
    """The project's definitions with the given resources (tests swap the source and file)."""
    return dg.Definitions(
        assets=ASSETS,
        jobs=jobs,
        schedules=schedules,
        resources=dict(resources),
        loggers={"console": progress_logger},
        # One process, one DuckDB writer at a time: a subprocess per step is 2.5x slower here
        # and parallel steps would fight over the file lock.
        executor=dg.in_process_executor,
    )


relax_sqlite_commits()  # for the run history of every process that loads this code location
defs = build_definitions(from_environment())
