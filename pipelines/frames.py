"""Pure transforms: client records -> typed polars frames, shaped like their raw tables.

Money arrives as JSON numbers; it is cast to ``Decimal(18, 9)`` here, which rounds to the
nearest nano-dollar (exact for every value the API writes with at most 9 decimals).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

MONEY = pl.Decimal(18, 9)
UTC_INSTANT = pl.Datetime("us", "UTC")

USAGE = {
    "usage_date": pl.Date,
    "endpoint_id": pl.String,
    "unit": pl.String,
    "unit_price": pl.Float64,
    "percent_discount": pl.Float64,
    "auth_method": pl.String,
    "quantity": pl.Float64,
    "cost_subtotal": pl.Float64,
    "cost_discount": pl.Float64,
    "cost_total": pl.Float64,
    "currency": pl.String,
}
USAGE_DECIMALS = (
    "unit_price",
    "percent_discount",
    "quantity",
    "cost_subtotal",
    "cost_discount",
    "cost_total",
)
ANALYTICS = {
    "metric_date": pl.Date,
    "endpoint_id": pl.String,
    "request_count": pl.Float64,
    "success_count": pl.Float64,
    "user_error_count": pl.Float64,
    "error_count": pl.Float64,
    "p50_duration": pl.Float64,
    "p75_duration": pl.Float64,
    "p90_duration": pl.Float64,
}
ANALYTICS_COUNTS = ("request_count", "success_count", "user_error_count", "error_count")
MODELS = {
    "endpoint_id": pl.String,
    "display_name": pl.String,
    "category": pl.String,
    "description": pl.String,
    "status": pl.String,
    "tags": pl.List(pl.String),
    "model_url": pl.String,
    "updated_at": UTC_INSTANT,
    "has_metadata": pl.Boolean,
}
PRICES = {
    "endpoint_id": pl.String,
    "unit": pl.String,
    "unit_price": pl.Float64,
    "currency": pl.String,
}
UNPRICED = {"endpoint_id": pl.String}
INSTANCES = {
    "instance_id": pl.String,
    "instance_type": pl.String,
    "region": pl.String,
    "status": pl.String,
    "sector": pl.String,
    "ip": pl.String,
    "creator_user_nickname": pl.String,
}


def _frame(records: Sequence[dict], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.from_dicts(records, schema=schema) if records else pl.DataFrame(schema=schema)


def usage_frame(records: Sequence[dict]) -> pl.DataFrame:
    return _frame(records, USAGE).with_columns(pl.col(*USAGE_DECIMALS).cast(MONEY))


def analytics_frame(records: Sequence[dict]) -> pl.DataFrame:
    # Counts arrive as JSON numbers already checked to be whole (pipelines.fal.records).
    return _frame(records, ANALYTICS).with_columns(
        pl.col(*ANALYTICS_COUNTS).cast(pl.Int64, strict=True)
    )


def models_frame(records: Sequence[dict]) -> pl.DataFrame:
    return _frame(records, MODELS)


def prices_frame(records: Sequence[dict]) -> pl.DataFrame:
    return _frame(records, PRICES).with_columns(pl.col("unit_price").cast(MONEY))


def unpriced_frame(endpoint_ids: Sequence[str]) -> pl.DataFrame:
    return pl.DataFrame({"endpoint_id": list(endpoint_ids)}, schema=UNPRICED)


def instances_frame(records: Sequence[dict]) -> pl.DataFrame:
    return _frame(records, INSTANCES)


def concat(frames: Sequence[pl.DataFrame], schema_of: pl.DataFrame) -> pl.DataFrame:
    """Concatenate page frames (an empty list gives an empty frame with the right schema)."""
    return pl.concat(frames, how="vertical") if frames else schema_of.clear()
