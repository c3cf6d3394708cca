"""The end-to-end audit under latitude: every warehouse number against the simulator's records,
in both dialects, for servers that make different legal choices (``pipelines.sim.Latitude``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from pipelines.sim import Latitude, Simulation, serving
from tests.assets.pipeline import run_job
from tests.conftest import small_config
from warehouse.connection import connect

FIRST, LAST = date(2026, 9, 1), date(2026, 9, 7)
DAYS = [FIRST + timedelta(i) for i in range((LAST - FIRST).days + 1)]
NANO = Decimal("0.000000001")
SEEDS = (0, 1, 3, 8)  # between them: every choice of Latitude at least once
MONEY = ("unit_price", "quantity", "cost_subtotal", "cost_discount", "cost_total")


def exact(value: float | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(NANO)


def rows(path: str, sql: str) -> list[tuple]:
    con = connect(path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def source_usage(sim: Simulation) -> list[tuple]:
    found = []
    for day in DAYS:
        for item in sim.usage_items(day):
            found.append(
                (day, item["endpoint_id"], item["unit"], item.get("auth_method"),
                 exact(item.get("percent_discount")), item["currency"],
                 *(exact(item[m]) for m in MONEY))
            )  # fmt: skip
    return sorted(found, key=repr)


def loaded_usage(path: str) -> list[tuple]:
    columns = ", ".join(MONEY)
    found = rows(
        path,
        "select usage_date, endpoint_id, unit, auth_method, percent_discount, currency, "
        f"{columns} from raw.usage_daily",
    )
    return sorted(
        [(*r[:4], exact(r[4]), r[5], *(exact(v) for v in r[6:])) for r in found], key=repr
    )


@pytest.mark.parametrize("dialect", ["fal", "lowcodeapi"])
@pytest.mark.parametrize("seed", SEEDS)
def test_every_number_matches_the_source_under_latitude(seed, dialect, tmp_path):
    latitude = Latitude.from_seed(seed)
    sim = Simulation(small_config(latitude=latitude, enterprise=True))
    sim.set_now(datetime(2026, 9, 8, 12, 5, tzinfo=UTC))  # instances fixed: no 15-min slot edge
    path = str(tmp_path / "audit.duckdb")
    with serving(sim) as url:
        result = run_job(url, path, FIRST, LAST, dialect=dialect)
    assert result.success, latitude.describe()

    assert loaded_usage(path) == source_usage(sim), latitude.describe()
    analytics = {
        (d, i["endpoint_id"]): (i["request_count"], i["success_count"], i["error_count"])
        for d in DAYS
        for i in sim.analytics_items(d)
    }
    loaded = rows(
        path,
        "select metric_date, endpoint_id, request_count, success_count, error_count "
        "from raw.analytics_daily",
    )
    assert {(d, e): tuple(n) for d, e, *n in loaded} == analytics
    models = {m["endpoint_id"]: (m.get("metadata") or {}).get("display_name") for m in sim.models()}
    assert dict(rows(path, "select endpoint_id, display_name from raw.models")) == models
    prices = {
        e: (p["unit"], exact(p["unit_price"]), p["currency"])
        for e, p in sim.current_prices().items()
    }
    current = rows(
        path,
        "select endpoint_id, unit, unit_price, currency from raw.prices where valid_to is null",
    )
    assert {e: (u, exact(p), c) for e, u, p, c in current} == prices
    instances = {i["id"]: i["status"] for i in sim.instances()}
    assert dict(rows(path, "select instance_id, status from marts.instance_status")) == instances
    cost = {}
    for day in DAYS:
        for item in sim.usage_items(day):
            key = (day, item["endpoint_id"])
            cost[key] = cost.get(key, Decimal(0)) + exact(item["cost_total"])
    mart = rows(path, "select usage_date, endpoint_id, cost_total from marts.cost_per_model")
    assert {(d, e): c for d, e, c in mart} == cost
    missing = rows(path, "select count(*) from marts.cost_per_model where display_name is null")
    expected_missing = sum(1 for (_, e) in cost if models.get(e) is None)
    assert missing == [(expected_missing,)]

    if dialect == "fal":  # the rest of the bill (the proxy has none of it: skipped)
        assert_the_bill_matches(sim, path, latitude)


def assert_the_bill_matches(sim: Simulation, path: str, latitude: Latitude) -> None:
    served = sorted(
        (
            d,
            r["app"],
            r["machine_type"],
            r["is_surge"],
            exact(r["quantity"]),
            exact(r["cost_total"]),
        )
        for d in DAYS
        for r in sim.serverless_rows(d)
    )
    loaded = rows(
        path,
        "select usage_date, app, machine_type, is_surge, quantity, cost_total "
        "from raw.serverless_usage_daily order by all",
    )
    assert sorted(loaded) == served, latitude.describe()
    keys = rows(path, "select key_id, alias from raw.api_keys order by 1")
    assert keys == sorted((k["key_id"], k["alias"]) for k in sim.api_keys())
    assert rows(path, "select current_balance from raw.credit_balance_snapshots") == [
        (sim.credit_balance(),)
    ]
    team = rows(
        path,
        "select usage_date, product, sum(cost_total) from raw.organization_usage_daily "
        "where username = 'sim-team' group by all",
    )
    charged = {(d, p): c for d in DAYS for p, c in sim.day_charges(d).items() if c}
    assert {(d, p): c for d, p, c in team} == charged, latitude.describe()
    invoice = rows(
        path,
        "select sum(billed_cost) from raw.fal_focus_charges "
        "where source = 'invoice' and charge_month = date '2026-09-01'",
    )
    assert invoice == [(sum(sim.month_charges("2026-09").values()),)]
