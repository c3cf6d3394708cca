"""Budgets end to end: the real main job on the simulator, limits set from the simulator's own
records, checks, and a real JSON webhook on loopback receiving apprise's messages."""

from __future__ import annotations

import logging
from decimal import Decimal

import dagster as dg

from pipelines.alerts.crossings import usd
from pipelines.sim import Simulation, serving
from tests.alerts.receiver import receiving
from tests.alerts.scenario import (
    CENT,
    DAYS,
    FIRST,
    LAST,
    checks,
    model_spend,
    notifications,
    run_alerts,
    serverless_spend,
    write_budgets,
)
from tests.assets.pipeline import run_job
from tests.assets.test_main_job import query
from tests.conftest import small_config

WARN_TITLE = 'falcost: budget "staging-warn" past 80% of its limit (monthly, 2026-09-01)'
LIMIT_TITLE = 'falcost: budget "flux-over" over its limit (monthly, 2026-09-01)'
RETRY_TITLE = 'falcost: budget "prod-warn" past 80% of its limit (monthly, 2026-09-01)'


def top_endpoint(sim: Simulation) -> str:
    totals: dict[str, Decimal] = {}
    for day in DAYS:
        for item in sim.usage_items(day):
            totals[item["endpoint_id"]] = totals.get(item["endpoint_id"], 0) + item["cost_total"]
    return max(totals, key=totals.__getitem__)


def budgets_for(sim: Simulation, endpoint: str) -> list[dict]:
    """One budget past its warn share, one over its limit, the others well within."""
    staging = model_spend(sim, lambda i: i.get("auth_method") == "Staging Key")
    flux = model_spend(sim, lambda i: i["endpoint_id"] == endpoint)
    prod = model_spend(sim, lambda i: i.get("auth_method") == "Production Key")
    busiest_day = max(model_spend(sim, days=[day]) for day in DAYS)
    return [
        {"name": "staging-warn", "key": "Staging Key", "period": "monthly",
         "limit_usd": (staging / Decimal("0.9")).quantize(CENT)},
        {"name": "flux-over", "endpoint": endpoint, "period": "monthly",
         "limit_usd": (flux / 2).quantize(CENT)},
        {"name": "prod-ok", "key": "key_prod_1c9e", "period": "monthly",
         "limit_usd": (prod * 4).quantize(CENT)},
        {"name": "models-daily", "product": "model_apis", "period": "daily",
         "limit_usd": (busiest_day * 2).quantize(CENT)},
        {"name": "everything", "account": True, "period": "monthly", "limit_usd": 99_000_000},
    ]  # fmt: skip


