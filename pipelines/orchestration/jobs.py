"""Jobs and schedules."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from pipelines import accounts
from pipelines.orchestration.partitions import ACCOUNT_NAMES
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


def range_tags(first: str, last: str, account: str | None = None) -> dict[str, str]:
    """Run tags that make one run cover the days ``first``..``last`` (inclusive), of one
    account of the accounts file when ``account`` is given (day × account partitions)."""
    if account is None:
        return {accounts.RANGE_START: first, accounts.RANGE_END: last}
    return {
        accounts.RANGE_START: accounts.partition_key(account, first),
        accounts.RANGE_END: accounts.partition_key(account, last),
        accounts.ACCOUNT_TAG: account,
    }


def _each_account() -> list[str | None]:
    """One run per account of the accounts file: each its own API session and rate limit."""
    return list(ACCOUNT_NAMES) or [None]


@dg.schedule(job=usage_job, cron_schedule="30 2 * * *", execution_timezone="UTC")
def daily_usage_schedule(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """Yesterday, plus a re-pull of the 3 days before it: fal's usage for a day keeps arriving
    for a few days (billing events are indexed late), and re-loading a day replaces it."""
    yesterday = context.scheduled_execution_time.date() - timedelta(days=1)
    first = yesterday - timedelta(days=USAGE_LOOKBACK_DAYS)
    return [
        dg.RunRequest(
            run_key="-".join(filter(None, ["usage", account, yesterday.isoformat()])),
            tags=range_tags(first.isoformat(), yesterday.isoformat(), account),
        )
        for account in _each_account()
    ]


def _per_account(job: dg.UnresolvedAssetJobDefinition, cron: str) -> dg.ScheduleDefinition:
    """A schedule of an unpartitioned job: one run, or one per account (tagged with it)."""

    def requests(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
        return [
            dg.RunRequest(tags={accounts.ACCOUNT_TAG: account} if account else {})
            for account in _each_account()
        ]

    return dg.ScheduleDefinition(
        name=f"{job.name}_schedule",
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        execution_fn=requests,
    )


catalog_schedule = _per_account(catalog_job, "0 2 * * *")
instances_schedule = _per_account(instances_job, "*/15 * * * *")

schedules = [daily_usage_schedule, catalog_schedule, instances_schedule]
jobs = [main_job, usage_job, catalog_job, instances_job]
