"""Time windows of usage and analytics requests: bounds, timeframe and buckets.

Data exists per UTC day. A window holds the days whose 00:00 lies in [start, end). Week and
month buckets sum their days (weeks start on Monday). Hour and minute buckets are a
simplification: each day's rows sit in the bucket at that day's 00:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .query import TIMEFRAMES, Params, invalid, parse_instant, parse_offset

_STEP = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    timeframe: str

    def days(self) -> list[date]:
        first = self.start.date()
        if self.start.time() != time():
            first += timedelta(days=1)
        last = (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def bucket(self, day: date) -> date:
        if self.timeframe == "week":
            return day - timedelta(days=day.weekday())
        if self.timeframe == "month":
            return day.replace(day=1)
        return day


def auto_timeframe(span: timedelta) -> str:
    """fal's auto-detection: minute (<2h), hour (<2d), day (<64d), week (<183d), else month."""
    if span < timedelta(hours=2):
        return "minute"
    if span < timedelta(days=2):
        return "hour"
    if span < timedelta(days=64):
        return "day"
    return "week" if span < timedelta(days=183) else "month"


def _floor(at: datetime, timeframe: str) -> datetime:
    if timeframe in _STEP:
        step = _STEP[timeframe]
        midnight = datetime.combine(at.date(), time(), UTC)
        return midnight + step * ((at - midnight) // step)
    day = at.date()
    day = day - timedelta(days=day.weekday()) if timeframe == "week" else day.replace(day=1)
    return datetime.combine(day, time(), UTC)


def _ceil(at: datetime, timeframe: str) -> datetime:
    floor = _floor(at, timeframe)
    if floor == at:
        return at
    if timeframe in _STEP:
        return floor + _STEP[timeframe]
    if timeframe == "week":
        return floor + timedelta(days=7)
    year, month = (floor.year + 1, 1) if floor.month == 12 else (floor.year, floor.month + 1)
    return floor.replace(year=year, month=month)


def parse_window(params: Params, *, now: datetime, max_days: int | None) -> Window:
    """The window a usage/analytics request asks for; ``max_days=None``: no length cap."""
    zone = params.get("timezone") or "UTC"
    if zone.upper() != "UTC":
        raise invalid(f"timezone {zone!r} is not supported by the simulator; only UTC is")
    start_raw, end_raw = params.get("start"), params.get("end")
    end = parse_instant(end_raw, "end") if end_raw else now
    start = parse_instant(start_raw, "start") if start_raw else now - timedelta(hours=24)
    if end <= start:
        raise invalid("end must be after start")
    if max_days is not None and end - start > timedelta(days=max_days):
        raise invalid(f"Date range cannot exceed {max_days} days")
    timeframe = params.get("timeframe") or auto_timeframe(end - start)
    if timeframe not in TIMEFRAMES:
        raise invalid(f"timeframe must be one of {', '.join(TIMEFRAMES)}")
    bound = (params.get("bound_to_timeframe") or "true").lower()
    if bound not in ("true", "false"):
        raise invalid("bound_to_timeframe must be 'true' or 'false'")
    if bound == "true":
        start, end = _floor(start, timeframe), _ceil(end, timeframe)
    return Window(start, end, timeframe)


def bucket_stamp(bucket: date, offset: str) -> str:
    """The instant ``bucket`` 00:00 UTC written with ``offset``, e.g. 2025-01-14T19:00:00-05:00;
    ``"Z"`` writes 2025-01-15T00:00:00Z."""
    midnight = datetime.combine(bucket, time(), UTC)
    if offset == "Z":
        return midnight.strftime("%Y-%m-%dT%H:%M:%SZ")
    return midnight.astimezone(parse_offset(offset)).isoformat()
