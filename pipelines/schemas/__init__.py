"""pandera (polars) models, one per raw table: the rules a frame must meet before it is loaded."""

from pipelines.schemas.analytics import RawAnalyticsDaily
from pipelines.schemas.instances import RawInstanceSnapshots
from pipelines.schemas.models import RawModels
from pipelines.schemas.pricing import RawPrices
from pipelines.schemas.usage import RawUsageDaily

__all__ = ["RawAnalyticsDaily", "RawInstanceSnapshots", "RawModels", "RawPrices", "RawUsageDaily"]
