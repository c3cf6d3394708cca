"""``falcost api …``: every operation of the LowCodeAPI page (LOWCODEAPI.md), one command each,
printing JSON on stdout.

Options keep that page's parameter names (``--limit --offset --search``, ``--start --end
--model-id``, ``--metric``, ``--status``, ``--metrics``); where fal's own API differs, the
client maps them (the command-line section of ``pipelines/fal/client.py``). Exit status: 0
done; 1 the API refused or failed, with its message on one line; 2 bad input or an operation
the configured source does not have, caught before any request.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click

from pipelines.cli.options import day_option
from pipelines.fal import FalClient, FalConfigError, FalError, FalUnsupportedError

DEFAULT_DAYS = 7
DEFAULT_PAGE = 20  # LowCodeAPI's example asks for 20 models
# The LowCodeAPI example's ``metric=requests`` and its kin, as fal's analytics metrics (API.md §7)
METRIC_ALIASES = {
    "requests": ("request_count",),
    "successes": ("success_count",),
    "user_errors": ("user_error_count",),
    "errors": ("error_count",),
    "latency": ("p50_duration", "p90_duration"),
}
FAL_METRICS = (
    "request_count", "success_count", "user_error_count", "error_count",
    "startup_error_count", "connection_error_count", "timeout_error_count", "runtime_error_count",
    "p50_prepare_duration", "p75_prepare_duration", "p90_prepare_duration",
    "p95_prepare_duration", "p99_prepare_duration",
    "p25_duration", "p50_duration", "p75_duration", "p90_duration", "p95_duration", "p99_duration",
    "cold_boot_count", "p50_cold_boot_duration", "p75_cold_boot_duration",
    "p90_cold_boot_duration", "total_billable_duration",
)  # fmt: skip
BATCH_METHODS = ("GET", "POST", "DELETE")
UNSUPPORTED_HINT = (
    "choose a source that has it: start, stop, monitor and batch exist through LowCodeAPI "
    "(LOWCODEAPI_TOKEN), estimate only in fal's own API (FAL_KEY)"
)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _call(work: Callable[[FalClient], Awaitable[Any]]) -> None:
    """Run ``work`` with a client for the configured source and print its result as JSON."""
    from pipelines.orchestration.resources import from_environment

    debug = bool((click.get_current_context().find_root().obj or {}).get("debug"))
    try:
        resource = from_environment()["fal"]
    except ValueError as exc:  # a setting that is not a number
        click.echo(f"error: {_one_line(exc)}", err=True)
        sys.exit(2)
    # the context manager closes the throwaway Dagster instance that resolving config needs
    with resource.process_config_and_initialize_cm() as fal:
        try:
            fal.client()  # a missing key or an unsafe URL is reported before any request
            result, _ = fal.run(work)
        except (FalConfigError, FalUnsupportedError) as exc:
            hint = f"; {UNSUPPORTED_HINT}" if isinstance(exc, FalUnsupportedError) else ""
            click.echo(f"error: {_one_line(exc)}{hint}", err=True)
            sys.exit(2)
        except FalError as exc:
            if debug:
                raise
            click.echo(f"error: {_one_line(exc)}", err=True)
            sys.exit(1)
    click.echo(json.dumps(result, indent=2, default=str))


def _days(start: str | None, end: str | None) -> tuple[date, date]:
    """``--start``/``--end`` (inclusive UTC days) as the half-open range the client takes."""
    last = day_option(end, "--end") or datetime.now(UTC).date() - timedelta(days=1)
    first = day_option(start, "--start") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise click.UsageError(f"--start {first} is after --end {last}")
    return first, last + timedelta(days=1)


def _sorted(rows: list[dict]) -> list[dict]:
    """Records fetched concurrently, in a stable order (day, then endpoint, then the rest)."""
    return sorted(rows, key=lambda r: [str(v) for v in r.values()])


def _json_object(text: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint=name) from None
    if not isinstance(value, dict):
        example = '{"max_workers": 4}'
        raise click.BadParameter(f"must be a JSON object, e.g. '{example}'", param_hint=name)
    return value


@click.group()
def api() -> None:
    """Call the fal Platform API one operation at a time; JSON on stdout.

    Every operation of LowCodeAPI's fal.ai page, with its parameter names, against the
    configured source (FALCOST_SOURCE: fal, lowcodeapi or the built-in simulator).
    Exit status: 0 done, 1 the API refused or failed, 2 bad input (nothing sent).
    """


@api.command()
@click.option("--limit", type=click.IntRange(min=1), help="Entries in the page.")
@click.option("--offset", type=click.IntRange(min=0), help="Entries to skip first.")
@click.option("--search", help="Free text matched against name, description and category.")
def models(limit: int | None, offset: int | None, search: str | None) -> None:
    """List the model catalogue: all of it, or one page with --limit/--offset.

    \b
    falcost api models --limit 20
    falcost api models --search "text to image" --limit 5 --offset 5
    falcost api models --search upscale        # every match, all pages

    A page alone given --offset has 20 entries.
    """
    if limit is not None or offset is not None:
        page = {"limit": limit or DEFAULT_PAGE, "offset": offset or 0, "search": search}
        _call(lambda c: c.models_page(**page))
    elif search:
        _call(lambda c: c.search_models(search))
    else:
        _call(lambda c: c.models())


@api.command()
@click.argument("model_id")
def model(model_id: str) -> None:
    """Show one model's details as the API returns them.

    \b
    falcost api model fal-ai/flux-pro
    """
    _call(lambda c: c.model(model_id))


@api.command()
@click.argument("model_ids", nargs=-1, metavar="[MODEL_ID]...")
def pricing(model_ids: tuple[str, ...]) -> None:
    """Show list prices of MODEL_IDs, or of every model when none is given.

    \b
    falcost api pricing fal-ai/flux-pro
    falcost api pricing                         # the whole catalogue

    Prints {"prices": [...], "unpriced": [...]}: models the pricing API has no price for are
    listed apart.
    """

    async def work(c: FalClient) -> dict:
        result = await (c.pricing(list(model_ids)) if model_ids else c.all_prices())
        return {"prices": result.prices, "unpriced": result.unpriced}

    _call(work)


def _quantity(pair: str, calls: bool) -> tuple[str, int | float]:
    endpoint_id, _, raw = pair.rpartition("=")
    kind = "a whole number of calls >= 1" if calls else "a number of units > 0"
    if not endpoint_id:
        raise click.BadParameter(f"{pair!r} is not MODEL_ID=QUANTITY")
    try:
        number = int(raw) if calls else float(raw)
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or number < (1 if calls else 1e-6):
        raise click.BadParameter(f"{pair!r}: the quantity must be {kind}")
    return endpoint_id, number


@api.command()
@click.option(
    "--type",
    "estimate_type",
    default="unit_price",
    show_default=True,
    type=click.Choice(["unit_price", "historical_api_price"]),
    help="unit_price: QUANTITY is billing units; historical_api_price: QUANTITY is calls.",
)
@click.argument("pairs", nargs=-1, required=True, metavar="MODEL_ID=QUANTITY...")
def estimate(estimate_type: str, pairs: tuple[str, ...]) -> None:
    """Estimate the cost of QUANTITY units (or calls) per model (fal's own API only).

    \b
    falcost api estimate fal-ai/flux/dev=50 fal-ai/flux-pro=25
    falcost api estimate --type historical_api_price fal-ai/flux/dev=100
    """
    calls = estimate_type == "historical_api_price"
    field = "call_quantity" if calls else "unit_quantity"
    endpoints = {e: {field: n} for e, n in (_quantity(pair, calls) for pair in pairs)}
    _call(lambda c: c.estimate(estimate_type, endpoints))


@api.command()
@click.option("--start", help="First UTC day, YYYY-MM-DD (default: 6 days before --end).")
@click.option("--end", help="Last UTC day, inclusive (default: yesterday).")
@click.option("--model-id", "model_ids", multiple=True, help="Only this model (repeatable).")
def usage(start: str | None, end: str | None, model_ids: tuple[str, ...]) -> None:
    """Show billed usage line items per UTC day, model, unit and API key.

    \b
    falcost api usage --start 2024-01-01 --end 2024-01-31
    falcost api usage --start 2024-01-01 --model-id fal-ai/flux-pro
    """
    first, after = _days(start, end)

    async def work(c: FalClient) -> list[dict]:
        if model_ids:
            return _sorted(await c.usage_of(first, after, model_ids))
        return _sorted([row for page in await c.usage(first, after) for row in page])

    _call(work)


def _metrics(values: tuple[str, ...]) -> tuple[str, ...]:
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    out: list[str] = []
    for name in names or ["requests"]:
        if name not in METRIC_ALIASES and name not in FAL_METRICS:
            raise click.BadParameter(
                f"{name!r} is not a metric; use one of {', '.join(METRIC_ALIASES)} "
                "or a fal analytics metric (request_count, p99_duration, ...)",
                param_hint="--metric",
            )
        out.extend(METRIC_ALIASES.get(name, (name,)))
    return tuple(dict.fromkeys(out))


@api.command()
@click.option("--start", help="First UTC day, YYYY-MM-DD (default: 6 days before --end).")
@click.option("--end", help="Last UTC day, inclusive (default: yesterday).")
@click.option(
    "--metric",
    "metric_values",
    multiple=True,
    help="requests (default), successes, user_errors, errors, latency (p50 and p90), "
    "or any fal metric name; repeatable or comma-separated.",
)
@click.option("--model-id", "model_ids", multiple=True, help="Only this model (repeatable).")
def analytics(
    start: str | None, end: str | None, metric_values: tuple[str, ...], model_ids: tuple[str, ...]
) -> None:
    """Show request metrics per UTC day and model.

    \b
    falcost api analytics --start 2024-01-01 --end 2024-01-31 --metric requests
    falcost api analytics --metric errors,latency --model-id fal-ai/flux/dev

    The names map onto fal's analytics metrics: requests = request_count, successes =
    success_count, user_errors = user_error_count (4xx), errors = error_count (5xx),
    latency = p50_duration and p90_duration (seconds). fal's own names (p99_duration,
    cold_boot_count, ...) are taken as they are. fal needs model ids: without --model-id
    every model of the catalogue is asked.
    """
    first, after = _days(start, end)
    metrics = _metrics(metric_values)

    async def work(c: FalClient) -> list[dict]:
        return _sorted(await c.analytics_of(first, after, metrics, model_ids))

    _call(work)


@api.group()
def instances() -> None:
    """Compute instances: list, get, create, start, stop, monitor, delete."""


@instances.command("list")
@click.option("--status", help="active (ready, init, pending, provisioning), stopped, ...")
@click.option("--limit", type=click.IntRange(min=1), help="Instances in the page.")
@click.option("--offset", type=click.IntRange(min=0), help="Instances to skip first.")
def instances_list(status: str | None, limit: int | None, offset: int | None) -> None:
    """List compute instances, all or one page, optionally by status.

    \b
    falcost api instances list --status active
    falcost api instances list --limit 10 --offset 10
    """
    page = {"status": status, "limit": limit, "offset": offset or 0}
    if limit is None and offset is not None:
        page["limit"] = DEFAULT_PAGE
    _call(lambda c: c.instances_page(**page))


@instances.command("get")
@click.argument("instance_id")
def instances_get(instance_id: str) -> None:
    """Show one compute instance.

    \b
    falcost api instances get inst_abc123xyz
    """
    _call(lambda c: c.instance(instance_id))


@instances.command("create")
@click.argument("instance_type")
@click.option("--name", help="A name for the instance.")
@click.option("--config", "config_json", help="Configuration as a JSON object.")
@click.option("--ssh-key", help="Public SSH key (fal requires one).")
@click.option("--sector", help="sector_1, sector_2 or sector_3 (gpu_8x_h100_sxm5 only).")
def instances_create(
    instance_type: str,
    name: str | None,
    config_json: str | None,
    ssh_key: str | None,
    sector: str | None,
) -> None:
    """Create a compute instance of INSTANCE_TYPE (billed from now on); prints it.

    \b
    falcost api instances create gpu_1x_h100_sxm5 --name my-ai-workflow \\
        --ssh-key "$(cat ~/.ssh/id_ed25519.pub)" --config '{"max_workers": 4}'

    A request the API refuses (an unknown type, no SSH key) prints its reason; nothing is
    created.
    """
    config = _json_object(config_json, "--config") if config_json is not None else None
    fields = {"ssh_key": ssh_key, "name": name, "sector": sector, "config": config}
    _call(lambda c: c.create_instance(instance_type, **fields))


@instances.command("start")
@click.argument("instance_id")
def instances_start(instance_id: str) -> None:
    """Start a stopped instance (LowCodeAPI only; fal has no start).

    \b
    falcost api instances start inst_abc123xyz
    """
    _call(lambda c: c.start_instance(instance_id))


@instances.command("stop")
@click.argument("instance_id")
def instances_stop(instance_id: str) -> None:
    """Stop a running instance (LowCodeAPI only; fal has no stop).

    \b
    falcost api instances stop inst_abc123xyz
    """
    _call(lambda c: c.stop_instance(instance_id))


@instances.command("monitor")
@click.argument("instance_id")
@click.option("--metrics", default="cpu,memory", show_default=True, help="Comma-separated.")
def instances_monitor(instance_id: str, metrics: str) -> None:
    """Show an instance's current metrics (LowCodeAPI only).

    \b
    falcost api instances monitor inst_abc123xyz --metrics cpu,memory
    """
    _call(lambda c: c.monitor_instance(instance_id, metrics))


@instances.command("delete")
@click.argument("instance_id")
def instances_delete(instance_id: str) -> None:
    """Delete an instance for good (billing stops; fal's own API).

    \b
    falcost api instances delete inst_abc123xyz
    """

    async def work(c: FalClient) -> dict[str, str]:
        await c.delete_instance(instance_id)
        return {"deleted": instance_id}

    _call(work)


def _batch_text(source: str) -> tuple[str, str]:
    """The JSON text of REQUESTS and where it came from (for error messages)."""
    if source == "-":
        return sys.stdin.read(), "stdin"
    if source.lstrip().startswith(("[", "{")):
        return source, "the argument"
    try:
        with open(source, encoding="utf-8") as handle:
            return handle.read(), source
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise click.BadParameter(f"cannot read {source}: {reason}", param_hint="REQUESTS") from None


def _batch_requests(source: str) -> list[dict[str, Any]]:
    text, where = _batch_text(source)
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"{where} is not JSON: {exc}", param_hint="REQUESTS") from None
    requests = value.get("requests") if isinstance(value, dict) else value
    if not isinstance(requests, list) or not requests:
        problem = 'needs a non-empty list of requests, or {"requests": [...]}'
        raise click.BadParameter(f"{where} {problem}", param_hint="REQUESTS")
    for number, request in enumerate(requests, 1):
        problem = None
        if not isinstance(request, dict) or not isinstance(request.get("path"), str):
            problem = "is not an object with a path"
        elif str(request.get("method", "GET")).upper() not in BATCH_METHODS:
            problem = f"has method {request.get('method')!r}; use GET, POST or DELETE"
        elif not isinstance(request.get("params", {}), dict):
            problem = "has params that are not an object"
        if problem:
            raise click.BadParameter(f"{where}: request {number} {problem}", param_hint="REQUESTS")
    return requests


@api.command()
@click.argument("requests_source", metavar="REQUESTS")
def batch(requests_source: str) -> None:
    """Send several calls in one request (LowCodeAPI only).

    REQUESTS is a JSON file, - for stdin, or the JSON itself: {"requests": [...]} or the bare
    list, each call {"method": "GET", "path": "/v1/models", "params": {"limit": 10}}.

    \b
    falcost api batch calls.json
    echo '[{"method": "GET", "path": "/v1/pricing"}]' | falcost api batch -
    """
    requests = _batch_requests(requests_source)
    _call(lambda c: c.batch(requests))
