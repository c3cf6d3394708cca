"""Scenarios 1 and 2: 429 storms, with and without Retry-After.

The policy's arithmetic (jitter bounds, the Retry-After cap) is unit-tested in
tests/fal/test_retry.py; here the waits are measured through a real client and simulator.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from pipelines.fal import FalClient, FalRateLimitError, RetryPolicy, Source
from pipelines.sim import SIM_FAL_KEY, Faults, Simulation, create_app
from tests.reliability.harness import assert_exact, materialized, run, tiny_config

STORM = Faults(rate_429=0.6, fault_requests=60)  # 60 % of the first 60 requests, no Retry-After
API_ASSETS = ("raw/models", "raw/prices", "raw/usage_daily", "raw/analytics_daily")


def test_a_429_storm_without_retry_after_is_retried_and_loads_exactly(account, url, tmp_path):
    account.set_faults(STORM)
    path = tmp_path / "falcost.duckdb"

    result = run(url, path)

    assert result.success
    assert_exact(path, account)
    metadata = [materialized(result, a)[-1] for a in (*API_ASSETS, "raw/instance_snapshots")]
    assert sum(m["rate_limited"] for m in metadata) == account.stats["429"] > 10
    assert all(m["retries"] >= m["rate_limited"] for m in metadata)


def timed_catalogue(faults: Faults, policy: RetryPolicy) -> tuple[float, dict[str, int]]:
    """Read the whole catalogue in-process; seconds taken and the client's counters."""
    sim = Simulation(tiny_config(faults=faults))
    source = Source("simulator", "fal", "http://127.0.0.1/v1", SIM_FAL_KEY)

    async def go() -> dict[str, int]:
        transport = httpx.ASGITransport(app=create_app(sim))
        async with FalClient(source, retry=policy, transport=transport) as client:
            assert len(await client.models()) == sim.config.n_endpoints
            return client.stats

    started = time.monotonic()
    stats = asyncio.run(go())
    return time.monotonic() - started, stats


def test_retry_after_2_is_waited_out_under_the_default_policy():
    once = Faults(rate_429=1.0, fault_requests=1, retry_after=2)

    elapsed, stats = timed_catalogue(once, RetryPolicy())

    assert (stats["rate_limited"], stats["retries"]) == (1, 1)
    assert 2.0 <= elapsed < 3.5  # the 2 s asked for, plus 15 pages on a busy machine


def test_retry_after_is_capped_by_max_retry_after():
    once = Faults(rate_429=1.0, fault_requests=1, retry_after=2)

    elapsed, stats = timed_catalogue(once, RetryPolicy(max_retry_after=0.3))

    assert stats["retries"] == 1
    assert 0.3 <= elapsed < 1.8  # below the 2 s asked for: the cap held


def test_retries_stop_within_max_total_seconds_even_when_retry_after_is_long():
    endless = Faults(rate_429=1.0, retry_after=1)
    policy = RetryPolicy(max_total_seconds=1.0, max_retry_after=0.8)

    started = time.monotonic()
    with pytest.raises(FalRateLimitError, match=r"'429 Too Many Requests' for GET /models"):
        timed_catalogue(endless, policy)

    # one wait of 0.8 s fits in the budget; a second would end at 1.6 s, so it is never started
    assert time.monotonic() - started < 1.4
