from __future__ import annotations

import pandera.polars as pa
import polars as pl


class RawModels(pa.DataFrameModel):
    """One row per endpoint in the catalogue; attributes are null without registry metadata."""

    endpoint_id: str = pa.Field(unique=True, str_length={"min_value": 1})
    display_name: str = pa.Field(nullable=True)
    category: str = pa.Field(nullable=True)
    description: str = pa.Field(nullable=True)
    status: str = pa.Field(nullable=True, isin=["active", "deprecated"])
    tags: pl.List(pl.String) = pa.Field(nullable=True)
    model_url: str = pa.Field(nullable=True)
    updated_at: pl.Datetime(time_unit="us", time_zone="UTC") = pa.Field(nullable=True)
    has_metadata: bool

    class Config:
        strict = True
