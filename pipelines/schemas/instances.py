from __future__ import annotations

import pandera.polars as pa


class RawInstanceSnapshots(pa.DataFrameModel):
    """One row per instance in one snapshot.

    ``status`` is not checked against fal's enum: a new status must not stop the snapshots.
    """

    instance_id: str = pa.Field(unique=True, str_length={"min_value": 1})
    instance_type: str
    region: str
    status: str
    sector: str = pa.Field(nullable=True)
    ip: str = pa.Field(nullable=True)
    creator_user_nickname: str = pa.Field(nullable=True)

    class Config:
        strict = True
