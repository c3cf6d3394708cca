from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import dagster as dg
import pytest

from pipelines.sim import SIM_FAL_KEY, SIM_LOWCODE_TOKEN, Faults, Simulation, serving
from tests.assets.pipeline import run_job
from tests.conftest import small_config
from warehouse.connection import connect

FIRST, LAST = date(2026, 9, 1), date(2026, 9, 7)
DAYS = [FIRST + timedelta(i) for i in range((LAST - FIRST).days + 1)]
NANO = Decimal("0.000000001")


def query(path: str, sql: str) -> list[tuple]:
    con = connect(path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(NANO)


def source_cost_by_model_day(sim: Simulation, days: list[date]) -> dict[tuple, Decimal]:
    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    for day in days:
        for item in sim.usage_items(day):
            totals[(day, item["endpoint_id"])] += money(item["cost_total"])
    return dict(totals)


def warehouse_cost_by_model_day(path: str) -> dict[tuple, Decimal]:
    rows = query(path, "select usage_date, endpoint_id, cost_total from marts.cost_per_model")
    return {(d, e): c for d, e, c in rows}


def test_a_sync_loads_exactly_what_the_source_holds(sim, sim_server, warehouse_path):
    sim.set_now(datetime(2026, 9, 8, 12, 5, tzinfo=UTC))  # instances fixed: no 15-min slot edge
    result = run_job(sim_server, warehouse_path, FIRST, LAST)
    assert result.success
    assert warehouse_cost_by_model_day(warehouse_path) == source_cost_by_model_day(sim, DAYS)
    usage_rows = sum(len(sim.usage_items(d)) for d in DAYS)
    assert query(warehouse_path, "select count(*) from raw.usage_daily") == [(usage_rows,)]
    requests = {
        (d, i["endpoint_id"]): i["request_count"] for d in DAYS for i in sim.analytics_items(d)
    }
    loaded = query(
        warehouse_path, "select metric_date, endpoint_id, request_count from raw.analytics_daily"
    )
    assert {(d, e): n for d, e, n in loaded} == requests
    assert query(warehouse_path, "select count(*) from raw.models") == [(sim.config.n_endpoints,)]
    priced = sim.current_prices()
    assert query(warehouse_path, "select count(*) from raw.prices where valid_to is null") == [
        (len(priced),)
    ]
    unpriced = query(warehouse_path, "select endpoint_id from raw.unpriced_endpoints order by 1")
    assert [e for (e,) in unpriced] == sorted(
        {m["endpoint_id"] for m in sim.models()} - set(priced)
    )
    assert query(warehouse_path, "select count(*) from marts.instance_status where is_present") == [
        (len(sim.instances()),)
    ]


def test_cost_per_request_and_trends_follow_from_the_raw_tables(sim, sim_server, warehouse_path):
    assert run_job(sim_server, warehouse_path, FIRST, LAST).success
    mismatches = query(
        warehouse_path,
        "select count(*) from marts.cost_per_model "
        "where request_count > 0 and cost_per_request "
        "<> cast(cost_total / request_count as decimal(18, 9))",
    )
    assert mismatches == [(0,)]
    # the 7-day average on the last day is the week's requests over 7 days
    endpoint = query(
        warehouse_path,
        "select endpoint_id from raw.analytics_daily group by 1 having count(*) = 7 limit 1",
    )[0][0]
    week = sum(
        i["request_count"]
        for d in DAYS
        for i in sim.analytics_items(d)
        if i["endpoint_id"] == endpoint
    )
    avg = query(
        warehouse_path,
        f"select requests_7d_avg from marts.request_trends "
        f"where endpoint_id = '{endpoint}' and metric_date = date '{LAST}'",
    )
    assert avg == [(pytest.approx(week / 7),)]


def test_re_running_a_window_replaces_it_without_duplicates(sim, sim_server, warehouse_path):
    assert run_job(sim_server, warehouse_path, FIRST, LAST).success
    before = query(warehouse_path, "select count(*), sum(cost_total) from raw.usage_daily")
    assert run_job(sim_server, warehouse_path, FIRST, LAST).success
    assert query(warehouse_path, "select count(*), sum(cost_total) from raw.usage_daily") == before
    loads = query(
        warehouse_path,
        "select count(*) from meta.loads where table_name = 'raw.usage_daily'",
    )
    assert loads == [(2,)]


def test_late_data_is_replaced_when_the_day_is_pulled_again(sim, sim_server, warehouse_path):
    assert run_job(sim_server, warehouse_path, FIRST, LAST).success
    revised_day = DAYS[3]
    sim.revise_usage(revised_day, 1.5)
    assert run_job(sim_server, warehouse_path, revised_day, revised_day, job="usage_job").success
    assert warehouse_cost_by_model_day(warehouse_path) == source_cost_by_model_day(sim, DAYS)


def test_a_price_change_closes_the_old_price(sim, sim_server, warehouse_path):
    assert run_job(sim_server, warehouse_path, FIRST, LAST, job="catalog_job").success
    endpoint = sorted(sim.current_prices())[0]
    old = sim.current_prices()[endpoint]["unit_price"]
    sim.set_price(endpoint, round(old * 2, 6), effective=sim.config.today)
    assert run_job(sim_server, warehouse_path, FIRST, LAST, job="catalog_job").success
    history = query(
        warehouse_path,
        f"select unit_price, valid_to is null from raw.prices where endpoint_id = '{endpoint}' "
        "order by valid_from",
    )
    assert history == [(money(old), False), (money(round(old * 2, 6)), True)]


def test_both_dialects_load_the_same_numbers(sim, sim_server, tmp_path):
    fal_path, proxy_path = str(tmp_path / "fal.duckdb"), str(tmp_path / "proxy.duckdb")
    assert run_job(sim_server, fal_path, FIRST, LAST).success
    assert run_job(sim_server, proxy_path, FIRST, LAST, dialect="lowcodeapi").success
    for table in ("marts.cost_per_model", "marts.request_trends", "raw.prices"):
        columns = "*" if table != "raw.prices" else "endpoint_id, unit, unit_price, currency"
        sql = f"select {columns} from {table} order by all"
        assert query(fal_path, sql) == query(proxy_path, sql), table


def test_a_bad_row_fails_the_run_and_loads_nothing(warehouse_path):
    sim = Simulation(small_config(faults=Faults(negative_cost=True)))
    with serving(sim) as url:
        result = run_job(url, warehouse_path, FIRST, LAST)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "raw__usage_daily"
    assert "cost_total / greater_than_or_equal_to(0)" in failure.step_failure_data.error.message
    assert query(warehouse_path, "select count(*) from raw.usage_daily") == [(0,)]
    assert query(warehouse_path, "select count(*) from raw.models") == [(sim.config.n_endpoints,)]


def test_secrets_reach_neither_the_warehouse_nor_the_event_log(sim, sim_server, warehouse_path):
    wrong_token = "wrong-token-that-must-not-leak"
    with dg.DagsterInstance.ephemeral() as instance:
        runs = [
            run_job(sim_server, warehouse_path, FIRST, LAST, instance=instance),
            run_job(
                sim_server, warehouse_path, FIRST, FIRST, dialect="lowcodeapi", instance=instance
            ),
            run_job(
                sim_server,
                warehouse_path,
                FIRST,
                FIRST,
                dialect="lowcodeapi",
                instance=instance,
                secret=wrong_token,
            ),
        ]
        events = " ".join(str(record) for run in runs for record in instance.all_logs(run.run_id))
    assert [run.success for run in runs] == [True, True, False]
    assert "401" in events  # the failing run did report its error
    for secret in (SIM_FAL_KEY, "sim_admin_secret", SIM_LOWCODE_TOKEN, wrong_token):
        assert secret not in events
    text_columns = query(
        warehouse_path,
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where data_type = 'VARCHAR' and schema_name in ('raw', 'marts', 'meta')",
    )
    for schema, table, column in text_columns:
        leaks = query(
            warehouse_path,
            f"select count(*) from {schema}.{table} where {column} like '%sim_admin_secret%' "
            f"or {column} like '%{SIM_LOWCODE_TOKEN}%'",
        )
        assert leaks == [(0,)], f"{schema}.{table}.{column}"


def test_a_blocking_check_stops_the_marts_when_a_table_was_damaged_outside_the_pipeline(
    sim, sim_server, warehouse_path
):
    assert run_job(sim_server, warehouse_path, FIRST, LAST).success
    con = connect(warehouse_path)
    con.execute(
        "insert into raw.usage_daily select * from raw.usage_daily where usage_date = $day limit 1",
        {"day": FIRST},
    )
    con.close()
    result = run_job(sim_server, warehouse_path, LAST, LAST, job="usage_job")
    assert not result.success
    failed = {
        e.asset_check_evaluation_data.check_name
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and not e.asset_check_evaluation_data.passed
        and e.asset_check_evaluation_data.severity == dg.AssetCheckSeverity.ERROR
    }
    assert failed == {"usage_daily_grain_unique"}
    built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "raw/usage_daily" in built
    assert not {"marts/cost_per_model", "marts/request_trends"} & built
