"""Scenario 12: usage that arrives late, a past day revised upstream, a price that changes.

Already proven in tests/assets/test_main_job.py: a revised past day is replaced when pulled
again (test_late_data_is_replaced_when_the_day_is_pulled_again) and a price change closes the
old price row (test_a_price_change_closes_the_old_price); the schedule's window arithmetic is in
tests/test_definitions.py::test_the_daily_schedule_pulls_yesterday_and_re_pulls_the_three_days_before.
Here: the schedule's re-pulls actually converge on the final numbers, and a price change dated
in the past re-prices the re-pulled days without leaving rows at the old price.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import dagster as dg

from pipelines.orchestration.jobs import daily_usage_schedule
from pipelines.sim import Simulation
from tests.conftest import TODAY
from tests.reliability.harness import (
    LAST,
    REVISED_DAY,
    assert_exact,
    days,
    failures,
    loaded_usage,
    money,
    query,
    run,
    tiny_config,
    truth_usage,
)


def scheduled_window(day) -> tuple:
    """The days the daily schedule asks for when it fires at 02:30 UTC on ``day``."""
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime.combine(day, time(2, 30), UTC)
    )
    [request] = daily_usage_schedule(context)
    tags = request.tags
    first = tags["dagster/asset_partition_range_start"]
    last = tags["dagster/asset_partition_range_end"]
    return datetime.fromisoformat(first).date(), datetime.fromisoformat(last).date()


def test_the_daily_re_pulls_replace_late_days_until_they_hold_their_final_numbers(
    account, url, synced
):
    final = Simulation(tiny_config(today=TODAY + timedelta(days=30)))  # every day complete

    for today in (TODAY, TODAY + timedelta(days=1)):
        account.set_today(today)
        first, last = scheduled_window(today)
        result = run(url, synced, first, last, job="usage_job")
        assert result.success, failures(result)
        assert_exact(synced, account, days(first, last))  # late days as the source has them now

    settled = days(TODAY - timedelta(days=4), TODAY - timedelta(days=3))
    assert loaded_usage(synced, settled) == truth_usage(final, settled)
    still_late = [TODAY - timedelta(days=1)]
    assert loaded_usage(synced, still_late) != truth_usage(final, still_late)


def test_a_price_change_dated_in_the_past_re_prices_the_re_pulled_days(account, url, synced):
    endpoint = account.usage_items(REVISED_DAY)[0]["endpoint_id"]
    old = account.current_prices()[endpoint]["unit_price"]
    new = round(old * 2, 6)
    account.set_price(endpoint, new, effective=REVISED_DAY)

    result = run(url, synced)

    assert result.success, failures(result)
    assert_exact(synced, account)  # no row at the old price survives on the re-priced days
    billed = query(
        synced,
        "select usage_date, unit_price from raw.usage_daily where endpoint_id = ? "
        "group by all order by all",
        [endpoint],
    )
    assert {price for day, price in billed if day >= REVISED_DAY} == {money(new)}
    assert {price for day, price in billed if day < REVISED_DAY} <= {money(old)}
    history = query(
        synced,
        "select unit_price, valid_to is null from raw.prices where endpoint_id = ? "
        "order by valid_from",
        [endpoint],
    )
    assert history == [(money(old), False), (money(new), True)]
    # The pricing API has no effective dates, so the history starts the new price when it was
    # seen: the mart's list price for the re-priced past days is still the old one.
    listed = query(
        synced,
        "select list_unit_price from marts.cost_per_model where endpoint_id = ? and usage_date = ?",
        [endpoint, LAST],
    )
    assert listed == [(money(old),)]
