"""The LowCodeAPI dialect under ``/falai/v1`` (LOWCODEAPI.md): query ``api_token``.

Path parameters travel in the query ("old format"). ``/v1/usage`` and ``/v1/analytics`` take
``start_date``/``end_date`` with an inclusive end and otherwise pass fal's params through.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from . import compute_api, models_api, usage_api
from .dispatch import LOWCODE, Call, Reply, Route, idempotent
from .query import ApiError, Params, invalid

if TYPE_CHECKING:
    from .simulation import Simulation

MAX_BATCH = 20
METRIC_ALIASES = {
    "requests": "request_count",
    "successes": "success_count",
    "user_errors": "user_error_count",
    "errors": "error_count",
    "latency": "p50_duration",
}


def _date(params: Params, name: str) -> date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise invalid(f"{name} must be YYYY-MM-DD") from None


def _to_fal(params: Params) -> Params:
    """start_date/end_date (inclusive), model_id and metric become fal's params."""
    start, end = _date(params, "start_date"), _date(params, "end_date")
    out = params.without("start_date", "end_date", "model_id", "metric", "api_token")
    if start:
        out = out.without("start").adding("start", [start.isoformat()])
    if end:
        out = out.without("end").adding("end", [(end + timedelta(days=1)).isoformat()])
    out = out.adding("endpoint_id", params.values("model_id"))
    metrics = [METRIC_ALIASES.get(m, m) for m in params.values("metric")]
    if metrics:
        expand = params.values("expand") or ["time_series"]
        out = out.without("expand").adding("expand", [*expand, *metrics])
    return out


def _models(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, models_api.list_models(sim, call.params, offset_paging=True))


def _model(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, models_api.get_model(sim, call.params))


def _pricing(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    params = call.params.adding("endpoint_id", call.params.values("model_id"))
    if params.values("endpoint_id"):
        return Reply(200, models_api.pricing(sim, params))
    return Reply(200, models_api.all_prices(sim, params))


def _usage(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, usage_api.usage(sim, _to_fal(call.params)))


def _analytics(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, usage_api.analytics(sim, _to_fal(call.params), require_ids=False))


def _instances(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, compute_api.list_instances(sim, call.params, offset_paging=True))


def _create(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return idempotent(sim, call, "POST instances",
                      lambda: Reply(201, compute_api.create_instance(sim, call.body)))  # fmt: skip


def _get(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, compute_api.get_instance(sim, compute_api.required_id(call.params)))


def _delete(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    instance_id = compute_api.required_id(call.params)
    return idempotent(sim, call, f"DELETE {instance_id}", lambda: _deleted(sim, instance_id))


def _deleted(sim: Simulation, instance_id: str) -> Reply:
    compute_api.delete_instance(sim, instance_id)
    return Reply(204)


def _start(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    instance_id = compute_api.required_id(call.params)
    return Reply(200, compute_api.set_instance_status(sim, instance_id, "ready"))


def _stop(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    instance_id = compute_api.required_id(call.params)
    return Reply(200, compute_api.set_instance_status(sim, instance_id, "stopped"))


def _monitor(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, compute_api.monitor(sim, call.params))


def _batch(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    """Each sub-request is served like a LowCodeAPI request; bodies come back bare."""
    requests = call.body.get("requests") if isinstance(call.body, dict) else None
    if not isinstance(requests, list) or not requests:
        raise invalid("requests must be a non-empty list")
    if len(requests) > MAX_BATCH:
        raise invalid(f"A batch holds at most {MAX_BATCH} requests")
    assert call.router is not None
    results: list[dict[str, Any]] = []
    for request in requests:
        try:
            sub = _sub_call(request, call)
        except ApiError as exc:
            results.append({"status": exc.status, "body": exc.body()})
            continue
        reply, _ = call.router.serve(sim, sub, authenticate=False)
        results.append({"status": reply.status, "body": reply.body})
    return Reply(200, {"results": results})


def _sub_call(request: Any, parent: Call) -> Call:
    if not isinstance(request, dict) or not isinstance(request.get("path"), str):
        raise invalid("each request needs a path")
    path = "/" + request["path"].strip().lstrip("/")
    if not path.startswith("/falai/"):
        path = "/falai" + path
    if path.rstrip("/") == "/falai/v1/batch":
        raise invalid("batch requests cannot be nested")
    params = request.get("params")
    if params is not None and not isinstance(params, dict):
        raise invalid("params must be an object")
    method = str(request.get("method") or "GET").upper()
    # the batch's own Idempotency-Key is not a key for each of its sub-requests
    headers = {k: v for k, v in parent.headers.items() if k.lower() != "idempotency-key"}
    return Call(method, path, Params.from_mapping(params), request.get("body"),
                headers, parent.router)  # fmt: skip


_P = "/falai/v1"
_INSTANCE = f"{_P}/compute/instances/instance_id"
LOWCODE_ROUTES = [
    Route(method, template, canonical, handler, LOWCODE)
    for method, template, canonical, handler in (
        ("GET", f"{_P}/models", "/v1/models", _models),
        ("GET", f"{_P}/models/model_id", "/v1/models", _model),
        ("GET", f"{_P}/pricing", "/v1/models/pricing", _pricing),
        ("GET", f"{_P}/usage", "/v1/models/usage", _usage),
        ("GET", f"{_P}/analytics", "/v1/models/analytics", _analytics),
        ("GET", f"{_P}/compute/instances", "/v1/compute/instances", _instances),
        ("POST", f"{_P}/compute/instances", "/v1/compute/instances", _create),
        ("GET", _INSTANCE, "/v1/compute/instances/{id}", _get),
        ("DELETE", _INSTANCE, "/v1/compute/instances/{id}", _delete),
        ("POST", f"{_INSTANCE}/start", "/v1/compute/instances/{id}/start", _start),
        ("POST", f"{_INSTANCE}/stop", "/v1/compute/instances/{id}/stop", _stop),
        ("GET", f"{_INSTANCE}/monitor", "/v1/compute/instances/{id}/monitor", _monitor),
        ("POST", f"{_P}/batch", "/v1/batch", _batch),
    )
]
