from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

ANALYTICS_GRAIN = ["metric_date", "endpoint_id"]


class RawAnalyticsDaily(pa.DataFrameModel):
    """One row per UTC day and endpoint."""

    metric_date: dt.date
    endpoint_id: str = pa.Field(str_length={"min_value": 1})
    request_count: pl.Int64 = pa.Field(ge=0)
    success_count: pl.Int64 = pa.Field(nullable=True, ge=0)
    user_error_count: pl.Int64 = pa.Field(nullable=True, ge=0)
    error_count: pl.Int64 = pa.Field(nullable=True, ge=0)
    p50_duration: float = pa.Field(nullable=True, ge=0)
    p75_duration: float = pa.Field(nullable=True, ge=0)
    p90_duration: float = pa.Field(nullable=True, ge=0)

    class Config:
        strict = True
        unique = ANALYTICS_GRAIN

    @pa.dataframe_check(error="success + user errors + errors <= requests")
    def outcomes_within_requests(cls, data: pa.PolarsData) -> pl.LazyFrame:
        outcomes = pl.sum_horizontal("success_count", "user_error_count", "error_count")
        return data.lazyframe.select(outcomes <= pl.col("request_count"))
