"""Shared fixtures: a clean environment, the simulator (in-process and on loopback), a warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from pipelines.sim import SimConfig, Simulation, serving

# Every test sees the same simulated "today", so late data and exact numbers are stable.
TODAY = date(2026, 11, 25)
SECRET_ENV = ("FAL_KEY", "LOWCODEAPI_TOKEN")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> None:
    """No test can reach the real API or a user's warehouse by accident."""
    for name in (
        *SECRET_ENV,
        "FAL_API_BASE_URL",
        "LOWCODEAPI_BASE_URL",
        "FALCOST_SOURCE",
        "FALCOST_WAREHOUSE",
        "FALCOST_MAX_IN_FLIGHT",
        "FALCOST_SIMULATOR_SEED",
        "FALCOST_BUDGETS",
        "FALCOST_NOTIFY",
        "FALCOST_ALERT_URLS",
        "FALCOST_REPORT_HTML",
        "FALCOST_FOCUS_DIR",
        "FALCOST_READ_COPY",
        "FALCOST_ACCOUNTS",
        "FALCOST_DAGSTER_PG_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    # The charted report costs about a second a run; its own tests (tests/insight) turn it on.
    monkeypatch.setenv("FALCOST_REPORT_HTML", "off")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))


def small_config(**overrides) -> SimConfig:
    """A small account: fast to serve, big enough for several pages and id batches."""
    values = {"seed": 11, "n_endpoints": 300, "n_used": 40, "today": TODAY}
    values.update(overrides)
    return SimConfig(**values)


@pytest.fixture
def sim() -> Simulation:
    return Simulation(small_config())


@pytest.fixture
def sim_server(sim: Simulation) -> Iterator[str]:
    with serving(sim) as url:
        yield url


@pytest.fixture
def warehouse_path(tmp_path) -> str:
    return str(tmp_path / "falcost.duckdb")
