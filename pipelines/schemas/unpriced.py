from __future__ import annotations

import pandera.polars as pa


class RawUnpricedEndpoints(pa.DataFrameModel):
    """One row per catalogue endpoint the pricing API has no price for."""

    endpoint_id: str = pa.Field(unique=True, str_length={"min_value": 1})

    class Config:
        strict = True
