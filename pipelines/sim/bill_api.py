"""The rest of the bill over fal's dialect (API.md §8, §11, §16): serverless usage, API keys,
the credit balance, the enterprise organization routes and per-request billing events.

Usage-like answers share ``usage_api``'s windows, buckets, paging and latitude.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .bill import (
    ACCOUNT,
    MACHINES,
    PRODUCTS,
    MachineRow,
    OrgRow,
    aggregate_machines,
    aggregate_org,
    org_item,
    serverless_item,
)
from .query import ApiError, Params, id_list, invalid, list_page, parse_int
from .simulation import Simulation
from .usage_api import SERIES, _body, _buckets, _expand, _window

ENTERPRISE_ONLY = "This endpoint is available to enterprise organizations only (org root team)"
KEY_CREATOR_FIELDS = ("creator_nickname", "creator_email")


def require_enterprise(sim: Simulation) -> None:
    if not sim.config.enterprise:
        raise ApiError(403, "authorization_error", ENTERPRISE_ONLY)


def _expand_only(params: Params, allowed: tuple[str, ...]) -> list[str]:
    expand = params.values("expand")
    unknown = [e for e in expand if e not in allowed]
    if unknown:
        raise invalid(f"Unknown expand value(s): {', '.join(unknown)}")
    return expand


def serverless_usage(sim: Simulation, params: Params) -> dict[str, Any]:
    """GET /serverless/usage: machine-seconds of the account's own apps."""
    window = _window(sim, params)
    expand = _expand(params, ("time_series",), SERIES)
    apps = id_list(params, "app")
    search = (params.get("search") or "").lower()
    limit = parse_int(params, "limit", 100, 1, 1000)

    def day_rows(day: date) -> list[MachineRow]:
        rows = sim.account_serverless(day)
        return [r for r in rows if search in MACHINES[r[0]].app.lower()] if search else rows

    def app_of(row: MachineRow) -> str:
        return MACHINES[row[0]].app

    def make() -> list:
        return _buckets(sim, window, day_rows, apps, app_of, aggregate_machines)

    key = ("serverless-buckets", window, tuple(apps), search, sim.state_key())
    found = sim.memo(key, make)
    return _body(sim, found, expand, params, limit, serverless_item, aggregate_machines)


def list_keys(sim: Simulation, params: Params) -> dict[str, Any]:
    """GET /keys; ``expand=creator_info`` adds who created each key."""
    creator = "creator_info" in _expand_only(params, ("creator_info",))
    keys = sim.api_keys()
    chunk, cursor, more = list_page(params, len(keys), sim.config.latitude, default_limit=50)
    items = [
        key if creator else {k: v for k, v in key.items() if k not in KEY_CREATOR_FIELDS}
        for key in keys[chunk]
    ]
    return {"keys": items, "next_cursor": cursor, "has_more": more}


def account_billing(sim: Simulation, params: Params) -> dict[str, Any]:
    """GET /account/billing; ``expand=credits`` adds the prepaid balance (exact Decimal)."""
    out: dict[str, Any] = {"username": ACCOUNT}
    if "credits" in _expand_only(params, ("credits",)):
        out["credits"] = {"current_balance": sim.credit_balance(), "currency": "USD"}
    return out


def organization_usage(sim: Simulation, params: Params) -> dict[str, Any]:
    """GET /organization/usage: every team's model APIs, serverless and compute usage."""
    require_enterprise(sim)
    window = _window(sim, params)
    expand = _expand(params, ("time_series",), SERIES)
    teams = id_list(params, "team_username")
    products = id_list(params, "product")
    unknown = [p for p in products if p not in PRODUCTS]
    if unknown:
        raise invalid(f"product must be one of {', '.join(PRODUCTS)}")
    endpoints = id_list(params)
    limit = parse_int(params, "limit", 100, 1, 1000)
    wanted = {PRODUCTS.index(p) for p in products}

    def day_rows(day: date) -> list[OrgRow]:
        return [r for r in sim.org_rows(day)
                if (not teams or r[0] in teams) and (not wanted or r[1] in wanted)]  # fmt: skip

    def make() -> list:
        return _buckets(sim, window, day_rows, endpoints, lambda row: row[2], aggregate_org)

    key = ("org-buckets", window, tuple(teams), tuple(products), tuple(endpoints),
           sim.state_key())  # fmt: skip
    found = sim.memo(key, make)
    return _body(sim, found, expand, params, limit, org_item, aggregate_org)


def organization_teams(sim: Simulation, params: Params) -> dict[str, Any]:
    """GET /organization/teams."""
    require_enterprise(sim)
    return {"teams": sim.teams()}
