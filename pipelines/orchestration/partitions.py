"""The partitioning schemes: UTC days from the start of fal usage history, and, with an
accounts file (``pipelines.accounts``), day × account."""

import dagster as dg

from pipelines import accounts
from pipelines.settings import HISTORY_START

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=HISTORY_START.isoformat(), timezone="UTC"
)


def by_day(names: tuple[str, ...]) -> dg.PartitionsDefinition:
    """Days alone for one account; day × account (Dagster multi-partitions) for several."""
    if not names:
        return daily_partitions
    return dg.MultiPartitionsDefinition(
        {"day": daily_partitions, "account": dg.StaticPartitionsDefinition(list(names))}
    )


ACCOUNT_NAMES = tuple(account.name for account in accounts.configured())
day_partitions = by_day(ACCOUNT_NAMES)
