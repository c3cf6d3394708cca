from __future__ import annotations

import pandera.polars as pa
from pandera.engines.polars_engine import Decimal as PaDecimal


class RawPrices(pa.DataFrameModel):
    """One current list price per endpoint (a snapshot; history is built in the warehouse)."""

    endpoint_id: str = pa.Field(unique=True, str_length={"min_value": 1})
    unit: str
    unit_price: PaDecimal(18, 9) = pa.Field(ge=0)
    currency: str = pa.Field(str_length={"min_value": 3, "max_value": 3})

    class Config:
        strict = True
