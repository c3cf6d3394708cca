"""The rest of the fal bill: serverless machine time, organization usage, API keys, teams, the
credit balance and fal's own FOCUS statement.

Each of these sources may be closed to the account's key (FOCUS and organization data are for
enterprise accounts; a key may lack a billing permission; the LowCodeAPI dialect has none of
them). A refusal is recorded in ``meta.source_access`` and the source skipped: the asset
materializes with ``available: false`` and the rest of the sync goes on. A wrong key (401)
still fails.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
from pydantic import Field

from assets.usage import day_window, replace_window
from pipelines import fetches, frames
from pipelines.fal.errors import FalAuthError, FalNotFoundError, FalUnsupportedError
from pipelines.fetches import Fetch
from pipelines.orchestration.metadata import table_metadata
from pipelines.orchestration.partitions import day_partitions
from pipelines.orchestration.resources import FalPlatformResource, WarehouseResource
from pipelines.validation import validate
from warehouse import loads
from warehouse.statements import statement_months
from warehouse.tables import (
    API_KEYS,
    BILLING_EVENTS,
    CREDIT_BALANCE_SNAPSHOTS,
    FAL_FOCUS_CHARGES,
    ORGANIZATION_TEAMS,
    ORGANIZATION_USAGE_DAILY,
    SERVERLESS_USAGE_DAILY,
    Table,
)

# meta.source_access names a source by the request that may be refused
SOURCES = {
    SERVERLESS_USAGE_DAILY.name: "GET /serverless/usage",
    ORGANIZATION_USAGE_DAILY.name: "GET /organization/usage",
    API_KEYS.name: "GET /keys",
    ORGANIZATION_TEAMS.name: "GET /organization/teams",
    CREDIT_BALANCE_SNAPSHOTS.name: "GET /account/billing",
    FAL_FOCUS_CHARGES.name: "GET /account/focus",
    BILLING_EVENTS.name: "GET /models/billing-events",
}


class Refused(Exception):
    """The source is closed to this key; ``reason`` says why, on one line, without the key."""

    def __init__(self, reason: str, status_code: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code


def _refusal(exc: Exception) -> Refused | None:
    """A refusal (403, no such route, or not in this dialect) as ``Refused``; else None."""
    if isinstance(exc, FalUnsupportedError):
        return Refused(f"not offered by this source: {exc}", None)
    if isinstance(exc, FalAuthError) and exc.status_code == 403:
        kind = f" ({exc.error_type})" if exc.error_type else ""
        return Refused(f"not available to this key: 403{kind}", 403)
    if isinstance(exc, FalNotFoundError):
        return Refused("not available to this key: the API has no such route (404)", 404)
    return None


def _asked(
    fal: FalPlatformResource, fetch: Fetch, log: Callable[[str], None]
) -> tuple[Any, dict[str, int]]:
    """``fetch``'s result and request counts; a refusal raises ``Refused``, every other
    failure as it is."""
    try:
        return fal.fetch(fetch, progress=log)
    except Exception as exc:
        refused = _refusal(exc)
        if refused is None:
            raise
        raise refused from None


def _note_access(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    table: Table,
    refused: Refused | None = None,
) -> dict[str, Any]:
    """Record whether ``table``'s source answered; log a refusal once; return metadata."""
    source = SOURCES[table.name]
    refusal = (refused.status_code, refused.reason) if refused else None
    with warehouse.get_connection() as con:
        news = loads.record_source_access(con, source, at=datetime.now(UTC), refusal=refusal)
    if refused is None:
        return {"available": True, "source": source}
    line = f"{source}: {refused.reason}; {table.name} skipped"
    (context.log.warning if news else context.log.info)(line)
    return {"available": False, "source": source, "skipped": refused.reason}


def _skipped(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    table: Table,
    refused: Refused,
) -> dg.MaterializeResult:
    metadata = _note_access(context, warehouse, table, refused)
    with warehouse.get_connection() as con:
        return dg.MaterializeResult(metadata=table_metadata(con, table.name, **metadata))


