"""Scenarios 1 and 2: 429 storms, with and without Retry-After.

The policy's arithmetic (jitter bounds, the Retry-After cap) is unit-tested in
tests/fal/test_retry.py; here the waits a real client schedules against the simulator are read
from its retry log. How long they take on the clock is measured by the benchmark
(``python -m benchmarks.run --only bounds``, benchmarks/bounds.py), not asserted here: a test
must pass on a busy machine.
"""

from __future__ import annotations

import asyncio
import logging
import re

import httpx
import pytest

from pipelines.fal import FalClient, FalRateLimitError, RetryPolicy, Source
from pipelines.sim import SIM_FAL_KEY, Faults, Simulation, create_app
from tests.reliability.harness import (
    assert_exact,
    materialized,
    quick_fal,
    request_counts,
    run,
    tiny_config,
)

STORM = Faults(rate_429=0.6, fault_requests=60)  # 60 % of the first 60 requests, no Retry-After
API_ASSETS = ("raw/models", "raw/prices", "raw/usage_daily", "raw/analytics_daily")


def test_a_429_storm_without_retry_after_is_retried_and_loads_exactly(account, url, tmp_path):
    account.set_faults(STORM)
    path = tmp_path / "falcost.duckdb"

    # Every fetch of the run is in flight at once, so one request can meet more than the default
    # 8 of the storm's 429s in a row; the bound on tries is proven elsewhere (2c, 3b).
    result = run(url, path, fal=quick_fal(url, max_attempts=16))

    assert result.success
    assert_exact(path, account)
    metadata = [materialized(result, a)[-1] for a in (*API_ASSETS, "raw/instance_snapshots")]
    assert request_counts(result, "rate_limited") == account.stats["429"] > 10
    assert all(m["retries"] >= m["rate_limited"] for m in metadata)


def scheduled_waits(caplog: pytest.LogCaptureFixture) -> list[float]:
    """Each wait the client scheduled, from its retry log ("... waiting 2.00 s)")."""
    found = (re.fullmatch(r"retrying .*waiting ([0-9.]+) s\)", m) for m in caplog.messages)
    return [float(m.group(1)) for m in found if m]


def catalogue_waits(
    faults: Faults, policy: RetryPolicy, caplog: pytest.LogCaptureFixture
) -> tuple[list[float], dict[str, int]]:
    """Read the whole catalogue in-process; each wait the client scheduled, and its counters."""
    sim = Simulation(tiny_config(faults=faults))
    source = Source("simulator", "fal", "http://127.0.0.1/v1", SIM_FAL_KEY)
    stats: dict[str, int] = {}

    async def go() -> None:
        transport = httpx.ASGITransport(app=create_app(sim))
        async with FalClient(source, retry=policy, transport=transport) as client:
            try:
                assert len(await client.models()) == sim.config.n_endpoints
            finally:
                stats.update(client.stats)

    caplog.set_level(logging.WARNING, logger="pipelines.fal")
    caplog.clear()
    asyncio.run(go())
    return scheduled_waits(caplog), stats


def test_retry_after_is_waited_out_under_the_default_policy(caplog):
    once = Faults(rate_429=1.0, fault_requests=1, retry_after=1)

    waits, stats = catalogue_waits(once, RetryPolicy(), caplog)

    assert waits == [1.0]  # what the server asked for, not the policy's own backoff
    assert (stats["rate_limited"], stats["retries"]) == (1, 1)


def test_retry_after_is_capped_by_max_retry_after(caplog):
    once = Faults(rate_429=1.0, fault_requests=1, retry_after=2)

    waits, stats = catalogue_waits(once, RetryPolicy(max_retry_after=0.3), caplog)

    assert waits == [0.3] and stats["retries"] == 1  # below the 2 s asked for: the cap held


def test_retries_stop_within_max_total_seconds_even_when_retry_after_is_long(caplog):
    endless = Faults(rate_429=1.0, retry_after=1)
    policy = RetryPolicy(max_total_seconds=1.5, max_retry_after=0.8)

    with pytest.raises(FalRateLimitError, match=r"'429 Too Many Requests' for GET /models"):
        catalogue_waits(endless, policy, caplog)

    # one wait of 0.8 s fits in the budget; a second would end past 1.6 s, so it never starts
    assert scheduled_waits(caplog) == [0.8]
