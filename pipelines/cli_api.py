"""``falcost api …``: the client's operations one by one, printing JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import click

from pipelines.fal import FalClient, FalConfigError, FalError


def _call(work: Callable[[FalClient], Awaitable[Any]]) -> None:
    from pipelines.resources import from_environment

    ctx = click.get_current_context()
    try:
        fal = from_environment()["fal"].process_config_and_initialize()
        result, _ = fal.run(work)
    except FalConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except FalError as exc:
        click.echo(f"error: {exc}", err=True)
        if ctx.find_root().obj and ctx.find_root().obj.get("debug"):
            raise
        sys.exit(1)
    click.echo(json.dumps(result, indent=2, default=str))


async def _flat(pages: Awaitable[list[list[dict]]]) -> list[dict]:
    """One list of records instead of one per page."""
    return [record for page in await pages for record in page]


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.group()
def api() -> None:
    """Call the fal Platform API operations one by one (JSON out)."""


@api.command()
def models() -> None:
    """Every endpoint in the catalogue."""
    _call(lambda c: c.models())


@api.command()
@click.argument("endpoint_id")
def model(endpoint_id: str) -> None:
    """One catalogue entry."""
    _call(lambda c: c.model(endpoint_id))


@api.command()
@click.argument("endpoint_ids", nargs=-1, required=True)
def pricing(endpoint_ids: tuple[str, ...]) -> None:
    """Prices for ENDPOINT_IDS (unpriced ones are listed apart)."""

    async def work(c: FalClient) -> dict:
        result = await c.pricing(list(endpoint_ids))
        return {"prices": result.prices, "unpriced": result.unpriced}

    _call(work)


@api.command()
@click.option(
    "--type",
    "estimate_type",
    default="unit_price",
    show_default=True,
    type=click.Choice(["unit_price", "historical_api_price"]),
)
@click.argument("pairs", nargs=-1, required=True, metavar="ENDPOINT_ID=QUANTITY...")
def estimate(estimate_type: str, pairs: tuple[str, ...]) -> None:
    """Estimated cost of QUANTITY units (or calls) per endpoint."""
    field = "unit_quantity" if estimate_type == "unit_price" else "call_quantity"
    endpoints: dict[str, dict] = {}
    for pair in pairs:
        endpoint_id, _, quantity = pair.rpartition("=")
        if not endpoint_id:
            raise click.BadParameter(f"{pair!r} is not ENDPOINT_ID=QUANTITY")
        number = float(quantity) if field == "unit_quantity" else int(quantity)
        endpoints[endpoint_id] = {field: number}
    _call(lambda c: c.estimate(estimate_type, endpoints))


@api.command()
@click.option("--start", required=True, help="First UTC day, YYYY-MM-DD.")
@click.option("--end", required=True, help="Last UTC day, inclusive.")
def usage(start: str, end: str) -> None:
    """Usage line items per UTC day."""
    from datetime import timedelta

    first, last = _day(start), _day(end) + timedelta(days=1)
    _call(lambda c: _flat(c.usage(first, last)))


@api.command()
@click.option("--start", required=True)
@click.option("--end", required=True, help="Last UTC day, inclusive.")
@click.argument("endpoint_ids", nargs=-1, required=True)
def analytics(start: str, end: str, endpoint_ids: tuple[str, ...]) -> None:
    """Requests and latencies per UTC day for ENDPOINT_IDS."""
    from datetime import timedelta

    first, last = _day(start), _day(end) + timedelta(days=1)
    _call(lambda c: _flat(c.analytics(first, last, list(endpoint_ids))))


@api.group()
def instances() -> None:
    """Compute instances: list, get, create, delete, start, stop, monitor."""


@instances.command("list")
def instances_list() -> None:
    _call(lambda c: c.instances())


@instances.command("get")
@click.argument("instance_id")
def instances_get(instance_id: str) -> None:
    _call(lambda c: c.instance(instance_id))


@instances.command("create")
@click.argument("instance_type")
@click.option("--ssh-key", help="Public key (required by fal).")
@click.option("--name")
def instances_create(instance_type: str, ssh_key: str | None, name: str | None) -> None:
    _call(lambda c: c.create_instance(instance_type, ssh_key=ssh_key, name=name))


@instances.command("delete")
@click.argument("instance_id")
def instances_delete(instance_id: str) -> None:
    _call(lambda c: c.delete_instance(instance_id))


@instances.command("start")
@click.argument("instance_id")
def instances_start(instance_id: str) -> None:
    _call(lambda c: c.start_instance(instance_id))


@instances.command("stop")
@click.argument("instance_id")
def instances_stop(instance_id: str) -> None:
    _call(lambda c: c.stop_instance(instance_id))


@instances.command("monitor")
@click.argument("instance_id")
@click.option("--metrics", default="cpu,memory", show_default=True)
def instances_monitor(instance_id: str, metrics: str) -> None:
    _call(lambda c: c.monitor_instance(instance_id, metrics))


@api.command()
@click.argument("requests_json")
def batch(requests_json: str) -> None:
    """LowCodeAPI batch: REQUESTS_JSON is a JSON list of {method, path, params}."""
    try:
        requests = json.loads(requests_json)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}") from None
    _call(lambda c: c.batch(requests))
