"""Build clients against an in-process simulator (real httpx, ASGI transport, no sockets)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from pipelines.fal import FalClient, RetryPolicy, Source
from pipelines.sim import SIM_FAL_KEY, SIM_LOWCODE_TOKEN, Simulation, create_app

FAST_RETRY = RetryPolicy(
    max_attempts=8, backoff_base=0.001, max_backoff=0.01, max_total_seconds=10, max_retry_after=0.01
)


def source(
    dialect: str = "fal", secret: str | None = None, root: str = "http://127.0.0.1"
) -> Source:
    if dialect == "fal":
        return Source("simulator", "fal", f"{root}/v1", secret or SIM_FAL_KEY)
    return Source("simulator", "lowcodeapi", f"{root}/falai", secret or SIM_LOWCODE_TOKEN)


def make_client(
    sim: Simulation, dialect: str = "fal", secret: str | None = None, **options
) -> FalClient:
    options.setdefault("retry", FAST_RETRY)
    transport = httpx.ASGITransport(app=create_app(sim))
    return FalClient(source(dialect, secret), transport=transport, **options)


def call(
    sim: Simulation,
    work: Callable[[FalClient], Awaitable[Any]],
    dialect: str = "fal",
    secret: str | None = None,
    **options,
) -> tuple[Any, dict[str, int]]:
    async def go():
        async with make_client(sim, dialect, secret, **options) as client:
            return await work(client), client.stats

    return asyncio.run(go())
