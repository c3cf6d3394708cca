"""The account the report tests read: two real syncs of the main job on the simulator."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

from pipelines.sim import Simulation, serving
from tests.assets.pipeline import run_job
from tests.conftest import TODAY, small_config

USAGE_START = date(2026, 11, 1)
FIRST, LAST = date(2026, 11, 9), date(2026, 11, 22)  # two weeks: the movers compare them
DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
NEXT_DAY = TODAY + timedelta(days=1)  # the second sync's "today"
REVISED = date(2026, 11, 19)  # upstream revises this day before the second sync


def account() -> Simulation:
    return Simulation(small_config(enterprise=True, usage_start=USAGE_START))


def sync_twice(path: str) -> Simulation:
    """The main job over two weeks, then the next day's re-pull of the last four by the daily
    schedule's job: a second balance read, the late last day completed, one day revised."""
    sim = account()
    with serving(sim) as url:
        succeeded(run_job(url, path, FIRST, LAST))
        sim.set_today(NEXT_DAY)
        sim.revise_usage(REVISED, 1.25)
        succeeded(run_job(url, path, LAST - timedelta(days=3), LAST, job="usage_job"))
    return sim


def succeeded(result: dg.ExecuteInProcessResult) -> None:
    failures = [event.message for event in result.all_events if event.is_step_failure]
    assert result.success, failures
