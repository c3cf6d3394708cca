"""A host that cannot be reached: the error names the host and the likely cause, and a name
that does not exist is not retried."""

from __future__ import annotations

import asyncio
import socket

import pytest

from pipelines.fal import FalClient, FalTransportError, Source
from pipelines.sim import SIM_FAL_KEY
from tests.fal.helpers import FAST_RETRY


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens


def check(base_url: str) -> tuple[FalTransportError, dict[str, int]]:
    client = FalClient(Source("fal", "fal", base_url, SIM_FAL_KEY), retry=FAST_RETRY)

    async def go():
        async with client:
            with pytest.raises(FalTransportError) as caught:
                await client.check_access()
            return caught.value, client.stats

    return asyncio.run(go())


def test_a_host_name_that_does_not_resolve_fails_at_once_and_says_so():
    error, stats = check("https://api.falcost-test.invalid/v1")  # .invalid never resolves
    assert "cannot reach api.falcost-test.invalid" in str(error)
    assert "does not resolve" in str(error) and error.permanent
    assert stats["retries"] == 0
    assert SIM_FAL_KEY not in str(error)


def test_a_refused_connection_is_retried_and_named():
    port = closed_port()
    error, stats = check(f"http://127.0.0.1:{port}/v1")
    assert f"cannot reach 127.0.0.1:{port}: connection refused" in str(error)
    assert not error.permanent and stats["retries"] == FAST_RETRY.max_attempts - 1
