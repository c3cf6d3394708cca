"""One declaration per raw table: its name, grain, day column and pandera model.

Every layer reads a table from here instead of spelling it: the asset key (``raw/usage_daily``
for the table ``raw.usage_daily``), the dtypes of the frame its records become
(``pipelines.frames``), the rules it is validated by (``pipelines.validation``), the days its
loads replace (``warehouse.loads``) and the checks its asset declares (``assets.checks``).
The columns and their types are the pandera model's (``pipelines/schemas/``);
``tests/test_tables.py`` holds each table's DDL (``warehouse/ddl/``) to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import pandera.polars as pa
import polars as pl

from pipelines.schemas import (
    RawAnalyticsDaily,
    RawApiKeys,
    RawBillingEvents,
    RawCreditBalanceSnapshots,
    RawFalFocusCharges,
    RawInstanceSnapshots,
    RawModels,
    RawOrganizationTeams,
    RawOrganizationUsageDaily,
    RawPrices,
    RawServerlessUsageDaily,
    RawUnpricedEndpoints,
    RawUsageDaily,
)
from pipelines.schemas.analytics import ANALYTICS_GRAIN
from pipelines.schemas.bill import (
    EVENTS_GRAIN,
    FOCUS_GRAIN,
    ORGANIZATION_GRAIN,
    SERVERLESS_GRAIN,
)
from pipelines.schemas.usage import USAGE_GRAIN

if TYPE_CHECKING:
    import dagster as dg

# Every raw table also records the run that wrote each row, and when.
LOAD_COLUMNS = ("load_id", "loaded_at")


@dataclass(frozen=True)
class Table:
    """A raw table of the warehouse.

    ``name`` is schema-qualified (``raw.usage_daily``); ``model`` is the pandera model a frame
    meets before it is loaded, and so the columns the records carry; ``grain`` the columns
    that identify a row in the warehouse; ``day_column`` the UTC day a load replaces windows
    of (``None``: not dated); ``stamps`` the instants the load itself adds to each row, besides
    ``load_id`` and ``loaded_at`` (so they are in the DDL, not in the model); ``exact_records``
    that its records carry money as ``Decimal`` already (read from text, e.g. a CSV), not as
    JSON numbers.
    """

    name: str
    model: type[pa.DataFrameModel]
    grain: tuple[str, ...]
    day_column: str | None = None
    stamps: tuple[str, ...] = ()
    exact_records: bool = False

    @property
    def path(self) -> str:
        """The asset key as a string, ``raw/usage_daily`` (what checks and selections use)."""
        return self.name.replace(".", "/")

    @property
    def asset_key(self) -> dg.AssetKey:
        """The table's asset: the key mirrors the name (the contract's rule)."""
        import dagster as dg  # imported here: the warehouse alone never needs Dagster

        return dg.AssetKey(self.name.split("."))

    @cached_property
    def dtypes(self) -> dict[str, pl.DataType]:
        """Column -> polars dtype of a validated frame, in the model's order."""
        columns = self.model.to_schema().columns
        return {name: column.dtype.type for name, column in columns.items()}

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.dtypes)

    @cached_property
    def decimals(self) -> tuple[str, ...]:
        """Money and other exact amounts: ``DECIMAL`` in the warehouse, floats in JSON."""
        return tuple(c for c, dtype in self.dtypes.items() if isinstance(dtype, pl.Decimal))

    @cached_property
    def counts(self) -> tuple[str, ...]:
        """Whole counts: ``BIGINT`` in the warehouse, JSON numbers that may be written 5.0."""
        return tuple(c for c, dtype in self.dtypes.items() if dtype == pl.Int64)

    @cached_property
    def record_dtypes(self) -> dict[str, pl.DataType]:
        """Column -> dtype of the frame built from records: decimals and counts arrive as
        JSON numbers, so they are ``Float64`` here and cast by ``pipelines.frames``."""
        if self.exact_records:
            return dict(self.dtypes)
        exact = set(self.decimals) | set(self.counts)
        return {c: pl.Float64 if c in exact else dtype for c, dtype in self.dtypes.items()}


MODELS = Table(
    "raw.models", RawModels, grain=("endpoint_id",), stamps=("first_seen_at", "last_seen_at")
)
PRICES = Table(
    "raw.prices", RawPrices, grain=("endpoint_id", "valid_from"), stamps=("valid_from", "valid_to")
)
UNPRICED_ENDPOINTS = Table(
    "raw.unpriced_endpoints", RawUnpricedEndpoints, grain=("endpoint_id",), stamps=("checked_at",)
)
USAGE_DAILY = Table(
    "raw.usage_daily", RawUsageDaily, grain=tuple(USAGE_GRAIN), day_column="usage_date"
)
ANALYTICS_DAILY = Table(
    "raw.analytics_daily",
    RawAnalyticsDaily,
    grain=tuple(ANALYTICS_GRAIN),
    day_column="metric_date",
)
INSTANCE_SNAPSHOTS = Table(
    "raw.instance_snapshots",
    RawInstanceSnapshots,
    grain=("snapshot_at", "instance_id"),
    stamps=("snapshot_at",),
)

SERVERLESS_USAGE_DAILY = Table(
    "raw.serverless_usage_daily",
    RawServerlessUsageDaily,
    grain=tuple(SERVERLESS_GRAIN),
    day_column="usage_date",
)
ORGANIZATION_USAGE_DAILY = Table(
    "raw.organization_usage_daily",
    RawOrganizationUsageDaily,
    grain=tuple(ORGANIZATION_GRAIN),
    day_column="usage_date",
)
API_KEYS = Table(
    "raw.api_keys", RawApiKeys, grain=("key_id",), stamps=("first_seen_at", "last_seen_at")
)
ORGANIZATION_TEAMS = Table(
    "raw.organization_teams",
    RawOrganizationTeams,
    grain=("username",),
    stamps=("first_seen_at", "last_seen_at"),
)
CREDIT_BALANCE_SNAPSHOTS = Table(
    "raw.credit_balance_snapshots",
    RawCreditBalanceSnapshots,
    grain=("snapshot_at",),
    exact_records=True,
)
FAL_FOCUS_CHARGES = Table(
    "raw.fal_focus_charges", RawFalFocusCharges, grain=tuple(FOCUS_GRAIN), exact_records=True
)
BILLING_EVENTS = Table(
    "raw.billing_events", RawBillingEvents, grain=tuple(EVENTS_GRAIN), day_column="usage_date"
)

RAW_TABLES = (
    MODELS,
    PRICES,
    UNPRICED_ENDPOINTS,
    USAGE_DAILY,
    ANALYTICS_DAILY,
    INSTANCE_SNAPSHOTS,
    SERVERLESS_USAGE_DAILY,
    ORGANIZATION_USAGE_DAILY,
    API_KEYS,
    ORGANIZATION_TEAMS,
    CREDIT_BALANCE_SNAPSHOTS,
    FAL_FOCUS_CHARGES,
    BILLING_EVENTS,
)
