"""Turn API bodies into flat records, checking the fields the contract requires.

Structure is checked here (a missing required field or a wrong type names the path, the
endpoint and the field); business rules (non-negative money, unique grain) are the pandera
schemas' job, downstream. Unknown fields are ignored; fields API.md calls optional may be absent.

Each mapping returns exactly its raw table's columns (``pipelines.schemas``), every key present
even when its value is ``None``: ``pipelines.frames`` refuses a record with a missing or
unknown key, so a misspelt key fails loudly instead of loading a column of nulls.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from pipelines.fal.errors import FalResponseError

Record = dict[str, Any]
_NUMBER = (int, float)


def _fail(where: str, item: Any, field: str, problem: str = "is missing") -> FalResponseError:
    endpoint = item.get("endpoint_id") if isinstance(item, dict) else None
    who = f" for endpoint {endpoint!r}" if endpoint else ""
    return FalResponseError(f"{where}: field '{field}'{who} {problem}")


def _number(item: dict, field: str, where: str, *, required: bool = True) -> float | None:
    value = item.get(field)
    if value is None:
        if required:
            raise _fail(where, item, field)
        return None
    if type(value) not in _NUMBER:
        raise _fail(where, item, field, f"is not a number ({value!r})")
    if math.isnan(value) or math.isinf(value):
        raise _fail(where, item, field, f"is not a finite number ({value!r})")
    return value


def _count(item: dict, field: str, where: str) -> float | None:
    value = _number(item, field, where, required=False)
    if value is not None and not float(value).is_integer():
        raise _fail(where, item, field, f"is not a whole number ({value!r})")
    return value


def _string(item: dict, field: str, where: str, *, required: bool = True) -> str | None:
    value = item.get(field)
    if value is None:
        if required:
            raise _fail(where, item, field)
        return None
    if not isinstance(value, str):
        raise _fail(where, item, field, f"is not a string ({value!r})")
    return value


class BucketDates:
    """Parse offset-aware ``bucket`` stamps to the UTC day they start (cached per stamp)."""

    def __init__(self, where: str) -> None:
        self._where = where
        self._cache: dict[str, date] = {}

    def __call__(self, stamp: Any) -> date:
        cached = self._cache.get(stamp)
        if cached is not None:
            return cached
        if not isinstance(stamp, str):
            raise FalResponseError(f"{self._where}: bucket {stamp!r} is not a timestamp string")
        try:
            instant = datetime.fromisoformat(stamp)
        except ValueError:
            raise FalResponseError(f"{self._where}: bucket {stamp!r} is not ISO 8601") from None
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        utc = instant.astimezone(UTC)
        if (utc.hour, utc.minute, utc.second, utc.microsecond) != (0, 0, 0, 0):
            raise FalResponseError(
                f"{self._where}: bucket {stamp!r} is not the start of a UTC day; "
                "was timezone=UTC&timeframe=day honoured?"
            )
        self._cache[stamp] = utc.date()
        return utc.date()


def _buckets(body: dict, where: str) -> list[dict]:
    series = body.get("time_series")
    if not isinstance(series, list):
        raise FalResponseError(f"{where}: the answer has no 'time_series' list")
    return series


def usage_records(body: dict, where: str, dates: BucketDates) -> list[Record]:
    """Flatten one usage page to line items with ``usage_date`` (money: ``line_costs``)."""
    records: list[Record] = []
    for bucket in _buckets(body, where):
        day = dates(bucket.get("bucket"))
        for item in bucket.get("results") or ():
            if not isinstance(item, dict):
                raise FalResponseError(f"{where}: a usage item is not an object")
            structured = _structured(item, where)
            records.append(
                {
                    "usage_date": day,
                    "endpoint_id": _string(item, "endpoint_id", where),
                    "unit": _string(item, "unit", where),
                    "unit_price": _number(item, "unit_price", where),
                    "percent_discount": _number(item, "percent_discount", where, required=False),
                    "auth_method": _string(item, "auth_method", where, required=False)
                    or _string(structured, "detail", where, required=False),
                    "api_key_id": _string(structured, "api_key_id", where, required=False),
                    "quantity": _number(item, "quantity", where),
                    **line_costs(item, where),
                }
            )
    return records


def line_costs(item: dict, where: str) -> Record:
    """The money of a billed line: ``cost_subtotal``, ``cost_discount``, ``cost_total`` and
    ``currency``, with API.md's fallbacks for older answers: ``cost`` when ``cost_total`` is
    absent, a subtotal equal to the total and a zero discount when those are absent."""
    total = _number(item, "cost_total", where, required=False)
    if total is None:
        total = _number(item, "cost", where, required=False)
        if total is None:
            raise _fail(where, item, "cost_total")
    subtotal = _number(item, "cost_subtotal", where, required=False)
    discount = _number(item, "cost_discount", where, required=False)
    if discount is None:  # API.md: cost_discount = cost_subtotal - cost_total
        discount = 0.0 if subtotal is None else subtotal - total
    return {
        "cost_subtotal": total + discount if subtotal is None else subtotal,
        "cost_discount": discount,
        "cost_total": total,
        "currency": _string(item, "currency", where, required=False) or "USD",
    }


def _structured(item: dict, where: str) -> dict:
    """``auth_method_structured`` (``{detail, api_key_id?, login_username?}``), or ``{}``."""
    value = item.get("auth_method_structured")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(where, item, "auth_method_structured", f"is not an object ({value!r})")
    return value


ANALYTICS_COUNTS = ("request_count", "success_count", "user_error_count", "error_count")
ANALYTICS_DURATIONS = ("p50_duration", "p75_duration", "p90_duration")
ANALYTICS_METRICS = ANALYTICS_COUNTS + ANALYTICS_DURATIONS


def analytics_records(body: dict, where: str, dates: BucketDates) -> list[Record]:
    """Flatten one analytics page; metrics absent from an item become ``None``."""
    records: list[Record] = []
    for bucket in _buckets(body, where):
        day = dates(bucket.get("bucket"))
        for item in bucket.get("results") or ():
            if not isinstance(item, dict):
                raise FalResponseError(f"{where}: an analytics item is not an object")
            record: Record = {
                "metric_date": day,
                "endpoint_id": _string(item, "endpoint_id", where),
            }
            for metric in ANALYTICS_COUNTS:
                record[metric] = _count(item, metric, where)
            for metric in ANALYTICS_DURATIONS:
                record[metric] = _number(item, metric, where, required=False)
            records.append(record)
    return records


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def model_record(item: Any, where: str) -> Record:
    """One catalogue entry; ``metadata`` may be absent for endpoints without a registry entry."""
    if not isinstance(item, dict):
        raise FalResponseError(f"{where}: a model item is not an object")
    endpoint_id = _string(item, "endpoint_id", where)
    meta = item.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    tags = meta.get("tags")
    return {
        "endpoint_id": endpoint_id,
        "display_name": meta.get("display_name"),
        "category": meta.get("category"),
        "description": meta.get("description"),
        "status": meta.get("status"),
        "tags": [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else None,
        "model_url": meta.get("model_url"),
        "updated_at": _timestamp(meta.get("updated_at")),
        "has_metadata": bool(meta),
    }


def price_record(item: Any, where: str) -> Record:
    if not isinstance(item, dict):
        raise FalResponseError(f"{where}: a price item is not an object")
    return {
        "endpoint_id": _string(item, "endpoint_id", where),
        "unit": _string(item, "unit", where),
        "unit_price": _number(item, "unit_price", where),
        "currency": _string(item, "currency", where),
    }


def instance_record(item: Any, where: str) -> Record:
    if not isinstance(item, dict):
        raise FalResponseError(f"{where}: an instance item is not an object")
    return {
        "instance_id": _string(item, "id", where),
        "instance_type": _string(item, "instance_type", where),
        "region": _string(item, "region", where),
        "status": _string(item, "status", where),
        "sector": _string(item, "sector", where, required=False),
        "ip": _string(item, "ip", where, required=False),
        "creator_user_nickname": _string(item, "creator_user_nickname", where, required=False),
    }


def unpriced_record(endpoint_id: str) -> Record:
    """An endpoint the pricing API has no price for (``FalClient.pricing``'s ``unpriced``)."""
    return {"endpoint_id": endpoint_id}
