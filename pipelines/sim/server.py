"""Serve the simulator on loopback in a background thread (tests, CLI, ``dagster dev``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from .app import create_app
from .config import SimConfig
from .simulation import Simulation

HOST = "127.0.0.1"  # loopback only: the simulator must never be reachable from outside
_START_TIMEOUT_S = 10.0


@contextmanager
def serving(sim: Simulation | SimConfig | None = None, *, port: int = 0) -> Iterator[str]:
    """Serve on 127.0.0.1 in a daemon thread; yield the root URL ``http://127.0.0.1:<port>``.

    The socket is bound here, so ``port=0`` picks a free port and the URL is known before the
    first request. The server stops (and the thread ends) when the block exits.
    """
    with serve_app(create_app(sim), port=port) as url:
        yield url


@contextmanager
def serve_app(app: Any, *, port: int = 0) -> Iterator[str]:
    """Serve any ASGI ``app`` (the simulator, or a wrapper around it) as ``serving`` does."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    # no Date of uvicorn's own: the app stamps every answer with the simulated clock
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", date_header=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="falcost-sim", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator server did not start")
            time.sleep(0.01)
        yield f"http://{HOST}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT_S)
        sock.close()