def _daily(table: Table, fetch: Callable[[date, date], Fetch], empty, description: str):
    """A day-partitioned asset over one optional daily series (``fetch`` for a window)."""

    @dg.asset(
        key=table.asset_key,
        partitions_def=day_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name="bill",
        kinds={"duckdb", "polars"},
        pool="duckdb",
        description=description,
    )
    def series(
        context: dg.AssetExecutionContext, fal: FalPlatformResource, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        start, end = day_window(context)
        try:
            pages, stats = _asked(fal, fetch(start, end), context.log.info)
        except Refused as refused:
            return _skipped(context, warehouse, table, refused)
        _note_access(context, warehouse, table)
        frame = validate(frames.concat(pages, empty([])), table)
        return replace_window(context, warehouse, table, frame, stats)

    return series


raw_serverless_usage_daily = _daily(
    SERVERLESS_USAGE_DAILY,
    fetches.serverless_usage,
    frames.serverless_frame,
    "Machine time of the account's own serverless apps per UTC day, app, environment, machine "
    "type and surge flag (GET /serverless/usage); re-pulled and replaced like usage.",
)
raw_organization_usage_daily = _daily(
    ORGANIZATION_USAGE_DAILY,
    fetches.organization_usage,
    frames.organization_usage_frame,
    "Every team's usage per UTC day and product (GET /organization/usage, enterprise accounts); "
    "skipped and recorded in meta.source_access when the key may not read it.",
)


def _listing(table: Table, fetch: Fetch, description: str):
    """An unpartitioned asset over one optional listing, upserted (keys, teams)."""

    @dg.asset(
        key=table.asset_key,
        group_name="bill",
        kinds={"duckdb", "polars"},
        pool="duckdb",
        description=description,
    )
    def listing(
        context: dg.AssetExecutionContext, fal: FalPlatformResource, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        try:
            found, stats = _asked(fal, fetch, context.log.info)
        except Refused as refused:
            return _skipped(context, warehouse, table, refused)
        metadata = _note_access(context, warehouse, table) | stats
        frame = validate(frames.table_frame(found, table), table)
        with warehouse.get_connection() as con:
            written = loads.upsert_listing(
                con, table, frame, load_id=context.run.run_id, loaded_at=datetime.now(UTC)
            )
            context.log.info(f"{table.name}: {written} listed")
            return dg.MaterializeResult(
                metadata=table_metadata(con, table.name, written=written, **metadata)
            )

    return listing


raw_api_keys = _listing(
    API_KEYS,
    fetches.keys(),
    "The account's API keys (GET /keys): alias, scope, creation date and creator, so usage "
    "billed to a key gets a name. Never the key secret.",
)
raw_organization_teams = _listing(
    ORGANIZATION_TEAMS,
    fetches.teams(),
    "The teams of an enterprise organization (GET /organization/teams); skipped when the key "
    "may not read it.",
)


@dg.asset(
    key=CREDIT_BALANCE_SNAPSHOTS.asset_key,
    group_name="bill",
    kinds={"duckdb", "polars"},
    pool="duckdb",
    description=(
        "The prepaid credit balance, read once per sync (GET /account/billing?expand=credits) "
        "and stamped with the server's clock: its falls between reads are the credit burn the "
        "reconciliation compares with, its rises top-ups."
    ),
)
def raw_credit_balance_snapshots(
    context: dg.AssetExecutionContext, fal: FalPlatformResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    table = CREDIT_BALANCE_SNAPSHOTS
    try:
        record, stats = _asked(fal, fetches.credit_balance(), context.log.info)
    except Refused as refused:
        return _skipped(context, warehouse, table, refused)
    metadata = _note_access(context, warehouse, table) | stats
    frame = validate(frames.table_frame([record], table), table)
    snapshot_at = record["snapshot_at"]
    context.log.info(
        f"credit balance {record['current_balance']} {record['currency']} "
        f"at {snapshot_at:%Y-%m-%d %H:%M:%S}Z"
    )
    with warehouse.get_connection() as con:
        written = loads.append_snapshot(
            con,
            table,
            frame,
            snapshot_at=snapshot_at,
            load_id=context.run.run_id,
            loaded_at=datetime.now(UTC),
        )
        return dg.MaterializeResult(
            metadata=table_metadata(
                con, table.name, written=written, snapshot_at=str(snapshot_at), **metadata
            )
        )


# -- fal's FOCUS statement ---------------------------------------------------------------------


@dg.asset(
    key=FAL_FOCUS_CHARGES.asset_key,
    partitions_def=day_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="bill",
    kinds={"duckdb", "polars"},
    pool="duckdb",
    description=(
        "fal's own FinOps FOCUS statement (GET /account/focus, CSV, enterprise accounts), as "
        "sent: the invoice of each closed month the days touch (charge_month; billing_month is "
        "the month after), else the month's estimate to date; months still awaiting their "
        "invoice are asked again. Skipped when the key may not read it."
    ),
)
def raw_fal_focus_charges(
    context: dg.AssetExecutionContext, fal: FalPlatformResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    table = FAL_FOCUS_CHARGES
    start, end = day_window(context)
    with warehouse.get_connection() as con:
        months = statement_months(con, start, end)
    try:
        found, stats = _asked(fal, fetches.focus(months, end), context.log.info)
    except Refused as refused:
        return _skipped(context, warehouse, table, refused)
    metadata = _note_access(context, warehouse, table) | stats
    loaded_at = datetime.now(UTC)
    written, asked = 0, []
    with warehouse.get_connection() as con:
        for statement in found:
            frame = validate(frames.table_frame(statement.lines, table), table)
            written += loads.replace_statement(
                con,
                frame,
                source=statement.source,
                charge_month=statement.charge_month,
                load_id=context.run.run_id,
                loaded_at=loaded_at,
            )
            asked.append(f"{statement.charge_month:%Y-%m} {statement.source}")
        context.log.info(f"{table.name}: {written} lines ({', '.join(asked) or 'none'})")
        return dg.MaterializeResult(
            metadata=table_metadata(
                con, table.name, written=written, statements=", ".join(asked), **metadata
            )
        )


class BillingEventsConfig(dg.Config):
    enabled: bool = Field(
        default=False,
        description="load every billed request of the run's days (an account can have millions "
        "a day); set by FALCOST_BILLING_EVENTS=1 for `falcost sync`",
    )


@dg.asset(
    key=BILLING_EVENTS.asset_key,
    partitions_def=day_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="bill",
    kinds={"duckdb", "polars"},
    pool="duckdb",
    description=(
        "Per-request billing events (GET /models/billing-events), off unless turned on for a run "
        "(config `enabled`, FALCOST_BILLING_EVENTS=1): the days turned on are replaced like "
        "usage and reconciled against it; days left off keep what they hold."
    ),
)
def raw_billing_events(
    context: dg.AssetExecutionContext,
    config: BillingEventsConfig,
    fal: FalPlatformResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    table = BILLING_EVENTS
    if not config.enabled:
        context.log.info(f"{table.name}: off (FALCOST_BILLING_EVENTS=1 loads them)")
        with warehouse.get_connection() as con:
            return dg.MaterializeResult(metadata=table_metadata(con, table.name, enabled=False))
    start, end = day_window(context)
    try:
        pages, stats = _asked(fal, fetches.billing_events(start, end), context.log.info)
    except Refused as refused:
        return _skipped(context, warehouse, table, refused)
    _note_access(context, warehouse, table)
    frame = validate(frames.concat(pages, frames.billing_events_frame([])), table)
    return replace_window(context, warehouse, table, frame, stats)


bill_assets = [
    raw_serverless_usage_daily,
    raw_organization_usage_daily,
    raw_api_keys,
    raw_organization_teams,
    raw_credit_balance_snapshots,
    raw_fal_focus_charges,
    raw_billing_events,
]
