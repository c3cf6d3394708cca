"""Scenario 8: values that break the rules: negative cost, NaN, a null id, a duplicate row.

tests/assets/test_main_job.py::test_a_bad_row_fails_the_run_and_loads_nothing shows a negative
cost failing a first sync; here every kind fails a re-sync of a synced warehouse, which keeps
its previous days, and a clean re-run heals. The pandera rules themselves are unit-tested in
tests/schemas/test_validation.py.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date

import httpx
import pytest

from pipelines.fal import FalClient, FalResponseError, Source
from pipelines.sim import SIM_FAL_KEY, Faults, Simulation, create_app
from tests.reliability.harness import fails_cleanly_then_heals, quick_fal, tiny_config


def test_each_bad_value_fails_the_days_before_the_write_and_a_re_run_heals(account, url, synced):
    paged = quick_fal(url, usage_page_size=20)  # the duplicate is repeated on page 2

    negative, nan, null_id, duplicate = fails_cleanly_then_heals(
        account,
        url,
        synced,
        Faults(negative_cost=True),
        Faults(nan_cost=True),
        Faults(null_endpoint_id=True),
        Faults(duplicate_usage_row=True),
        fal=paged,
    )

    summary = re.compile(r"raw\.usage_daily: \d+ rows break its rules; nothing was loaded\.")
    for rule in (negative["raw__usage_daily"], duplicate["raw__usage_daily"]):
        assert summary.search(rule) and "e.g. row 0 (usage_date=2026-09-01, endpoint_id=" in rule
    assert "- cost_total / greater_than_or_equal_to(0): " in negative["raw__usage_daily"]
    assert "- RawUsageDaily / multiple_fields_uniqueness: " in duplicate["raw__usage_daily"]
    where = r"GET /models/usage \(usage 2026-09-0\d\.\.2026-09-0\d page \d\): "
    assert re.search(where + "field 'cost_total' for endpoint '[^']+' is not a finite number", nan[
        "raw__usage_daily"
    ])  # fmt: skip
    assert re.search(where + "field 'endpoint_id' is missing", null_id["raw__usage_daily"])


@pytest.mark.parametrize(
    "faults",
    [
        Faults(nan_cost=True),
        Faults(null_endpoint_id=True),
        Faults(drop_field=("/models/usage", "unit")),
    ],
    ids=["nan", "null-endpoint-id", "missing-field"],
)
def test_a_bad_item_is_reported_with_its_page_and_window(faults):
    sim = Simulation(tiny_config(faults=faults))
    source = Source("simulator", "fal", "http://127.0.0.1/v1", SIM_FAL_KEY)

    async def usage() -> None:
        transport = httpx.ASGITransport(app=create_app(sim))
        async with FalClient(source, transport=transport) as client:
            await client.usage(date(2026, 9, 1), date(2026, 9, 2))

    with pytest.raises(FalResponseError, match=r"usage 2026-09-01\.\.2026-09-01 page 1\)"):
        asyncio.run(usage())
