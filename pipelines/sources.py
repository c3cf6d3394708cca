"""Which fal API a process talks to, built from plain values (no Dagster).

The Dagster resource and the command line's first request both build their client here, so a
sync can check its key before it spends a second importing Dagster.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import cache

import httpx

from pipelines import settings
from pipelines.accounts import Account
from pipelines.fal import FalClient, FalConfigError, Source

SIMULATOR_BASE_URL = "http://127.0.0.1/v1"  # never dialled: the in-process transport answers
DEMO_PRICE_CHANGES = 3


@cache
def _in_process_simulator(seed: int) -> httpx.ASGITransport:
    # One simulated account per process, so state (created instances) lasts across runs; an
    # enterprise account, so the demo shows the whole bill reconciled with fal's statement, and
    # a few list prices changed in recent weeks, so the demo's window holds a price change.
    from pipelines.sim import SimConfig, create_app

    account = SimConfig(seed=seed, enterprise=True, recent_price_changes=DEMO_PRICE_CHANGES)
    return httpx.ASGITransport(app=create_app(account))


def make_client(
    source: str,
    *,
    fal_key: str | None,
    fal_base_url: str,
    lowcodeapi_token: str | None,
    lowcodeapi_base_url: str,
    max_in_flight: int,
    window_days: int,
    simulator_seed: int,
    progress: Callable[[str], None] | None = None,
) -> FalClient:
    """A new client (use as ``async with``); raises ``FalConfigError``."""
    transport = None
    if source == "fal":
        target = Source("fal", "fal", fal_base_url, fal_key or "")
    elif source == "lowcodeapi":
        target = Source("lowcodeapi", "lowcodeapi", lowcodeapi_base_url, lowcodeapi_token or "")
    elif source == "simulator":
        from pipelines.sim import SIM_FAL_KEY

        target = Source("simulator", "fal", SIMULATOR_BASE_URL, SIM_FAL_KEY)
        transport = _in_process_simulator(simulator_seed)
    else:
        raise FalConfigError(
            f"unknown source {source!r}: set FALCOST_SOURCE to one of {settings.SOURCES}"
        )
    return FalClient(
        target,
        max_in_flight=max_in_flight,
        window_days=window_days,
        transport=transport,
        progress=progress,
    )


def client_from_environment(env: Mapping[str, str] = os.environ) -> FalClient:
    """The client the environment describes (CONTRACT.md's variables)."""
    return make_client(
        settings.source_name(env),
        fal_key=env.get(settings.FAL_KEY),
        fal_base_url=env.get(settings.FAL_API_BASE_URL) or settings.DEFAULT_FAL_BASE_URL,
        lowcodeapi_token=env.get(settings.LOWCODEAPI_TOKEN),
        lowcodeapi_base_url=env.get(settings.LOWCODEAPI_BASE_URL)
        or settings.DEFAULT_LOWCODEAPI_BASE_URL,
        max_in_flight=settings.int_setting(
            env, settings.MAX_IN_FLIGHT, settings.DEFAULT_MAX_IN_FLIGHT
        ),
        window_days=90,
        simulator_seed=settings.int_setting(
            env, settings.SIMULATOR_SEED, settings.DEFAULT_SIMULATOR_SEED
        ),
    )


def account_client(
    account: Account,
    env: Mapping[str, str] = os.environ,
    progress: Callable[[str], None] | None = None,
) -> FalClient:
    """The client of one account of the accounts file: its own source, key, URL and limit."""
    key = account.key(env)
    if account.key_env and not key and account.source != "simulator":
        raise FalConfigError(f"account {account.name!r}: {account.key_env} is not set")
    return make_client(
        account.source,
        fal_key=key,
        fal_base_url=account.base_url or settings.DEFAULT_FAL_BASE_URL,
        lowcodeapi_token=key,
        lowcodeapi_base_url=account.base_url or settings.DEFAULT_LOWCODEAPI_BASE_URL,
        max_in_flight=account.max_in_flight
        or settings.int_setting(env, settings.MAX_IN_FLIGHT, settings.DEFAULT_MAX_IN_FLIGHT),
        window_days=90,
        simulator_seed=account.seed,
        progress=progress,
    )
