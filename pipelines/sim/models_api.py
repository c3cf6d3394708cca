"""Model search, pricing and cost estimates (API.md §3-§5), shared by both dialects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .catalog import Endpoint
from .query import (
    ApiError,
    Params,
    encode_cursor,
    id_list,
    invalid,
    list_page,
    not_found,
    page_of,
    parse_int,
)
from .simulation import Simulation

PRICING_NOT_FOUND = "Pricing not found for one or more endpoints"
STATUSES = ("active", "deprecated")


def _haystack(endpoint: Endpoint) -> str:
    meta = endpoint.item.get("metadata") or {}
    text = " ".join((meta.get("display_name", ""), meta.get("description", ""),
                     meta.get("category", "")))  # fmt: skip
    return text.lower().replace("-", " ")


def _matching(sim: Simulation, params: Params, query: str | None) -> list[Endpoint]:
    """Find mode (``endpoint_id``) and search mode (``q``, ``category``, ``status``)."""
    ids = id_list(params)
    status = params.get("status")
    if status and status not in STATUSES:
        raise invalid("status must be 'active' or 'deprecated'")
    category = (params.get("category") or "").lower()
    words = (query or "").lower().replace("-", " ").split()
    if ids:
        found = [sim.catalog.by_id[i] for i in ids if i in sim.catalog.by_id]
    else:
        found = list(sim.catalog.endpoints)
    if not (words or category or status):
        return found
    out = []
    for endpoint in found:
        meta = endpoint.item.get("metadata")
        if meta is None:  # no registry entry: nothing to search in
            continue
        if category and meta["category"] != category:
            continue
        if status and meta["status"] != status:
            continue
        if words and not all(w in _haystack(endpoint) for w in words):
            continue
        out.append(endpoint)
    return out


def list_models(sim: Simulation, params: Params, *, offset_paging: bool = False) -> dict[str, Any]:
    """GET /models. LowCodeAPI pages by ``offset`` (default limit 20) unless a cursor is sent."""
    query = params.get("q") or params.get("search")
    found = _matching(sim, params, query)
    latitude = sim.config.latitude
    default_limit = 20 if offset_paging else 50
    chunk, cursor, more = list_page(
        params, len(found), latitude, default_limit=default_limit, offset_paging=offset_paging
    )
    return {"models": [e.item for e in found[chunk]], "next_cursor": cursor, "has_more": more}


def get_model(sim: Simulation, params: Params) -> dict[str, Any]:
    """LowCodeAPI ``/v1/models/model_id?model_id=``: a one-item list body."""
    model_id = params.get("model_id")
    if not model_id:
        raise invalid("model_id is required")
    endpoint = sim.catalog.by_id.get(model_id)
    if endpoint is None:
        raise not_found(f"Model {model_id!r} not found")
    return {"models": [endpoint.item], "next_cursor": None, "has_more": False}


def _price(sim: Simulation, endpoint_id: str) -> dict[str, Any]:
    nano = sim.price_nano(endpoint_id, sim.today)
    if nano is None:
        raise ApiError(404, "not_found", PRICING_NOT_FOUND)
    unit = sim.catalog.by_id[endpoint_id].unit
    return {"endpoint_id": endpoint_id, "unit_price": nano / 1e9, "unit": unit, "currency": "USD"}


def pricing(sim: Simulation, params: Params) -> dict[str, Any]:
    """GET /models/pricing: one unpriced or unknown id fails the whole request with 404."""
    ids = id_list(params, required=True)
    prices = [_price(sim, endpoint_id) for endpoint_id in ids]
    return {"prices": prices, "next_cursor": None, "has_more": False}


def all_prices(sim: Simulation, params: Params) -> dict[str, Any]:
    """LowCodeAPI ``/v1/pricing`` without ids: every priced endpoint, by cursor."""
    limit = parse_int(params, "limit", 100, 1, 100)
    page = page_of(params)
    today = sim.today
    priced = [e.endpoint_id for e in sim.catalog.endpoints if sim.price_micro(e.endpoint_id, today)]
    chunk = priced[(page - 1) * limit : page * limit]
    more = page * limit < len(priced)
    return {
        "prices": [_price(sim, endpoint_id) for endpoint_id in chunk],
        "next_cursor": encode_cursor(page + 1) if more else None,
        "has_more": more,
    }


def _units_per_call(sim: Simulation, endpoint_id: str) -> float:
    """Average billed units per successful call over the last 30 complete days, else 1."""
    quantity = calls = 0.0
    for back in range(1, 31):
        day = sim.today - timedelta(days=back)
        quantity += sum(
            r[5] / 100 for r in sim.usage_rows(day, by_auth=False) if r[0] == endpoint_id
        )
        calls += sum(
            r[2] for r in sim.analytics_rows(day) if r[0].endpoint.endpoint_id == endpoint_id
        )
    return quantity / calls if calls else 1.0


def estimate(sim: Simulation, body: Any) -> dict[str, Any]:
    """POST /models/pricing/estimate (both estimate types)."""
    if not isinstance(body, dict):
        raise invalid("Request body must be a JSON object")
    kind = body.get("estimate_type")
    field = {"historical_api_price": "call_quantity", "unit_price": "unit_quantity"}.get(kind)
    if field is None:
        raise invalid("estimate_type must be 'historical_api_price' or 'unit_price'")
    endpoints = body.get("endpoints")
    if not isinstance(endpoints, dict) or not endpoints:
        raise invalid("endpoints must be a non-empty object keyed by endpoint_id")
    total = 0.0
    for endpoint_id, spec in endpoints.items():
        amount = spec.get(field) if isinstance(spec, dict) else None
        if kind == "historical_api_price":
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
                raise invalid(f"{endpoint_id}: call_quantity must be an integer >= 1")
        elif not isinstance(amount, int | float) or isinstance(amount, bool) or amount < 1e-6:
            raise invalid(f"{endpoint_id}: unit_quantity must be a number >= 0.000001")
        unit_price = _price(sim, endpoint_id)["unit_price"]
        units = amount * _units_per_call(sim, endpoint_id) if field == "call_quantity" else amount
        total += units * unit_price
    return {"estimate_type": kind, "total_cost": round(total, 9), "currency": "USD"}
