from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandera.polars as pa
import polars as pl
from pandera.engines.polars_engine import Decimal as PaDecimal

Money = PaDecimal(18, 9)
USAGE_GRAIN = [
    "usage_date",
    "endpoint_id",
    "unit",
    "unit_price",
    "percent_discount",
    "auth_method",
    "api_key_id",
]
# fal rounds each amount to the nano-dollar, so subtotal - discount may miss total by one unit.
ARITHMETIC_TOLERANCE = Decimal("0.000000001")


def cost_arithmetic_holds(data: pa.PolarsData) -> pl.LazyFrame:
    """``cost_total = cost_subtotal - cost_discount``, to fal's nano-dollar rounding."""
    gap = pl.col("cost_subtotal") - pl.col("cost_discount") - pl.col("cost_total")
    return data.lazyframe.select(gap.abs() <= ARITHMETIC_TOLERANCE)


class RawUsageDaily(pa.DataFrameModel):
    """One row per UTC day, endpoint, unit, unit price, discount rate and auth method (its
    label, and the key's id when the usage was billed to an API key)."""

    usage_date: dt.date
    endpoint_id: str = pa.Field(str_length={"min_value": 1})
    unit: str
    unit_price: Money = pa.Field(ge=0)
    percent_discount: Money = pa.Field(nullable=True, ge=0, le=100)
    auth_method: str = pa.Field(nullable=True)
    api_key_id: str = pa.Field(nullable=True)
    quantity: Money = pa.Field(ge=0)
    cost_subtotal: Money = pa.Field(ge=0)
    cost_discount: Money = pa.Field(ge=0)
    cost_total: Money = pa.Field(ge=0)
    currency: str = pa.Field(str_length={"min_value": 3, "max_value": 3})

    class Config:
        strict = True
        unique = USAGE_GRAIN

    @pa.dataframe_check(error="cost_total = cost_subtotal - cost_discount")
    def cost_arithmetic(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return cost_arithmetic_holds(data)
