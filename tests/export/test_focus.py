"""The FOCUS 1.2 export (``falcost export focus``): every cost stream, exact against the
simulator's own bill, and the 1.2 rules falcost relies on checked row by row."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.export.focus import export_focus
from pipelines.sim import Simulation, serving
from tests.assets.pipeline import run_job
from tests.conftest import small_config
from warehouse.connection import connect

FIRST, LAST = date(2026, 10, 29), date(2026, 11, 3)  # two billing periods
END = LAST + timedelta(days=1)
DAYS = [FIRST + timedelta(i) for i in range((END - FIRST).days)]
NANO = Decimal("0.000000001")
# FOCUS 1.2 columns a Usage row of this provider carries (mandatory, or conditional on what
# fal supports: account names, sub accounts, list and negotiated unit prices, usage measure).
REQUIRED = (
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
    "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
    "PricingCategory", "PricingCurrency", "PricingQuantity", "PricingUnit", "ProviderName",
    "PublisherName", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId",
    "SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType",
)  # fmt: skip
NEVER_NULL = (
    "BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeDescription", "ChargePeriodEnd",
    "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
    "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory",
    "ServiceName", "SkuId",
)  # fmt: skip
MONEY = ("BilledCost", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "ListCost",
         "ListUnitPrice", "PricingQuantity", "ConsumedQuantity")  # fmt: skip
STAMPS = ("BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart")
SERVICE_CATEGORIES = {"AI and Machine Learning", "Compute"}
# FOCUS's unit format: a unit, a unit per time, or "<count> <unit>" ("1000000 Tokens")
UNIT = re.compile(r"^([0-9]+ )?[A-Za-z][A-Za-z0-9]*( [A-Za-z][A-Za-z0-9]*)*(/[A-Z][a-z]+)?$")


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> tuple[Simulation, str]:
    sim = Simulation(small_config(usage_start=FIRST, enterprise=True))
    path = str(tmp_path_factory.mktemp("focus") / "w.duckdb")
    with serving(sim) as url:
        assert run_job(url, path, FIRST, LAST).success
    return sim, path


@pytest.fixture(scope="module")
def parquet(synced, tmp_path_factory) -> tuple[pa.Table, Decimal]:
    _, path = synced
    out = tmp_path_factory.mktemp("out") / "focus.parquet"
    con = connect(path, read_only=True)
    try:
        written = export_focus(con, FIRST, END, out, "parquet")
    finally:
        con.close()
    table = pq.read_table(out)
    assert written.rows == table.num_rows > 0
    return table, written.billed_cost


def simulator_bill(sim: Simulation) -> Decimal:
    return sum((sum(sim.day_charges(day).values(), Decimal(0)) for day in DAYS), Decimal(0))


def test_the_exports_total_is_the_simulators_bill_and_the_warehouses(synced, parquet):
    sim, path = synced
    table, billed = parquet
    assert billed == simulator_bill(sim)
    assert sum(table.column("BilledCost").to_pylist()) == billed
    con = connect(path, read_only=True)
    try:
        (warehouse_total,) = con.execute(
            "select sum(billed_cost) from marts.spend_daily where usage_date between $a and $b",
            {"a": FIRST, "b": LAST},
        ).fetchone()
    finally:
        con.close()
    assert warehouse_total == billed
    by_product = {}
    for product, cost in zip(
        table.column("x_Product").to_pylist(), table.column("BilledCost").to_pylist(), strict=True
    ):
        by_product[product] = by_product.get(product, Decimal(0)) + cost
    expected = {}
    for day in DAYS:
        for product, amount in sim.day_charges(day).items():
            expected[product] = expected.get(product, Decimal(0)) + amount
    assert by_product == {p: v for p, v in expected.items() if v}


def test_columns_types_and_nullability_follow_focus_1_2(parquet):
    table, _ = parquet
    names = set(table.column_names)
    assert set(REQUIRED) <= names
    assert all(n in REQUIRED or n.startswith("x_") or n in _OPTIONAL for n in names), names
    for column in MONEY:
        assert pa.types.is_decimal(table.schema.field(column).type), column
    for column in STAMPS:
        field = table.schema.field(column).type
        assert pa.types.is_timestamp(field) and field.tz in ("UTC", "+00:00", "Etc/UTC"), column
    for column in NEVER_NULL:
        assert table.column(column).null_count == 0, column
    rows = table.to_pylist()
    assert {r["ChargeCategory"] for r in rows} == {"Usage"}
    assert {r["ChargeClass"] for r in rows} == {None}
    assert {r["ServiceCategory"] for r in rows} <= SERVICE_CATEGORIES
    assert all(re.fullmatch(r"[A-Z]{3}", r["BillingCurrency"]) for r in rows)
    assert all(UNIT.match(r["PricingUnit"]) for r in rows), {r["PricingUnit"] for r in rows}
    for r in rows:
        assert r["ChargePeriodEnd"] - r["ChargePeriodStart"] == timedelta(days=1)
        assert r["BillingPeriodStart"] <= r["ChargePeriodStart"] < r["BillingPeriodEnd"]
        assert r["BillingPeriodStart"].day == 1 and r["BillingPeriodEnd"].day == 1
        assert (r["SubAccountId"] is None) == (r["SubAccountType"] is None)


def test_list_and_contracted_cost_are_unit_price_times_quantity(parquet):
    table, _ = parquet
    for r in table.to_pylist():
        quantity = r["PricingQuantity"]
        for cost, price in (
            ("ListCost", "ListUnitPrice"),
            ("ContractedCost", "ContractedUnitPrice"),
        ):
            expected = (r[price] * quantity).quantize(NANO, rounding=ROUND_HALF_UP)
            assert r[cost] == expected, (cost, r)
        assert r["EffectiveCost"] == r["BilledCost"]


def test_csv_says_the_same_in_iso_8601_utc(synced, tmp_path, parquet):
    _, path = synced
    table, billed = parquet
    out = tmp_path / "focus.csv"
    con = connect(path, read_only=True)
    try:
        export_focus(con, FIRST, END, out, "csv")
        read = duckdb.sql(f"select * from read_csv('{out}', all_varchar = true)").fetchall()
        header = [d[0] for d in duckdb.sql(f"select * from read_csv('{out}') limit 0").description]
    finally:
        con.close()
    assert header == table.column_names
    start = header.index("ChargePeriodStart")
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", row[start]) for row in read)
    billed_at = header.index("BilledCost")
    assert sum(Decimal(row[billed_at]) for row in read) == billed


def test_falcost_export_focus_writes_and_compares_totals(synced, tmp_path, monkeypatch):
    _, path = synced
    monkeypatch.setenv("FALCOST_WAREHOUSE", path)
    out = tmp_path / "nested" / "focus.parquet"
    days = ["--start", FIRST.isoformat(), "--end", LAST.isoformat()]
    result = CliRunner().invoke(main, ["export", "focus", *days, "--format", "parquet", str(out)])
    assert result.exit_code == 0, result.output
    assert "MISMATCH" not in result.output and out.exists()
    backwards = ["--start", LAST.isoformat(), "--end", FIRST.isoformat()]
    refused = CliRunner().invoke(main, ["export", "focus", *backwards, str(out)])
    assert refused.exit_code == 2 and "is after --end" in refused.output


def test_the_asset_writes_the_newest_month_with_the_warehouses_total(synced, tmp_path, monkeypatch):
    import dagster as dg

    from assets.export import focus_current_month
    from pipelines.orchestration.resources import WarehouseResource

    sim, path = synced
    monkeypatch.setenv("FALCOST_FOCUS_DIR", str(tmp_path))
    result = dg.materialize(
        [focus_current_month], resources={"warehouse": WarehouseResource(database=path)}
    )
    assert result.success
    written = tmp_path / f"fal-focus-{LAST:%Y-%m}.csv"
    read = duckdb.sql(
        f"select \"BilledCost\" from read_csv('{written}', all_varchar = true)"
    ).fetchall()
    month = [day for day in DAYS if day.month == LAST.month]
    expected = sum((sum(sim.day_charges(d).values(), Decimal(0)) for d in month), Decimal(0))
    assert sum(Decimal(cost) for (cost,) in read) == expected


_OPTIONAL = {
    "CommitmentDiscountStatus", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "ResourceId",
    "ResourceName", "SkuMeter", "SkuPriceDetails",
}  # fmt: skip
_ = (UTC, datetime, Path)
