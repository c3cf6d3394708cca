from __future__ import annotations

from datetime import date

import dagster as dg
import polars as pl
import pytest

from pipelines import frames
from pipelines.validation import ValidationFailure, one_currency, validate
from warehouse.tables import ANALYTICS_DAILY, MODELS, PRICES, USAGE_DAILY

DAY = date(2025, 3, 1)


def item(**overrides) -> dict:
    """A usage record; columns added since are null (so a new nullable column needs no edit)."""
    row = dict.fromkeys(USAGE_DAILY.columns) | {
        "usage_date": DAY,
        "endpoint_id": "fal-ai/flux/dev",
        "unit": "image",
        "unit_price": 0.1,
        "percent_discount": 20.0,
        "auth_method": "Production Key",
        "quantity": 4.0,
        "cost_subtotal": 0.4,
        "cost_discount": 0.08,
        "cost_total": 0.32,
        "currency": "USD",
    }
    row.update(overrides)
    return row


def analytics_item(**overrides) -> dict:
    row = dict.fromkeys(ANALYTICS_DAILY.columns) | {"metric_date": DAY, "endpoint_id": "a"}
    return row | overrides


def model_item(**overrides) -> dict:
    return (
        dict.fromkeys(MODELS.columns)
        | {"endpoint_id": "fal-ai/x", "has_metadata": False}
        | overrides
    )


def failure(rows: list[dict]) -> str:
    with pytest.raises(dg.Failure) as caught:
        validate(frames.usage_frame(rows), USAGE_DAILY)
    return caught.value.description


def test_a_valid_usage_frame_passes_unchanged():
    frame = frames.usage_frame([item(), item(auth_method="Staging Key")])
    assert validate(frame, USAGE_DAILY).equals(frame)


def test_a_negative_cost_names_table_column_rule_and_row():
    message = failure([item(), item(auth_method="B", cost_total=-0.32, cost_subtotal=-0.4)])
    assert message.startswith("raw.usage_daily: 1 rows break its rules; nothing was loaded.")
    assert "cost_total / greater_than_or_equal_to(0)" in message
    assert "row 1 (usage_date=2025-03-01, endpoint_id=fal-ai/flux/dev" in message


def test_a_null_endpoint_id_is_refused():
    assert "endpoint_id / not_nullable" in failure([item(endpoint_id=None)])


def test_duplicate_grain_rows_are_refused_even_with_null_discounts():
    rows = [item(percent_discount=None, cost_discount=0.0, cost_total=0.4)] * 2
    assert "multiple_fields_uniqueness" in failure(rows)


def test_cost_arithmetic_mismatch_is_refused():
    message = failure([item(cost_total=0.30)])
    assert "cost_total = cost_subtotal - cost_discount" in message


def test_a_one_nano_dollar_rounding_gap_is_accepted():
    frame = frames.usage_frame([item(cost_total=0.320000001)])
    assert validate(frame, USAGE_DAILY).height == 1


def test_analytics_outcomes_cannot_exceed_requests():
    frame = frames.analytics_frame([analytics_item(request_count=5, success_count=6)])
    with pytest.raises(dg.Failure, match="success \\+ user errors \\+ errors <= requests"):
        validate(frame, ANALYTICS_DAILY)


def test_a_model_without_metadata_passes_and_an_unknown_status_does_not():
    bare = model_item()
    assert validate(frames.models_frame([bare]), MODELS).height == 1
    odd = model_item(status="retired", has_metadata=True)
    with pytest.raises(dg.Failure, match="status / isin"):
        validate(frames.models_frame([odd]), MODELS)


def test_large_frames_are_checked_in_day_chunks_and_report_rows_of_the_whole_frame():
    days = [date(2025, 3, 1 + i) for i in range(10)]
    rows = [item(usage_date=d, auth_method=f"k{n}") for d in days for n in range(30)]
    rows[215] = item(usage_date=days[7], auth_method="k5", cost_total=-1.0, cost_subtotal=-1.08)
    rows.append(dict(rows[3]))  # a duplicate grain, in the first chunk
    frame = frames.usage_frame(rows)
    with pytest.raises(dg.Failure) as caught:
        validate(frame, USAGE_DAILY, chunk_rows=40)
    message = caught.value.description
    assert "row 215 (usage_date=2025-03-08, endpoint_id=fal-ai/flux/dev, auth_method=k5" in message
    assert "multiple_fields_uniqueness" in message and "row 300" in message
    clean = frames.usage_frame(rows[:215] + rows[216:300])
    assert validate(clean, USAGE_DAILY, chunk_rows=40).equals(clean)


