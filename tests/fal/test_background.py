"""The run's one API session on its own thread (``pipelines.fal.background``)."""

from __future__ import annotations

import gc
import weakref

from pipelines.fal.background import BackgroundSession
from pipelines.sim import Simulation
from tests.conftest import small_config
from tests.fal.helpers import make_client


class Pages(list):
    """A result that can be watched with a weak reference."""


def test_a_taken_result_is_freed_while_the_session_stays_open():
    """A year's usage pages must not stay in memory until the run ends just because the
    session once ran the fetch."""
    with BackgroundSession(make_client(Simulation(small_config()))) as session:

        async def work(client) -> Pages:
            return Pages(await client.instances())

        future = session.submit(work)
        pages, counts = future.result()
        watched = weakref.ref(pages)
        assert counts["requests"] == 1 and len(pages) > 0
        del pages, future
        gc.collect()
        assert watched() is None
