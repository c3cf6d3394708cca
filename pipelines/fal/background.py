"""One API session on a background event loop, shared by work submitted from any thread.

A Dagster run executes its steps one after another; if each step opened its own session, the
catalogue's cursor chain, the usage windows and the instance list would wait on one another.
Here they all start at once, on one connection pool and one bound on requests in flight, and
each step only waits for its own result.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import TypeVar

from pipelines.fal.client import FalClient
from pipelines.fal.session import tally

T = TypeVar("T")
CLOSE_GRACE_SECONDS = 1.0


class BackgroundSession:
    """``client`` entered on its own event loop thread; ``submit`` runs work on it.

    Use as a context manager: leaving it cancels what is still running and closes the client.
    """

    def __init__(self, client: FalClient) -> None:
        self.client = client
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="falcost-api", daemon=True
        )
        self._futures: set[Future] = set()  # the running ones: a done one frees its result

    def __enter__(self) -> BackgroundSession:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.client.__aenter__(), self._loop).result()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for future in list(self._futures):
            future.cancel()
        closing = asyncio.run_coroutine_threadsafe(self._close(), self._loop)
        closing.result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    async def _close(self) -> None:
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if pending:  # let work that is about to end end (a failing run fails everywhere at once)
            _, pending = await asyncio.wait(pending, timeout=CLOSE_GRACE_SECONDS)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self.client.__aexit__(None, None, None)

    def submit(self, work: Callable[[FalClient], Awaitable[T]]) -> Future[tuple[T, dict]]:
        """Start ``work(client)`` now; the future holds its result and its own request counts
        (requests of work it awaits that was submitted apart are counted there, not here)."""

        async def counted() -> tuple[T, dict]:
            with tally() as stats:
                result = await work(self.client)
            return result, stats.as_dict()

        future = asyncio.run_coroutine_threadsafe(counted(), self._loop)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)
        return future