def test_one_currency_passes_a_frame_in_the_currency_the_warehouse_holds():
    frame = frames.usage_frame([item(), item(auth_method="B")])
    assert one_currency(frame, USAGE_DAILY, window="w", held=["USD"]).equals(frame)
    assert one_currency(frame, USAGE_DAILY, window="w").equals(frame)


def test_two_currencies_in_one_frame_are_refused_naming_table_window_and_currencies():
    frame = frames.usage_frame([item(), item(auth_method="B", endpoint_id="x/y", currency="EUR")])
    with pytest.raises(dg.Failure) as caught:
        one_currency(frame, USAGE_DAILY, window="2025-03-01..2025-03-01")
    assert caught.value.description == (
        "raw.usage_daily 2025-03-01..2025-03-01: amounts in 2 currencies (EUR, USD): "
        "EUR: 1 rows, e.g. x/y on 2025-03-01; USD: 1 rows, e.g. fal-ai/flux/dev on 2025-03-01. "
        "falcost adds money within one currency only and does not yet support a second one; "
        "nothing was loaded."
    )


def test_a_frame_in_another_currency_than_the_warehouse_holds_is_refused():
    frame = frames.usage_frame([item(currency="EUR")])
    with pytest.raises(dg.Failure, match="the warehouse already holds USD"):
        one_currency(frame, USAGE_DAILY, window="w", held=["USD"])


@pytest.mark.parametrize(
    ("build", "row", "expected"),
    [
        (
            frames.usage_frame,
            item(quantity=1e30),
            "raw.usage_daily: quantity = 1e+30 for endpoint 'fal-ai/flux/dev' on 2025-03-01 "
            "does not fit DECIMAL(18,9) (must be below 1,000,000,000); nothing was loaded",
        ),
        (
            frames.analytics_frame,
            analytics_item(request_count=1e19),
            "raw.analytics_daily: request_count = 1e+19 for endpoint 'a' on 2025-03-01 does "
            "not fit BIGINT (must be below 9,223,372,036,854,775,808); nothing was loaded",
        ),
        (
            frames.prices_frame,
            dict.fromkeys(PRICES.columns)
            | {"endpoint_id": "a", "unit": "image", "unit_price": 2e9, "currency": "USD"},
            "raw.prices: unit_price = 2e+09 for endpoint 'a' does not fit DECIMAL(18,9) "
            "(must be below 1,000,000,000); nothing was loaded",
        ),
    ],
    ids=["usage-quantity", "analytics-count", "list-price"],
)
def test_a_number_too_large_for_its_column_names_table_day_endpoint_and_field(build, row, expected):
    with pytest.raises(frames.ValueOutOfRange) as caught:
        build([row])
    assert str(caught.value) == expected


def test_the_largest_amount_decimal_18_9_holds_still_loads():
    frame = frames.usage_frame([item(quantity=999_999_999.9)])
    assert frame["quantity"].dtype == pl.Decimal(18, 9)


def test_a_refused_frame_carries_its_table_and_first_broken_rule_as_attributes():
    rows = [item(), item(auth_method="B", quantity=-4.0)]
    with pytest.raises(ValidationFailure) as caught:
        validate(frames.usage_frame(rows), USAGE_DAILY)
    refused = caught.value
    assert (refused.table, refused.failing_rows) == ("raw.usage_daily", 1)
    assert refused.first_rule.startswith("quantity / greater_than_or_equal_to(0): 1 failures")
    # what `falcost sync` prints, from the metadata alone (as a step failure carries it)
    assert ValidationFailure.one_line(refused.metadata) == (
        f"raw.usage_daily: 1 rows break its rules; nothing was loaded. {refused.first_rule}"
    )
    assert ValidationFailure.one_line(dg.Failure("other", metadata={"table": "x"}).metadata) is None


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {**{k: v for k, v in item().items() if k != "cost_total"}, "cost_totl": 0.32},
            "raw.usage_daily: record 1 lacks column 'cost_total' and has unknown key "
            "'cost_totl'; a record must carry exactly the table's columns; nothing was loaded",
        ),
        (
            {k: v for k, v in item().items() if k != "auth_method"},  # a nullable column
            "raw.usage_daily: record 1 lacks column 'auth_method'; a record must carry exactly "
            "the table's columns; nothing was loaded",
        ),
    ],
    ids=["misspelt", "missing"],
)
def test_a_record_with_a_misspelt_or_missing_key_is_refused_not_loaded_as_nulls(record, expected):
    with pytest.raises(frames.RecordMismatch) as caught:
        frames.usage_frame([item(), record])
    assert str(caught.value) == expected
