"""Request parameters: errors, multi-valued params, limits, cursors and time windows."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from .config import Latitude

TIMEFRAMES = ("minute", "hour", "day", "week", "month")
MAX_IDS = 50
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


class ApiError(Exception):
    """An error answer: HTTP status plus fal's ``{"error": {"type", "message"}}`` body."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": {"type": self.kind, "message": self.message}}


def invalid(message: str) -> ApiError:
    return ApiError(400, "validation_error", message)


def not_found(message: str = "Resource not found") -> ApiError:
    return ApiError(404, "not_found", message)


class Params:
    """Query parameters as an ordered multi-dict."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self.items = [(str(k), str(v)) for k, v in items]

    @classmethod
    def from_mapping(cls, mapping: dict[str, Any] | None) -> Params:
        """From a batch request's ``params``: scalars or lists of scalars."""
        items: list[tuple[str, str]] = []
        for key, value in (mapping or {}).items():
            for one in value if isinstance(value, list | tuple) else [value]:
                items.append((key, str(one).lower() if isinstance(one, bool) else str(one)))
        return cls(items)

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.items if k == name), None)

    def values(self, name: str) -> list[str]:
        """Every value of ``name``, repeated (``a=1&a=2``) or comma-separated (``a=1,2``)."""
        out: list[str] = []
        for key, value in self.items:
            if key == name:
                out.extend(part.strip() for part in value.split(",") if part.strip())
        return out

    def without(self, *names: str) -> Params:
        return Params((k, v) for k, v in self.items if k not in names)

    def adding(self, name: str, values: Iterable[str]) -> Params:
        return Params([*self.items, *((name, v) for v in values)])


def parse_int(params: Params, name: str, default: int, low: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"{name} must be an integer") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise invalid(f"{name} must be {bound}")
    return value


def encode_cursor(page: int) -> str:
    return base64.b64encode(str(page).encode()).decode()


def page_of(params: Params) -> int:
    """Page number carried by ``cursor`` (base64 of the number as text); 1 without one."""
    raw = params.get("cursor")
    if not raw:
        return 1
    try:
        page = int(base64.b64decode(raw, validate=True).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid("Invalid cursor") from None
    if page < 1:
        raise invalid("Invalid cursor")
    return page


def list_page(
    params: Params,
    total: int,
    latitude: Latitude,
    *,
    default_limit: int,
    offset_paging: bool = False,
) -> tuple[slice, str | None, bool]:
    """Which items of a list of ``total`` one page holds, its ``next_cursor`` and ``has_more``.

    fal pages by cursor. The proxy's lists page by ``offset`` unless a cursor is sent; with
    latitude the proxy ignores ``offset`` (cursor pages from page 1) or writes a null
    ``next_cursor`` on every offset page, leaving ``has_more`` to say whether more is coming.
    """
    limit = parse_int(params, "limit", default_limit, 1, 100)
    by_offset = offset_paging and not params.get("cursor") and not latitude.offset_ignored
    if by_offset:
        offset = parse_int(params, "offset", 0, 0, None)
        page = offset // limit + 1
    else:
        page = page_of(params)
        offset = (page - 1) * limit
    more = offset + limit < total
    null_cursor = by_offset and latitude.offset_null_cursor
    cursor = encode_cursor(page + 1) if more and not null_cursor else None
    return slice(offset, offset + limit), cursor, more


def id_list(params: Params, name: str = "endpoint_id", *, required: bool = False) -> list[str]:
    ids = list(dict.fromkeys(params.values(name)))
    if required and not ids:
        raise invalid(f"{name} is required (1-{MAX_IDS} values)")
    if len(ids) > MAX_IDS:
        raise invalid(f"{name} accepts at most {MAX_IDS} values")
    return ids


def parse_instant(value: str, name: str) -> datetime:
    """``YYYY-MM-DD`` (midnight UTC) or an ISO 8601 datetime (naive means UTC)."""
    try:
        if _DATE.match(value):
            return datetime.combine(date.fromisoformat(value), time(), UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise invalid(f"{name} must be YYYY-MM-DD or an ISO 8601 datetime") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def parse_offset(offset: str) -> timezone:
    match = _OFFSET.match(offset)
    if not match:
        raise ValueError(f"bucket offset must look like +00:00 or -05:00, not {offset!r}")
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)
