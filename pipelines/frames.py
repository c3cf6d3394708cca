"""Pure transforms: client records -> typed polars frames, shaped like their raw tables.

Money arrives as JSON numbers; it is cast to ``Decimal(18, 9)`` here, which rounds to the
nearest nano-dollar (exact for every value the API writes with at most 9 decimals). A number
too large for its column (``DECIMAL(18,9)`` holds less than 1e9) raises ``ValueOutOfRange``
naming the table, day, endpoint and field, instead of the cast's anonymous overflow.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

MONEY = pl.Decimal(18, 9)
MONEY_LIMIT = 1e9  # DECIMAL(18,9): 9 digits before the point
COUNT_LIMIT = 2.0**63  # BIGINT
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


class ValueOutOfRange(ValueError):
    """A number does not fit its warehouse column; the message names where it is, on one line."""


def _frame(records: Sequence[dict], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.from_dicts(records, schema=schema) if records else pl.DataFrame(schema=schema)


def _cast_bounded(
    frame: pl.DataFrame,
    columns: Sequence[str],
    dtype: pl.DataType,
    limit: float,
    *,
    table: str,
    column_type: str,
    day_column: str | None = None,
) -> pl.DataFrame:
    """Cast float ``columns`` to ``dtype``; a value of ``limit`` or more (in absolute terms)
    raises ``ValueOutOfRange`` naming the table, day, endpoint and field of the first one."""
    for column in columns:
        bad = frame.filter(pl.col(column).abs() >= limit)
        if bad.height:
            row = bad.row(0, named=True)
            day = f" on {row[day_column]}" if day_column else ""
            more = f" (and {bad.height - 1} more rows)" if bad.height > 1 else ""
            raise ValueOutOfRange(
                f"{table}: {column} = {row[column]:g} for endpoint {row['endpoint_id']!r}{day} "
                f"does not fit {column_type} (must be below {limit:,.0f}){more}; nothing was loaded"
            )
    return frame.with_columns(pl.col(*columns).cast(dtype, strict=True))


def usage_frame(records: Sequence[dict]) -> pl.DataFrame:
    return _cast_bounded(
        _frame(records, USAGE),
        USAGE_DECIMALS,
        MONEY,
        MONEY_LIMIT,
        table="raw.usage_daily",
        column_type="DECIMAL(18,9)",
        day_column="usage_date",
    )


def analytics_frame(records: Sequence[dict]) -> pl.DataFrame:
    # Counts arrive as JSON numbers already checked to be whole (pipelines.fal.records).
    return _cast_bounded(
        _frame(records, ANALYTICS),
        ANALYTICS_COUNTS,
        pl.Int64,
        COUNT_LIMIT,
        table="raw.analytics_daily",
        column_type="BIGINT",
        day_column="metric_date",
    )


def models_frame(records: Sequence[dict]) -> pl.DataFrame:
    return _frame(records, MODELS)


def prices_frame(records: Sequence[dict]) -> pl.DataFrame:
    return _cast_bounded(
        _frame(records, PRICES),
        ["unit_price"],
        MONEY,
        MONEY_LIMIT,
        table="raw.prices",
        column_type="DECIMAL(18,9)",
    )


def unpriced_frame(endpoint_ids: Sequence[str]) -> pl.DataFrame:
    return pl.DataFrame({"endpoint_id": list(endpoint_ids)}, schema=UNPRICED)


def instances_frame(records: Sequence[dict]) -> pl.DataFrame:
    return _frame(records, INSTANCES)


def concat(frames: Sequence[pl.DataFrame], schema_of: pl.DataFrame) -> pl.DataFrame:
    """Concatenate page frames (an empty list gives an empty frame with the right schema)."""
    return pl.concat(frames, how="vertical") if frames else schema_of.clear()
