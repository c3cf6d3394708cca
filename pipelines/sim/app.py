"""The ASGI app: both dialects of one ``Simulation`` behind a single Starlette route.

One catch-all handler, so throttling, error storms and counters apply to every request,
unknown paths included. Per request: count it, admit it (or answer 429/500), add latency,
route it (auth, handler, body faults), then render it in its dialect.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from datetime import UTC
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from .config import SimConfig
from .dispatch import FAL, LOWCODE, Call, Reply, Router
from .fal_routes import FAL_ROUTES
from .latitude import Writer
from .lowcode_routes import LOWCODE_ROUTES
from .query import ApiError, Params
from .seeds import rng_for
from .simulation import Simulation

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_STORM = {
    429: ApiError(429, "rate_limited", "Rate limit exceeded"),
    500: ApiError(500, "server_error", "An unexpected error occurred"),
}


def dumps(body: Any, *, allow_nan: bool = False) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan).encode()


class _CutResponse:
    """Send the status, the headers and half of ``response``'s body, then stop.

    Returning before the final body message makes the server close the connection with the
    body incomplete: the client sees the peer drop the connection mid-body.
    """

    def __init__(self, response: Response) -> None:
        self.response = response

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        response, half = self.response, self.response.body[: len(self.response.body) // 2]
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": response.raw_headers,
            }
        )
        await send({"type": "http.response.body", "body": half, "more_body": True})


def _render(
    sim: Simulation,
    dialect: str,
    reply: Reply,
    paths: tuple[str, ...],
    headers: dict[str, str] | None = None,
    draw: random.Random | None = None,
) -> Response:
    """Write ``reply`` in its dialect; ``draw`` is the response's seeded sequence (latitude)."""
    status = reply.status
    if status == 429:
        sim.count("429")
    elif status >= 500:
        sim.count("5xx")
    if reply.body is None:
        return Response(status_code=status, headers=headers)
    if reply.media_type is not None:
        return Response(reply.body, status, headers=headers, media_type=reply.media_type)
    body = reply.body
    latitude = sim.config.latitude
    if draw is None:
        draw = random.Random(latitude.seed)
    bare = latitude.bare_share > 0 and draw.random() < latitude.bare_share
    if dialect == LOWCODE and sim.config.wrap_lowcode and not bare:
        if status < 400:
            body = {"message": "Request completed", "provider": "falai", "result": body}
        else:
            body = {"message": HTTPStatus(status).phrase, "provider": "falai", "error": body}
    allow_nan = sim.config.faults.nan_cost
    if latitude.plain_rendering and not _has_decimal(body):
        payload = dumps(body, allow_nan=allow_nan)
    else:
        payload = Writer(latitude, draw, allow_nan=allow_nan).write(body)
    if 200 <= status < 300:
        replaced = sim.injector.replacement(paths, payload)
        if replaced is not None:
            return Response(replaced[0], status, headers=headers, media_type=replaced[1])
    return Response(payload, status, headers=headers, media_type="application/json")


def _has_decimal(body: Any) -> bool:
    """True for the few small bodies with an exact ``Decimal`` (the credit balance), which
    ``json.dumps`` cannot write; ``Writer`` writes them digit for digit."""
    return isinstance(body, dict) and any(
        isinstance(v, Decimal) or (isinstance(v, dict) and _has_decimal(v)) for v in body.values()
    )


def _stamped(sim: Simulation, response: Response) -> Response:
    """Every answer carries the simulated clock in ``Date`` (RFC 7231), as a server would."""
    clock = sim.window_now().astimezone(UTC)
    response.headers["Date"] = email.utils.format_datetime(clock, usegmt=True)
    return response


async def _json_body(request: Request) -> Any:
    """The parsed JSON body; ``None`` when absent or not JSON (handlers answer 400)."""
    raw = await request.body()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def create_app(sim: Simulation | SimConfig | None = None) -> Starlette:
    """The simulated API; ``app.state.sim`` is the ``Simulation`` it serves."""
    simulation = sim if isinstance(sim, Simulation) else Simulation(sim)
    router = Router(FAL_ROUTES + LOWCODE_ROUTES)

    async def handle(request: Request) -> Response | _CutResponse:
        path = request.url.path
        dialect = LOWCODE if path == "/falai" or path.startswith("/falai/") else FAL
        injector = simulation.injector
        latitude = simulation.config.latitude
        # the same request gets the same bytes, whatever order the requests arrive in
        draw = rng_for(latitude.seed, "response", request.method, path, request.url.query)
        simulation.count("requests")
        injector.in_flight += 1
        try:
            verdict = injector.admission(time.monotonic())
            if verdict is not None:
                error = _STORM[verdict]
                headers = injector.retry_headers() if verdict == 429 else None
                reply = Reply(verdict, error.body())
                return _stamped(
                    simulation, _render(simulation, dialect, reply, (path,), headers, draw)
                )
            disruption = injector.disruption()
            if disruption == "stall":
                await asyncio.sleep(injector.faults.stall_s)
            if injector.faults.latency_s > 0:
                await asyncio.sleep(injector.faults.latency_s)
            body = await _json_body(request) if request.method in ("POST", "PUT", "PATCH") else None
            call = Call(
                request.method, path, Params(request.query_params.multi_items()), body,
                request.headers, router,
            )  # fmt: skip
            reply, route = router.serve(simulation, call)
            paths = (path, route.canonical) if route else (path,)
            response = _stamped(simulation, _render(simulation, dialect, reply, paths, draw=draw))
            return _CutResponse(response) if disruption == "cut" else response
        finally:
            injector.in_flight -= 1

    app = Starlette(routes=[StarletteRoute("/{path:path}", handle, methods=_METHODS)])
    app.state.sim = simulation
    return app
