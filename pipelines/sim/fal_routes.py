"""fal's own dialect under ``/v1`` (API.md): header ``Authorization: Key <key>``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import bill_api, compute_api, events_api, focus_api, models_api, usage_api
from .dispatch import Call, Reply, Route, idempotent

if TYPE_CHECKING:
    from .simulation import Simulation


def _models(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, models_api.list_models(sim, call.params))


def _pricing(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, models_api.pricing(sim, call.params))


def _estimate(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, models_api.estimate(sim, call.body))


def _usage(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, usage_api.usage(sim, call.params))


def _analytics(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, usage_api.analytics(sim, call.params))


def _instances(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, compute_api.list_instances(sim, call.params))


def _create(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return idempotent(sim, call, "POST instances",
                      lambda: Reply(201, compute_api.create_instance(sim, call.body)))  # fmt: skip


def _get(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, compute_api.get_instance(sim, args["id"]))


def _delete(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return idempotent(sim, call, f"DELETE {args['id']}", lambda: _deleted(sim, args["id"]))


def _deleted(sim: Simulation, instance_id: str) -> Reply:
    compute_api.delete_instance(sim, instance_id)
    return Reply(204)


def _events(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, events_api.billing_events(sim, call.params))


def _serverless(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, bill_api.serverless_usage(sim, call.params))


def _keys(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, bill_api.list_keys(sim, call.params))


def _billing(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, bill_api.account_billing(sim, call.params))


def _focus(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, focus_api.focus_csv(sim, call.params), media_type=focus_api.MEDIA_TYPE)


def _org_usage(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, bill_api.organization_usage(sim, call.params))


def _org_teams(sim: Simulation, call: Call, args: dict[str, str]) -> Reply:
    return Reply(200, bill_api.organization_teams(sim, call.params))


FAL_ROUTES = [
    Route("GET", "/v1/models", "/v1/models", _models, key_optional=True),
    Route("GET", "/v1/models/pricing", "/v1/models/pricing", _pricing),
    Route("POST", "/v1/models/pricing/estimate", "/v1/models/pricing/estimate", _estimate),
    Route("GET", "/v1/models/usage", "/v1/models/usage", _usage, admin=True),
    Route("GET", "/v1/models/analytics", "/v1/models/analytics", _analytics),
    Route("GET", "/v1/compute/instances", "/v1/compute/instances", _instances, admin=True),
    Route("POST", "/v1/compute/instances", "/v1/compute/instances", _create, admin=True),
    Route("GET", "/v1/compute/instances/{id}", "/v1/compute/instances/{id}", _get, admin=True),
    Route("DELETE", "/v1/compute/instances/{id}", "/v1/compute/instances/{id}", _delete,
          admin=True),
    Route("GET", "/v1/models/billing-events", "/v1/models/billing-events", _events,
          admin=True),
    Route("GET", "/v1/serverless/usage", "/v1/serverless/usage", _serverless, admin=True),
    Route("GET", "/v1/keys", "/v1/keys", _keys, admin=True),
    Route("GET", "/v1/account/billing", "/v1/account/billing", _billing, admin=True),
    Route("GET", "/v1/account/focus", "/v1/account/focus", _focus, admin=True),
    Route("GET", "/v1/organization/usage", "/v1/organization/usage", _org_usage, admin=True),
    Route("GET", "/v1/organization/teams", "/v1/organization/teams", _org_teams, admin=True),
]  # fmt: skip
