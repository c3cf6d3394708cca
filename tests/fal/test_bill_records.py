"""The bill's records read every legal answer the same way, and refuse broken ones by name."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from pipelines.fal.bill_records import (
    billing_event_records,
    credit_record,
    focus_records,
    serverless_records,
    snake_case,
)
from pipelines.fal.errors import FalResponseError
from pipelines.fal.records import BucketDates

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OCTOBER = date(2026, 10, 1)
HEADER = (
    "BillingAccountId,ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency,"
    "ServiceName,x_Product"
)


def test_focus_columns_are_typed_and_unknown_ones_kept_as_sent():
    text = (
        "\ufeff" + HEADER + "\r\n"
        "acct,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,1234.5678901234,USD,"
        "Model APIs,model_apis\r\n"
        'acct,2026-10-01T00:00:00+02:00,2026-11-01,"1E-7",USD,"Tax, VAT",\r\n'
    )
    first, second = focus_records(
        text, "GET /account/focus", source="invoice", charge_month=OCTOBER
    )

    assert first["billed_cost"] == Decimal("1234.567890123")  # rounded half to even, to 9 places
    assert first["charge_period_start"] == datetime(2026, 10, 1, tzinfo=UTC)
    assert (first["line_number"], first["source"], first["charge_month"]) == (1, "invoice", OCTOBER)
    assert json.loads(first["extra_columns"]) == {"x_Product": "model_apis"}
    assert second["billed_cost"] == Decimal("0.000000100")
    assert second["charge_period_start"] == datetime(2026, 9, 30, 22, tzinfo=UTC)
    assert second["service_name"] == "Tax, VAT" and second["extra_columns"] is None
    assert second["effective_cost"] is None  # a FOCUS column fal did not send


def test_a_focus_answer_without_a_required_column_or_with_a_ragged_line_is_refused():
    with pytest.raises(FalResponseError, match="no billed_cost column; its columns are"):
        focus_records("ChargePeriodStart,ChargePeriodEnd,BillingCurrency\n", "w", source="invoice",
                      charge_month=OCTOBER)  # fmt: skip
    ragged = HEADER + "\nacct,2026-10-01,2026-11-01,1,USD,Model APIs,model_apis,extra\n"
    with pytest.raises(FalResponseError, match="line 1: more fields than the header"):
        focus_records(ragged, "w", source="invoice", charge_month=OCTOBER)
    not_money = HEADER + "\nacct,2026-10-01,2026-11-01,ten,USD,Model APIs,\n"
    with pytest.raises(FalResponseError, match="BilledCost 'ten' is not a number"):
        focus_records(not_money, "w", source="invoice", charge_month=OCTOBER)


@pytest.mark.parametrize(
    ("name", "snake"),
    [("ChargePeriodStart", "charge_period_start"), ("x_Product", "x_product"),
     ("SkuId", "sku_id"), ("Billed Cost", "billed_cost")],
)  # fmt: skip
def test_focus_names_become_snake_case(name, snake):
    assert snake_case(name) == snake


@pytest.mark.parametrize(
    ("sent", "read"),
    [(24.5, Decimal("24.5")), (-3, Decimal(-3)), ("1097705.740941250", Decimal("1097705.74094125")),
     (0.1 + 0.2, Decimal("0.300000000"))],
)  # fmt: skip
def test_the_balance_is_read_exactly_as_sent(sent, read):
    body = {"username": "team", "credits": {"current_balance": sent, "currency": "USD"}}
    assert credit_record(body, "w", AT)["current_balance"] == read


def test_a_billing_answer_without_credits_is_refused():
    with pytest.raises(FalResponseError, match="no 'credits' object"):
        credit_record({"username": "team"}, "GET /account/billing", AT)
    with pytest.raises(FalResponseError, match="is not a number"):
        credit_record({"credits": {"current_balance": True}}, "w", AT)


def test_serverless_rows_without_newer_fields_read_as_the_spec_says():
    body = {
        "time_series": [
            {
                "bucket": "2026-10-26T00:00:00+00:00",
                "results": [
                    {"app": None, "environment": None, "machine_type": "GPU-H100",
                     "quantity": 10, "unit_price": 0.001, "cost": 0.01, "currency": "USD"},
                ],
            }
        ]
    }  # fmt: skip
    [row] = serverless_records(body, "w", BucketDates("w"))
    assert row["usage_date"] == date(2026, 10, 26)
    assert (row["unit"], row["is_surge"], row["percent_discount"]) == ("second", False, None)
    assert (row["cost_subtotal"], row["cost_discount"], row["cost_total"]) == (0.01, 0.0, 0.01)


def test_billing_events_take_their_day_from_the_timestamp_in_utc():
    event = {
        "request_id": "r1", "endpoint_id": "fal-ai/flux/dev",
        "timestamp": "2026-10-26T23:30:00-02:00", "output_units": None, "unit_price": None,
        "percent_discount": None, "cost_subtotal": 0.05, "cost_discount": 0, "cost_total": 0.05,
        "cost_estimate_nano_usd": 50_000_000,
        "auth_method_structured": {"detail": "Production Key", "api_key_id": "key_1"},
    }  # fmt: skip
    [row] = billing_event_records({"billing_events": [event]}, "w")
    assert row["usage_date"] == date(2026, 10, 27)
    assert (row["auth_method"], row["api_key_id"]) == ("Production Key", "key_1")
    with pytest.raises(FalResponseError, match="field 'timestamp'"):
        billing_event_records({"billing_events": [event | {"timestamp": "yesterday"}]}, "w")
    with pytest.raises(FalResponseError, match="no 'billing_events' list"):
        billing_event_records({"events": []}, "w")
