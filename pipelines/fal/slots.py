"""The bound on requests in flight, with precedence for the requests a run waits on in turn.

A run's catalogue is one cursor: each page waits for the one before, and prices and analytics
wait for the last. If its pages queued behind a hundred pricing and usage requests for a free
slot, that chain, not the network, would set the run's length. ``urgent()`` marks the requests
made inside it (and in the tasks it starts) to take the next free slot first.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar

URGENT, NORMAL = 0, 1
_PRIORITY: ContextVar[int] = ContextVar("falcost_request_priority", default=NORMAL)


@contextmanager
def urgent() -> Iterator[None]:
    token = _PRIORITY.set(URGENT)
    try:
        yield
    finally:
        _PRIORITY.reset(token)


class Slots:
    """A semaphore of ``size`` slots whose waiters are served urgent first, then in order."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @asynccontextmanager
    async def held(self):
        await self._acquire()
        try:
            yield
        finally:
            self._release()

    async def _acquire(self) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        turn = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (_PRIORITY.get(), next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # handed a slot in the same instant it was cancelled
            raise

    def _release(self) -> None:
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1
