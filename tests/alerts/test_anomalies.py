"""Cost anomalies: a spike injected upstream (a revised day, 10x) is flagged per endpoint and
key with the cost, median and MAD the simulator's own records give, and notified once."""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from decimal import Decimal

from pipelines.alerts.crossings import usd
from pipelines.sim import Simulation, serving
from tests.alerts.receiver import receiving
from tests.alerts.scenario import FIRST, LAST, cost_by, write_budgets
from tests.assets.pipeline import run_job
from tests.assets.test_main_job import query
from tests.conftest import small_config

SPIKE = date(2026, 9, 9)
WINDOW = 5  # odd: the median and the MAD are values of the window, exact in DECIMAL(18, 9)
K, FLOOR_USD, FLOOR_SHARE = 3, Decimal("1"), Decimal("0.05")


def baseline(costs: dict[tuple[date, str], Decimal], name: str, day: date) -> list[Decimal]:
    """The WINDOW days before ``day``; a day without usage costs 0."""
    return [costs.get((day - timedelta(i), name), Decimal(0)) for i in range(WINDOW, 0, -1)]


def expected(costs: dict[tuple[date, str], Decimal], name: str, day: date) -> tuple:
    """(cost, median, MAD, flagged) as the mart's rule reads, computed here."""
    window = baseline(costs, name, day)
    median = statistics.median(window)
    mad = statistics.median(abs(x - median) for x in window)
    cost = costs.get((day, name), Decimal(0))
    scale = max(mad, FLOOR_USD, FLOOR_SHARE * median)
    return cost, median, mad, abs(cost - median) > K * scale


def test_a_spike_is_flagged_with_the_simulators_cost_and_median(tmp_path, monkeypatch):
    sim = Simulation(small_config())
    sim.revise_usage(SPIKE, 10.0)
    by_endpoint, by_key = cost_by(sim, "endpoint_id"), cost_by(sim, "auth_method")
    settings = {"k": K, "window_days": WINDOW}
    budgets = write_budgets(tmp_path / "budgets.toml", [], anomalies=settings)
    monkeypatch.setenv("FALCOST_BUDGETS", str(budgets))
    path = str(tmp_path / "falcost.duckdb")
    with serving(sim) as url, receiving() as receiver:
        monkeypatch.setenv("FALCOST_NOTIFY", f"json://127.0.0.1:{receiver.port}/anomalies")
        assert run_job(url, path, FIRST, LAST).success

    flagged = query(
        path,
        "select scope_id, cost_total, baseline_median, baseline_mad, direction, "
        "baseline_first_day, baseline_last_day from marts.cost_anomalies "
        f"where scope = 'endpoint' and usage_date = date '{SPIKE}'",
    )
    endpoints = {name for (_, name) in by_endpoint}
    assert {row[0] for row in flagged} == {
        e for e in endpoints if expected(by_endpoint, e, SPIKE)[3]
    }
    top = max(endpoints, key=lambda e: by_endpoint.get((SPIKE, e), 0))
    assert (top, *expected(by_endpoint, top, SPIKE)[:3], "up") in [row[:5] for row in flagged]
    assert {row[5:] for row in flagged} == {(SPIKE - timedelta(WINDOW), SPIKE - timedelta(1))}

    [key_row] = query(
        path,
        "select cost_total, baseline_median, baseline_mad from marts.cost_anomalies "
        f"where scope = 'key' and scope_id = 'Production Key' and usage_date = date '{SPIKE}'",
    )
    assert key_row == expected(by_key, "Production Key", SPIKE)[:3]

    alerting = query(
        path, "select scope, scope_id, usage_date from marts.cost_anomalies where alerts"
    )
    titles = [m["title"] for m in receiver.messages]
    assert sorted(titles) == sorted(
        f"falcost: cost anomaly, {scope} {name} on {day} (up)" for scope, name, day in alerting
    )
    spike = f"endpoint {top} on {SPIKE}"
    [message] = [m["message"] for m in receiver.messages if spike in m["title"]]
    cost, median, mad, _ = expected(by_endpoint, top, SPIKE)
    said = f"cost {usd(cost)} on {SPIKE}, up from a median of {usd(median)} (MAD {usd(mad)})"
    assert said in message
