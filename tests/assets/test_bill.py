"""The whole bill over real HTTP into a real DuckDB file: every stream exact against the
simulator's own records, fal's FOCUS statement reconciled, revisions in the ledger, sources a
key may not read skipped and recorded."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import dagster as dg
import pytest

from pipelines.sim import Faults, Simulation, serving
from tests.assets.pipeline import run_job
from tests.assets.test_main_job import money, query
from tests.conftest import small_config

START = date(2026, 10, 25)  # the account's first day of usage: October holds 7 days of it
FIRST, LAST = date(2026, 10, 1), date(2026, 11, 2)  # the whole of October, and November begun
DAYS = [FIRST + timedelta(i) for i in range((LAST - FIRST).days + 1)]
USED = [day for day in DAYS if day >= START]  # days with usage
OCTOBER = date(2026, 10, 1)
PRODUCTS = ("model_apis", "serverless", "compute")


def account(**overrides) -> Simulation:
    return Simulation(small_config(usage_start=START, **overrides))


def synced(
    sim: Simulation,
    path: str,
    *,
    job: str = "main_job",
    first: date = FIRST,
    last: date = LAST,
    run_config: dict | None = None,
) -> dg.ExecuteInProcessResult:
    with serving(sim) as url:
        result = run_job(url, path, first, last, job=job, run_config=run_config)
    assert result.success
    return result


def charges(sim: Simulation, days: list[date]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for day in days:
        for product, amount in sim.day_charges(day).items():
            totals[product] += amount
    return dict(totals)


@pytest.fixture(scope="module")
def enterprise(tmp_path_factory) -> tuple[Simulation, str]:
    sim = account(enterprise=True)
    path = str(tmp_path_factory.mktemp("bill") / "w.duckdb")
    synced(sim, path)
    return sim, path


def test_serverless_usage_is_exactly_what_the_simulator_serves(enterprise):
    sim, path = enterprise
    served = {
        (day, r["app"], r["environment"], r["machine_type"], r["is_surge"]): (
            Decimal(r["quantity"]),
            money(r["cost_total"]),
        )
        for day in DAYS
        for r in sim.serverless_rows(day)
    }
    loaded = query(
        path,
        "select usage_date, app, environment, machine_type, is_surge, quantity, cost_total "
        "from raw.serverless_usage_daily",
    )
    assert {tuple(row[:5]): (row[5], row[6]) for row in loaded} == served


def test_keys_teams_and_the_balance_are_the_simulators(enterprise):
    sim, path = enterprise
    keys = query(path, "select key_id, alias, scope, creator_nickname from raw.api_keys")
    assert sorted(keys) == sorted(
        (k["key_id"], k["alias"], k["scope"], k["creator_nickname"]) for k in sim.api_keys()
    )
    teams = query(path, "select username, is_org_root from raw.organization_teams")
    assert sorted(teams) == sorted((t["username"], t["is_org_root"]) for t in sim.teams())
    [(balance, username, at)] = query(
        path, "select current_balance, username, snapshot_at from raw.credit_balance_snapshots"
    )
    assert (balance, username) == (sim.credit_balance(), "sim-team")
    assert at.date() == sim.today  # the server's clock (its Date header), not the local one


def test_the_accounts_own_charges_per_product_are_exact(enterprise):
    sim, path = enterprise
    loaded = query(
        path,
        "select usage_date, product, sum(cost_total) from raw.organization_usage_daily "
        "where username = 'sim-team' group by all",
    )
    assert {(d, p): c for d, p, c in loaded} == {
        (day, product): amount
        for day in DAYS
        for product, amount in sim.day_charges(day).items()
        if amount
    }
    spend = query(
        path,
        "select product, sum(billed_cost) from marts.spend_daily "
        "where usage_date < date '2026-11-01' group by product",
    )
    assert dict(spend) == sim.month_charges("2026-10")


def test_the_invoice_is_loaded_as_sent_and_the_month_reconciles_to_the_cent(enterprise):
    sim, path = enterprise
    invoice = query(
        path,
        "select sum(billed_cost), count(*) from raw.fal_focus_charges "
        "where source = 'invoice' and charge_month = date '2026-10-01'",
    )
    assert invoice == [
        (
            sum(sim.month_charges("2026-10").values()),
            len(sim.focus_lines("invoice", charge_month="2026-10")),
        )
    ]
    rows = query(
        path,
        "select charge_month, product, falcost_total, fal_total, fal_source, difference, status "
        "from marts.reconciliation order by 1, 2",
    )
    october = {r[1]: r for r in rows if r[0] == OCTOBER}
    expected = sim.month_charges("2026-10")
    assert set(october) == set(PRODUCTS)
    for product in PRODUCTS:
        _, _, ours, theirs, source, difference, status = october[product]
        assert (ours, theirs) == (expected[product], expected[product])
        assert (source, difference, status) == ("focus_invoice", 0, "match")
    november = [r for r in rows if r[0] == date(2026, 11, 1)]
    assert november and {(r[4], r[6]) for r in november} == {("focus_estimate", "pending")}


def test_list_cost_is_quantity_times_the_list_price_in_force_that_day(enterprise):
    sim, path = enterprise
    nano = Decimal("0.000000001")
    day = USED[2]
    expected: dict[str, Decimal | None] = defaultdict(Decimal)
    for item in sim.usage_items(day):
        price = sim.price_nano(item["endpoint_id"], day)
        if price is None or expected[item["endpoint_id"]] is None:
            expected[item["endpoint_id"]] = None  # never priced: no list cost, not a guess
            continue
        expected[item["endpoint_id"]] += money(item["quantity"]) * Decimal(price) / 10**9
    expected = {e: v and v.quantize(nano) for e, v in expected.items()}
    spend = query(
        path,
        f"select service, sum(list_cost) from marts.spend_daily where product = 'model_apis' "
        f"and usage_date = date '{day}' group by service",
    )
    per_model = query(
        path, f"select endpoint_id, list_cost from marts.cost_per_model where usage_date = '{day}'"
    )
    assert dict(spend) == expected == dict(per_model)
    [(gap,)] = query(
        path, "select count(*) from marts.spend_daily where savings <> list_cost - billed_cost"
    )
    assert gap == 0


def test_usage_is_named_by_its_key_alias(enterprise):
    sim, path = enterprise
    aliases = {k["alias"] for k in sim.api_keys()}
    labels = {label for (label,) in query(path, "select distinct key_label from marts.cost_by_key")}
    assert {"Production Key", "User token", "unknown"} <= labels
    by_key = query(
        path,
        "select key_label, key_alias is not null from marts.cost_by_key group by all",
    )
    assert all(named == (label in aliases) for label, named in by_key)
    total = query(path, "select sum(billed_cost) from marts.cost_by_key")
    assert total == query(path, "select sum(billed_cost) from marts.spend_daily")


def test_a_drifting_invoice_is_caught_with_the_exact_amount(tmp_path):
    drift = Decimal("12.345678901")
    sim = account(enterprise=True, faults=Faults(invoice_drift_usd=drift, invoice_tax_usd=3))
    path = str(tmp_path / "w.duckdb")
    synced(sim, path)

    rows = query(
        path,
        "select product, fal_total, difference, status from marts.reconciliation "
        "where charge_month = date '2026-10-01' order by 1",
    )
    by_product = {
        product: (theirs, difference, status) for product, theirs, difference, status in rows
    }
    expected = sim.month_charges("2026-10")
    assert by_product["model_apis"] == (expected["model_apis"] + drift, -drift, "drift")
    assert by_product["serverless"][1:] == (0, "match")
    assert by_product["(Tax)"] == (Decimal(3), Decimal(-3), "fal_only")  # kept, not dropped


def test_a_revised_day_is_recorded_once_with_its_delta_and_later_marked_final(tmp_path):
    sim = account(enterprise=True)
    path = str(tmp_path / "w.duckdb")
    synced(sim, path, first=START)
    day = USED[3]
    before = sum(money(i["cost_total"]) for i in sim.usage_items(day))
    rows_before = len(sim.usage_items(day))

    sim.revise_usage(day, 1.5)
    repull = synced(sim, path, job="usage_job", first=START)
    synced(sim, path, job="usage_job", first=START)  # nothing changed: nothing more to record

    after = sum(money(i["cost_total"]) for i in sim.usage_items(day))
    revisions = query(
        path,
        "select table_name, day, old_rows, new_rows, old_cost_total, new_cost_total "
        "from meta.revisions order by 1",
    )
    assert [r for r in revisions if r[0] == "raw.usage_daily"] == [
        ("raw.usage_daily", day, rows_before, len(sim.usage_items(day)), before, after)
    ]
    materializations = repull.asset_materializations_for_node("raw__usage_daily")
    [shown] = {  # the UI shows the revision on the re-pull's materialization, as the run's
        (m.metadata["run_revised_days"].value, m.metadata["run_revised_usd"].value)
        for m in materializations
    }
    assert shown == (1, pytest.approx(float(after - before)))
    [that_day] = [m for m in materializations if m.partition == day.isoformat()]
    assert that_day.metadata["day_rows"].value == len(sim.usage_items(day))  # the day's own
    assert that_day.metadata["day_cost_usd"].value == pytest.approx(float(after))
    assert {(table, revised) for table, revised, *_ in revisions} == {
        ("raw.organization_usage_daily", day),
        ("raw.serverless_usage_daily", day),
        ("raw.usage_daily", day),
    }
    # every day was re-pulled unchanged by the last run, long after it ended: final
    status = query(path, "select day, bool_and(is_final) from meta.day_status group by day")
    assert dict(status) == dict.fromkeys(USED, True)
    changed = query(
        path,
        "select day from meta.day_status where last_changed_at > first_loaded_at group by day",
    )
    assert changed == [(day,)]


def test_a_key_without_the_enterprise_scope_syncs_the_rest_and_says_what_it_skipped(tmp_path):
    sim = account()
    path = str(tmp_path / "w.duckdb")
    first = synced(sim, path)
    synced(sim, path, job="usage_job")

    skipped = {
        m.asset_key.to_user_string(): m.metadata["skipped"].value
        for m in first.asset_materializations_for_node("raw__fal_focus_charges")
        + first.asset_materializations_for_node("raw__organization_usage_daily")
        + first.asset_materializations_for_node("raw__organization_teams")
    }
    assert set(skipped) == {
        "raw/fal_focus_charges",
        "raw/organization_usage_daily",
        "raw/organization_teams",
    }
    assert all(reason.startswith("not available to this key: 403") for reason in skipped.values())
    access = query(
        path,
        "select source, available, status_code, first_refused_at < last_checked_at "
        "from meta.source_access order by 1",
    )
    assert access == [
        ("GET /account/billing", True, None, None),
        ("GET /account/focus", False, 403, True),  # recorded once: the first refusal kept
        ("GET /keys", True, None, None),
        ("GET /organization/teams", False, 403, True),
        ("GET /organization/usage", False, 403, True),
        ("GET /serverless/usage", True, None, None),
    ]
    for table in ("raw.fal_focus_charges", "raw.organization_usage_daily"):
        assert query(path, f"select count(*) from {table}") == [(0,)]
    assert query(path, "select count(*) from raw.serverless_usage_daily")[0][0] > 0


def test_without_a_statement_the_credit_burn_reconciles_what_falcost_can_see(tmp_path):
    sim = account(late_days=0)  # a day is complete once it has ended
    path = str(tmp_path / "w.duckdb")
    read_on = [date(2026, 11, 12), date(2026, 11, 15), date(2026, 11, 18)]
    assert not [d for d, _ in sim.topups() if read_on[0] < d <= read_on[-1]]
    balances = []
    for today in read_on:
        sim.set_today(today)
        yesterday = today - timedelta(days=1)
        synced(sim, path, first=yesterday, last=yesterday)  # each reads the balance
        balances.append(sim.credit_balance())
    # the days the reads cover
    synced(sim, path, job="usage_job", first=read_on[0], last=read_on[-1] - timedelta(days=1))
    snapshot_days = query(path, "select count(*) from raw.credit_balance_snapshots")
    assert snapshot_days[0][0] >= 3

    [row] = query(
        path,
        "select product, fal_source, fal_total, falcost_total, difference, status "
        "from marts.reconciliation where charge_month = date '2026-11-01'",
    )
    covered = [read_on[0] + timedelta(i) for i in range((read_on[-1] - read_on[0]).days)]
    billed = charges(sim, covered)
    visible = billed["model_apis"] + billed["serverless"]  # compute needs the enterprise scope
    assert row[:3] == ("all", "credit_burn", balances[0] - balances[-1])
    assert row[3] == visible
    assert row[4] == -billed["compute"] and row[5] == "drift"
    assert datetime.now(UTC).date() > date(2026, 12, 1)  # November has closed


def test_a_month_falcost_holds_in_part_waits_instead_of_drifting(tmp_path):
    sim = account(enterprise=True)
    path = str(tmp_path / "w.duckdb")
    with serving(sim) as url:
        assert run_job(url, path, START, LAST).success  # October from the 25th only

    rows = query(
        path,
        "select product, status, days_loaded, days_final from marts.reconciliation "
        "where charge_month = date '2026-10-01'",
    )
    assert sorted(rows) == [(product, "pending", 7, 7) for product in sorted(PRODUCTS)]


def test_billing_events_turned_on_load_exactly_and_reconcile_the_days_they_cover(tmp_path):
    sim = account()  # no FOCUS statement: the events are fal's best total
    path = str(tmp_path / "w.duckdb")
    days = USED[1:3]
    events_on = {"ops": {"raw__billing_events": {"config": {"enabled": True}}}}
    with serving(sim) as url:
        assert run_job(url, path, START, LAST).success  # events off: none loaded
        assert query(path, "select count(*) from raw.billing_events") == [(0,)]
        assert run_job(url, path, days[0], days[-1], run_config=events_on).success

    billed: dict[tuple, Decimal] = defaultdict(Decimal)
    for day in days:
        for item in sim.usage_items(day):
            billed[(day, item["endpoint_id"])] += money(item["cost_total"])
    loaded = query(
        path,
        "select usage_date, endpoint_id, sum(cost_total), count(*), count(distinct request_id) "
        "from raw.billing_events group by all",
    )
    assert {(d, e): c for d, e, c, _, _ in loaded} == billed
    assert all(n == distinct for *_, n, distinct in loaded)
    [row] = query(
        path,
        "select product, fal_source, fal_total, falcost_total, status from marts.reconciliation "
        "where charge_month = date '2026-10-01'",
    )
    assert row == (
        "model_apis",
        "billing_events",
        sum(billed.values()),
        sum(billed.values()),
        "match",
    )
    per_key = query(
        path,
        "select key_label, sum(request_count) from marts.cost_by_key "
        f"where usage_date in ('{days[0]}', '{days[1]}') and key_label <> 'unknown' group by all",
    )
    counted = query(
        path,
        "select coalesce(k.alias, e.auth_method), count(*) from raw.billing_events e "
        "left join raw.api_keys k on k.key_id = e.api_key_id group by all",
    )
    assert sorted(per_key) == sorted(counted)
    assert query(
        path, f"select count(request_count) from marts.cost_by_key where usage_date = '{USED[0]}'"
    ) == [(0,)]
