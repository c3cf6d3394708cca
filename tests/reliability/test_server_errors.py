"""Scenarios 3 and 4: 5xx bursts and outages, slow answers and connections reset mid-body.

The client-level bound for an endless 5xx (exactly ``max_attempts`` tries) is proven in
tests/fal/test_client.py::test_a_5xx_that_never_ends_fails_after_the_bounded_attempts.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pipelines.fal import FalClient, FalTransportError, RetryPolicy, Source
from pipelines.sim import SIM_FAL_KEY, Faults, Simulation, serving
from tests.reliability.harness import (
    FIRST,
    assert_exact,
    fails_cleanly_then_heals,
    materialized,
    quick_fal,
    request_counts,
    run,
    tiny_config,
)


def test_a_5xx_burst_is_retried_and_loads_exactly(account, url, synced):
    account.set_faults(Faults(rate_5xx=0.3, fault_requests=40))

    result = run(url, synced, job="usage_job")

    assert result.success
    assert_exact(synced, account)
    assert request_counts(result, "server_errors") == account.stats["5xx"] > 0


def test_a_5xx_that_never_ends_fails_the_days_clearly_and_a_re_run_heals(account, url, synced):
    outage = Faults(always_500_paths=("/models/usage",))

    [failures] = fails_cleanly_then_heals(account, url, synced, outage)

    assert list(failures) == ["raw__usage_daily"]
    assert (
        "FalServerError: '500 Internal Server Error' for GET /models/usage (usage 2026-09-0"
        in (failures["raw__usage_daily"])
    )
    assert account.stats["/v1/models/usage"] <= 3 * 8 + 3  # 3 one-day windows, 8 tries each


def test_slow_answers_and_resets_mid_body_are_retried_and_load_exactly(account, url, synced):
    account.set_faults(Faults(rate_stall=0.2, stall_s=1.0, rate_cut=0.2, fault_requests=40))
    fal = quick_fal(url, read_timeout_s=0.25)

    result = run(url, synced, job="usage_job", fal=fal)

    assert result.success
    assert_exact(synced, account)
    metadata = [materialized(result, a)[-1] for a in ("raw/usage_daily", "raw/analytics_daily")]
    assert sum(m["transport_errors"] for m in metadata) >= 2


@pytest.mark.parametrize(
    ("faults", "error"),
    [
        (Faults(rate_stall=1.0, stall_s=1.0), "ReadTimeout"),
        (Faults(rate_cut=1.0), "RemoteProtocolError: peer closed connection"),
    ],
    ids=["stalled", "reset"],
)
def test_a_server_that_never_answers_whole_fails_after_bounded_time(faults, error):
    policy = RetryPolicy(max_attempts=4, backoff_base=0.01, max_backoff=0.05)
    read_timeout = 0.2
    sim = Simulation(tiny_config(faults=faults))

    async def usage(root: str) -> None:
        source = Source("simulator", "fal", f"{root}/v1", SIM_FAL_KEY)
        async with FalClient(source, retry=policy, timeout=httpx.Timeout(read_timeout)) as c:
            await c.usage(FIRST, FIRST.replace(day=2))

    with serving(sim) as root, pytest.raises(FalTransportError) as caught:
        asyncio.run(usage(root))

    assert f"GET /models/usage (usage 2026-09-01..2026-09-01 page 1) failed: {error}" in str(
        caught.value
    )
    # bounded in tries; the seconds they take are measured by benchmarks/bounds.py
    assert sim.stats["/v1/models/usage"] == policy.max_attempts