def warnings(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [
        record.user_message
        for record in instance.all_logs(run_id)
        if record.level == logging.WARNING
    ]


def test_budgets_are_checked_and_each_crossing_is_sent_once(tmp_path, monkeypatch):
    sim = Simulation(small_config())
    endpoint = top_endpoint(sim)
    budgets = budgets_for(sim, endpoint)
    budgets_file = write_budgets(tmp_path / "budgets.toml", budgets)
    warehouse_path = str(tmp_path / "falcost.duckdb")
    monkeypatch.setenv("FALCOST_BUDGETS", str(budgets_file))
    with serving(sim) as url, receiving() as receiver, dg.DagsterInstance.ephemeral() as instance:
        monkeypatch.setenv("FALCOST_NOTIFY", f"json://127.0.0.1:{receiver.port}/falcost")

        first = run_job(url, warehouse_path, FIRST, LAST, instance=instance)
        assert first.success  # a budget over its limit fails its check, not the run
        assert_spend_is_the_simulators(sim, endpoint, warehouse_path)
        assert_checks_warn_and_fail(checks(first))
        assert sorted(receiver.titles()) == sorted([LIMIT_TITLE, WARN_TITLE])
        assert_messages_carry_the_numbers(sim, endpoint, receiver.messages, warehouse_path)
        assert notifications(first)["sent"] == 2
        assert query(warehouse_path, "select count(*) from meta.alerts_sent") == [(3,)]

        again = run_job(url, warehouse_path, FIRST, LAST, instance=instance)
        assert again.success and len(receiver.messages) == 2
        tally = notifications(again)
        assert (tally["sent"], tally["already_sent"], tally["failed"]) == (0, 2, 0)
        assert query(warehouse_path, "select count(*) from meta.alerts_sent") == [(3,)]

        prod = model_spend(sim, lambda i: i.get("auth_method") == "Production Key")
        budgets.append({"name": "prod-warn", "key": "Production Key", "period": "monthly",
                        "limit_usd": (prod / Decimal("0.85")).quantize(CENT)})  # fmt: skip
        write_budgets(budgets_file, budgets)
        receiver.fail_next = 1
        refused = run_alerts(url, warehouse_path, instance)
        assert refused.success
        assert [m["title"] for m in receiver.refused] == [RETRY_TITLE]
        assert len(receiver.messages) == 2
        assert notifications(refused)["failed"] == 1
        assert any("did not accept" in w for w in warnings(instance, refused.run_id))
        unmarked = "select count(*) from meta.alerts_sent where subject = 'prod-warn'"
        assert query(warehouse_path, unmarked) == [(0,)]

        retried = run_alerts(url, warehouse_path, instance)
        assert retried.success
        assert receiver.titles() == [*receiver.titles()[:2], RETRY_TITLE]
        assert notifications(retried)["sent"] == 1
        assert query(warehouse_path, unmarked) == [(1,)]


def assert_spend_is_the_simulators(sim: Simulation, endpoint: str, path: str) -> None:
    current = dict(
        query(path, "select budget_name, spent_usd from marts.budget_status where is_current")
    )
    assert current == {
        "staging-warn": model_spend(sim, lambda i: i.get("auth_method") == "Staging Key"),
        "flux-over": model_spend(sim, lambda i: i["endpoint_id"] == endpoint),
        "prod-ok": model_spend(sim, lambda i: i.get("auth_method") == "Production Key"),
        "models-daily": model_spend(sim, days=[LAST]),
        "everything": model_spend(sim) + serverless_spend(sim),
    }
    daily = query(
        path,
        "select period_start, spent_usd, status from marts.budget_status "
        "where budget_name = 'models-daily' order by 1",
    )
    assert daily == [(day, model_spend(sim, days=[day]), "ok") for day in DAYS]
    statuses = dict(query(path, "select budget_name, status from marts.budget_status"))
    assert statuses["staging-warn"] == "warn" and statuses["flux-over"] == "over"
    assert statuses["prod-ok"] in ("ok", "forecast_over")


def assert_checks_warn_and_fail(found: dict[str, tuple[bool, str, str]]) -> None:
    passed, severity, description = found["budget_status_within_limit"]
    assert (passed, severity) == (False, "ERROR")
    assert description.startswith("1 budgets are over their limit: flux-over (monthly from ")
    passed, severity, description = found["budget_status_within_warn_share"]
    assert (passed, severity) == (False, "WARN")
    assert description.startswith("1 budgets are past their warn share: staging-warn (")
    assert found["cost_anomalies_recent"][0]  # 10 days: no full 14-day baseline yet


def assert_messages_carry_the_numbers(
    sim: Simulation, endpoint: str, messages: list[dict], path: str
) -> None:
    [(spent, limit, warn, forecast, rate)] = query(
        path,
        "select spent_usd, limit_usd, warn_usd, forecast_usd, daily_rate_usd "
        "from marts.budget_status where budget_name = 'flux-over'",
    )
    # the forecast: spend so far plus the last 7 loaded days' daily rate for the 20 days left
    last_week = model_spend(sim, lambda i: i["endpoint_id"] == endpoint, days=DAYS[-7:])
    assert abs(forecast - (spent + last_week / 7 * 20)) < Decimal("0.00001")
    [over] = [m for m in messages if m["title"] == LIMIT_TITLE]
    for number in (spent, limit, warn, forecast, rate):
        assert usd(number) in over["message"]
    assert f"({spent / limit:.1%} of the limit)" in over["message"]
    assert "as of 2026-09-10" in over["message"] and "2026-09-04 to 2026-09-10" in over["message"]
    assert over["type"] == "failure"
    [warned] = [m for m in messages if m["title"] == WARN_TITLE]
    assert warned["type"] == "warning" and "Forecast to 2026-09-30" in warned["message"]
