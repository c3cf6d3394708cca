"""The simulator on loopback, with every request timestamped as the server sees it.

``pipelines.sim.serving`` takes a ``Simulation``, not an app, so this is the same few lines
around uvicorn with a small ASGI wrapper in front of the simulator's app. The log is what
splits a run into start-up (before the first request) and the fetch-and-load phase.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pipelines.sim import Simulation, create_app
from pipelines.sim.server import serve_app


@dataclass(frozen=True)
class Seen:
    """One request: path, status, and when it arrived and was answered (``time.perf_counter``)."""

    path: str
    status: int
    start: float
    end: float


@dataclass
class RequestLog:
    requests: list[Seen] = field(default_factory=list)

    def clear(self) -> None:
        self.requests = []

    def since(self, t0: float) -> list[Seen]:
        return sorted((r for r in self.requests if r.start >= t0), key=lambda r: r.start)


def timed(app, log: RequestLog):
    """Wrap an ASGI app so each HTTP request is appended to ``log`` once answered."""

    async def wrapper(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [0]

        async def send_and_note(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_and_note)
        finally:
            log.requests.append(Seen(scope["path"], status[0], start, time.perf_counter()))

    return wrapper


@contextmanager
def recording_server(sim: Simulation) -> Iterator[tuple[str, RequestLog]]:
    """Serve ``sim`` on 127.0.0.1 (a free port) in a thread; yield its URL and request log."""
    log = RequestLog()
    with serve_app(timed(create_app(sim), log)) as url:
        yield url, log
