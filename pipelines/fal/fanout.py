"""Fan-out helpers: run page loops concurrently, split id lists and date ranges, report progress."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import TypeVar

T = TypeVar("T")


async def run_all(coroutines: Iterable[Awaitable[None]]) -> None:
    """Run concurrently; on the first failure cancel the rest and raise that error itself."""
    try:
        async with asyncio.TaskGroup() as group:
            for coroutine in coroutines:
                group.create_task(coroutine)
    except BaseExceptionGroup as failures:
        first: BaseException = failures
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None


class Tally:
    """Reports finished parts of a fan-out: each one when there are few, else every quarter."""

    def __init__(self, total: int, progress: Callable[[str], None] | None) -> None:
        self.total, self.finished, self.progress = total, 0, progress

    def done(self, label: str) -> None:
        self.finished += 1
        if self.progress is None:
            return
        quarter = (
            self.total > 8
            and self.finished * 4 // self.total > (self.finished - 1) * 4 // self.total
        )
        if self.total <= 8 or quarter:
            self.progress(f"{label} ({self.finished}/{self.total} done)")


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def day_windows(start: date, end: date, max_days: int) -> list[tuple[date, date]]:
    """Split ``[start, end)`` into windows of at most ``max_days`` days."""
    windows, cursor = [], start
    while cursor < end:
        stop = min(cursor + timedelta(days=max_days), end)
        windows.append((cursor, stop))
        cursor = stop
    return windows


def next_month(first: date) -> date:
    """The first day of the month after ``first``'s."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)
