"""pandera (polars) models, one per raw table: the rules a frame must meet before it is loaded.

Each model is also its table's column list and types: ``warehouse.tables`` derives the frame
dtypes from it, and ``tests/test_tables.py`` holds the DDL to it.
"""

from pipelines.schemas.analytics import RawAnalyticsDaily
from pipelines.schemas.bill import (
    RawApiKeys,
    RawBillingEvents,
    RawCreditBalanceSnapshots,
    RawFalFocusCharges,
    RawOrganizationTeams,
    RawOrganizationUsageDaily,
    RawServerlessUsageDaily,
)
from pipelines.schemas.instances import RawInstanceSnapshots
from pipelines.schemas.models import RawModels
from pipelines.schemas.pricing import RawPrices
from pipelines.schemas.unpriced import RawUnpricedEndpoints
from pipelines.schemas.usage import RawUsageDaily

__all__ = [
    "RawAnalyticsDaily",
    "RawApiKeys",
    "RawBillingEvents",
    "RawCreditBalanceSnapshots",
    "RawFalFocusCharges",
    "RawOrganizationTeams",
    "RawOrganizationUsageDaily",
    "RawServerlessUsageDaily",
    "RawInstanceSnapshots",
    "RawModels",
    "RawPrices",
    "RawUnpricedEndpoints",
    "RawUsageDaily",
]
