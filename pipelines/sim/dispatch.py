"""Routing shared by both dialects: match a call, check auth, run the handler, apply faults.

A ``Call`` is one request in dialect-neutral form, so the LowCodeAPI batch route can serve its
sub-requests through the same path as real HTTP requests.
"""

from __future__ import annotations

import copy
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .config import ADMIN_SCOPE, FAL_KEYS, SIM_LOWCODE_TOKEN
from .faults import matches
from .query import ApiError, Params, not_found

if TYPE_CHECKING:
    from .simulation import Simulation

FAL, LOWCODE = "fal", "lowcode"
INVALID_KEY = "Invalid API key or malformed Authorization header"
IDEMPOTENCY_TTL = timedelta(minutes=10)  # API.md §1.7: "Responses cached for 10 minutes"


@dataclass
class Call:
    method: str
    path: str
    params: Params
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    router: Router | None = None


@dataclass
class Reply:
    """``body`` is JSON to write in the dialect, ``None`` for no body (204), or text sent as is
    when ``media_type`` says what it is (the FOCUS CSV)."""

    status: int
    body: Any = None
    media_type: str | None = None


Handler = Callable[["Simulation", Call, dict[str, str]], Reply]


@dataclass(frozen=True)
class Route:
    """``template`` is the path served; ``canonical`` the fal path it stands for."""

    method: str
    template: str
    canonical: str
    handler: Handler
    dialect: str = FAL
    admin: bool = False
    key_optional: bool = False  # API.md: auth is optional on GET /models (with latitude)


def idempotent(sim: Simulation, call: Call, operation: str, answer: Callable[[], Reply]) -> Reply:
    """Answer ``call`` once per ``Idempotency-Key`` and ``operation`` (e.g. ``DELETE <id>``).

    The same key within 10 minutes of the simulated clock (``sim.now()``) replays the first
    answer, status and body, and changes nothing. Only answers that changed something are
    kept: after a 4xx the key can be used again. Both dialects share the cache (one account).
    """
    key = call.headers.get("idempotency-key")
    if not key:
        return answer()
    with sim.lock:
        now = sim.now()
        kept = sim.idempotency.get((operation, key))
        if kept is not None and now - kept[0] < IDEMPOTENCY_TTL:
            return Reply(kept[1], copy.deepcopy(kept[2]))
        reply = answer()
        for stale in [k for k, v in sim.idempotency.items() if now - v[0] >= IDEMPOTENCY_TTL]:
            del sim.idempotency[stale]
        sim.idempotency[(operation, key)] = (now, reply.status, copy.deepcopy(reply.body))
        return reply


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "/?$")


def _check_auth(sim: Simulation, route: Route, call: Call) -> None:
    if route.dialect == LOWCODE:
        token = call.params.get("api_token") or ""
        if not hmac.compare_digest(token.encode(), SIM_LOWCODE_TOKEN.encode()):
            raise ApiError(401, "authorization_error", "Invalid api_token")
        return
    header = call.headers.get("authorization")
    if header is None and route.key_optional and sim.config.latitude.models_key_optional:
        return
    header = header or ""
    scope = None
    for key, key_scope in FAL_KEYS.items():
        if hmac.compare_digest(header.encode(), f"Key {key}".encode()):
            scope = key_scope
    if scope is None:
        raise ApiError(401, "authorization_error", INVALID_KEY)
    if route.admin and scope != ADMIN_SCOPE:
        raise ApiError(403, "authorization_error", "Admin API key required")


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = [(route, _pattern(route.template)) for route in routes]

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route, pattern in self.routes:
            found = pattern.match(path)
            if found and route.method == method:
                return route, found.groupdict()
        return None

    def serve(
        self, sim: Simulation, call: Call, *, authenticate: bool = True
    ) -> tuple[Reply, Route | None]:
        """Answer ``call``; errors become error replies, never exceptions."""
        found = self.match(call.method, call.path)
        if found is None:
            return Reply(404, not_found().body()), None
        route, args = found
        sim.count(route.template)
        call = replace(call, params=sim.injector.inbound(call.params))
        paths = (call.path, route.canonical)
        try:
            if authenticate:
                _check_auth(sim, route, call)
            if matches(sim.config.faults.always_500_paths, paths):
                raise ApiError(500, "server_error", "An unexpected error occurred")
            reply = route.handler(sim, call, args)
        except ApiError as exc:
            reply = Reply(exc.status, exc.body())
        if 200 <= reply.status < 300 and reply.body is not None:

            def first_page() -> Any:
                first = replace(call, params=call.params.without("cursor"))
                return route.handler(sim, first, args).body

            reply.body = sim.injector.corrupt(reply.body, paths, call.params, first_page)
        return reply, route
