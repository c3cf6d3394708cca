"""The one partitioning scheme: UTC days from the start of fal usage history."""

import dagster as dg

from pipelines.settings import HISTORY_START

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=HISTORY_START.isoformat(), timezone="UTC"
)
