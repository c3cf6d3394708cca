"""Jobs and schedules."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

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

USAGE_LOOKBACK_DAYS = 3

main_job = dg.define_asset_job(
    "main_job",
    selection=dg.AssetSelection.all(),
    description="Catalogue, prices, instances, usage, analytics and the rest of the bill for a "
    "day range, then the marts, alerts, the HTML report and the month's FOCUS file.",
)
usage_job = dg.define_asset_job(
    "usage_job",
    selection=dg.AssetSelection.assets(
        USAGE_DAILY.asset_key,
        ANALYTICS_DAILY.asset_key,
        SERVERLESS_USAGE_DAILY.asset_key,
        ORGANIZATION_USAGE_DAILY.asset_key,
        FAL_FOCUS_CHARGES.asset_key,
        API_KEYS.asset_key,
        ORGANIZATION_TEAMS.asset_key,
        CREDIT_BALANCE_SNAPSHOTS.asset_key,
        BILLING_EVENTS.asset_key,
    )
    | dg.AssetSelection.groups("marts", "alerts", "reports", "exports", "publish")
    - dg.AssetSelection.assets(["marts", "instance_status"]),
    description="Every cost stream for a day range, a credit snapshot, the money marts, then "
    "the alerts, the HTML report and the month's FOCUS file.",
)
catalog_job = dg.define_asset_job(
    "catalog_job",
    selection=dg.AssetSelection.assets(MODELS.asset_key, PRICES.asset_key)
    | dg.AssetSelection.groups("publish"),
    description="The model catalogue and its price history.",
)
instances_job = dg.define_asset_job(
    "instances_job",
    selection=dg.AssetSelection.assets(INSTANCE_SNAPSHOTS.asset_key, ["marts", "instance_status"])
    | dg.AssetSelection.groups("publish"),
    description="A compute instance snapshot and the instance status mart.",
)


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that make one run cover the partitions ``first``..``last`` (inclusive)."""
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }


@dg.schedule(job=usage_job, cron_schedule="30 2 * * *", execution_timezone="UTC")
def daily_usage_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Yesterday, plus a re-pull of the 3 days before it: fal's usage for a day keeps arriving
    for a few days (billing events are indexed late), and re-loading a day replaces it."""
    yesterday = context.scheduled_execution_time.date() - timedelta(days=1)
    first = yesterday - timedelta(days=USAGE_LOOKBACK_DAYS)
    return dg.RunRequest(
        run_key=f"usage-{yesterday.isoformat()}",
        tags=range_tags(first.isoformat(), yesterday.isoformat()),
    )


catalog_schedule = dg.ScheduleDefinition(
    job=catalog_job, cron_schedule="0 2 * * *", execution_timezone="UTC"
)
instances_schedule = dg.ScheduleDefinition(
    job=instances_job, cron_schedule="*/15 * * * *", execution_timezone="UTC"
)

schedules = [daily_usage_schedule, catalog_schedule, instances_schedule]
jobs = [main_job, usage_job, catalog_job, instances_job]
