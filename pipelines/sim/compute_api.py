"""Compute instances (API.md §10) plus the LowCodeAPI start/stop/monitor operations."""

from __future__ import annotations

from typing import Any

from .instances import INSTANCE_TYPES, SECTORS, slot_of
from .query import Params, invalid, list_page, not_found
from .seeds import stable_hash
from .simulation import Simulation

# LowCodeAPI documents status=active; it stands for every status but stopped/unknown
_ACTIVE = ("ready", "init", "pending", "provisioning")
MONITOR_METRICS = ("cpu", "memory", "gpu", "disk")


def _slot(sim: Simulation) -> int:
    return slot_of(sim.now())


def list_instances(
    sim: Simulation, params: Params, *, offset_paging: bool = False
) -> dict[str, Any]:
    status = params.get("status")
    with sim.lock:
        items = sim.fleet.snapshot(_slot(sim))
    if status:
        wanted = _ACTIVE if status == "active" else (status,)
        items = [i for i in items if i["status"] in wanted]
    chunk, cursor, more = list_page(
        params, len(items), sim.config.latitude, default_limit=50, offset_paging=offset_paging
    )
    return {"instances": items[chunk], "next_cursor": cursor, "has_more": more}


def create_instance(sim: Simulation, body: Any) -> dict[str, Any]:
    """POST /compute/instances; a 400 names every problem of the body at once."""
    if not isinstance(body, dict):
        raise invalid("Request body must be a JSON object")
    instance_type, ssh_key, sector = (
        body.get("instance_type"),
        body.get("ssh_key"),
        body.get("sector"),
    )
    types = ", ".join(INSTANCE_TYPES)
    problems = []
    if instance_type is None:
        problems.append(f"instance_type is required (one of {types})")
    elif instance_type not in INSTANCE_TYPES:
        problems.append(f"instance_type {instance_type!r} does not exist; use one of {types}")
    if not isinstance(ssh_key, str) or not ssh_key.strip():
        problems.append("ssh_key is required (an SSH public key)")
    if sector is not None and (sector not in SECTORS or instance_type != INSTANCE_TYPES[1]):
        problems.append(
            f"sector must be one of {', '.join(SECTORS)} (only with {INSTANCE_TYPES[1]})"
        )
    if problems:
        raise invalid("; ".join(problems))
    with sim.lock:
        return sim.fleet.create(instance_type, sector, _slot(sim))


def get_instance(sim: Simulation, instance_id: str) -> dict[str, Any]:
    with sim.lock:
        item = sim.fleet.get(instance_id, _slot(sim))
    if item is None:
        raise not_found(f"Instance {instance_id!r} not found")
    return item


def delete_instance(sim: Simulation, instance_id: str) -> None:
    with sim.lock:
        if not sim.fleet.delete(instance_id, _slot(sim)):
            raise not_found(f"Instance {instance_id!r} not found")


def set_instance_status(sim: Simulation, instance_id: str, status: str) -> dict[str, Any]:
    with sim.lock:
        item = sim.fleet.set_status(instance_id, status, _slot(sim))
    if item is None:
        raise not_found(f"Instance {instance_id!r} not found")
    return item


def monitor(sim: Simulation, params: Params) -> dict[str, Any]:
    instance_id = required_id(params)
    names = params.values("metrics") or ["cpu", "memory"]
    unknown = [n for n in names if n not in MONITOR_METRICS]
    if unknown:
        raise invalid(f"Unknown metric(s): {', '.join(unknown)}")
    item = get_instance(sim, instance_id)
    slot = _slot(sim)
    running = item["status"] == "ready"
    metrics = {
        name: round(5 + stable_hash(instance_id, name, slot) % 9000 / 100, 2) if running else 0.0
        for name in names
    }
    return {"instance_id": instance_id, "status": item["status"], "metrics": metrics}


def required_id(params: Params) -> str:
    instance_id = params.get("instance_id")
    if not instance_id:
        raise invalid("instance_id is required")
    return instance_id
