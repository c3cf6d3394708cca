"""The simulator on loopback, with every request timestamped as the server sees it.

``pipelines.sim.serving`` takes a ``Simulation``, not an app, so this is the same few lines
around uvicorn with a small ASGI wrapper in front of the simulator's app. The log is what
splits a run into start-up (before the first request) and the fetch-and-load phase.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn

from pipelines.sim import Simulation, create_app

HOST = "127.0.0.1"
_START_TIMEOUT_S = 10.0


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
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    config = uvicorn.Config(
        timed(create_app(sim), log), log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="bench-sim", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator server did not start")
            time.sleep(0.01)
        yield f"http://{HOST}:{sock.getsockname()[1]}", log
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT_S)
        sock.close()
