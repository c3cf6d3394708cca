"""Daily usage and analytics, partitioned by UTC day; a backfill is one run and one API session."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import polars as pl

from assets.catalog import raw_models
from assets.checks import check_results, check_specs
from pipelines import accounts, fetches, frames
from pipelines.memory import release_freed_memory
from pipelines.orchestration.metadata import table_metadata
from pipelines.orchestration.partitions import day_partitions
from pipelines.orchestration.resources import FalPlatformResource, WarehouseResource
from pipelines.validation import one_currency, validate
from warehouse import loads
from warehouse.tables import ANALYTICS_DAILY, USAGE_DAILY, Table


def day_window(context: dg.AssetExecutionContext) -> tuple[date, date]:
    window = context.partition_time_window
    return window.start.date(), window.end.date()


RUN_PREFIX = "run_"  # run-level figures, repeated on every day of a ranged run, say so


def _day_metadata(context: dg.AssetExecutionContext, table: Table, frame: pl.DataFrame) -> None:
    """Each day partition's own rows (and cost, for tables that have one)."""
    day = pl.col(table.day_column)
    figures = [pl.len().alias("day_rows")]
    if "cost_total" in frame.columns:
        figures.append(pl.col("cost_total").sum().cast(pl.Float64).alias("day_cost_usd"))
    per_day = {
        str(row.pop(table.day_column)): row for row in frame.group_by(day).agg(figures).to_dicts()
    }
    for key in context.partition_keys:
        loaded = per_day.get(
            accounts.split_key(key)[1],
            {"day_rows": 0} | ({"day_cost_usd": 0.0} if len(figures) > 1 else {}),
        )
        context.add_asset_metadata(loaded, partition_key=key)


def replace_window(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    table: Table,
    frame: pl.DataFrame,
    stats: dict[str, int],
) -> dg.MaterializeResult:
    """Load a validated frame over the run's day window (one transaction) and report it."""
    start, end = day_window(context)
    release_freed_memory()
    context.log.info(
        f"{table.name} {start}..{end - timedelta(days=1)}: {frame.height} rows, "
        f"{stats['requests']} requests, {stats['retries']} retries"
    )
    with warehouse.get_connection() as con:
        written = loads.replace_days(
            con,
            table,
            frame,
            start=start,
            end=end,
            load_id=context.run.run_id,
            loaded_at=datetime.now(UTC),
        )
        revised = loads.revised_by(con, table, context.run.run_id)
        if revised:
            context.log.info(
                f"{table.name}: {revised['revised_days']} days revised since last loaded, "
                f"{revised['revised_usd']:+} USD"
            )
        _day_metadata(context, table, frame)
        run_level = {"days": len(context.partition_keys), "first_day": str(start)}
        run_level |= {"rows": written, **revised, **stats}
        return dg.MaterializeResult(
            metadata=table_metadata(
                con, table.name, **{f"{RUN_PREFIX}{key}": v for key, v in run_level.items()}
            ),
            check_results=check_results(
                con, context.asset_key.to_user_string(), window=(start, end)
            ),
        )


@dg.asset(
    key=USAGE_DAILY.asset_key,
    check_specs=check_specs(USAGE_DAILY.path),
    partitions_def=day_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="usage",
    kinds={"duckdb", "polars"},
    pool="duckdb",
    description=(
        "Billed usage per UTC day, endpoint, unit, price, discount rate and API key "
        "(GET /models/usage, timeframe=day, timezone=UTC). Re-running a day range replaces it "
        "in one transaction; the daily schedule re-pulls the 3 days before yesterday because "
        "usage arrives late. Amounts in a second currency are refused (the marts add them)."
    ),
)
def raw_usage_daily(
    context: dg.AssetExecutionContext, fal: FalPlatformResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    start, end = day_window(context)
    pages, stats = fal.fetch(fetches.usage(start, end), progress=context.log.info)
    frame = validate(frames.concat(pages, frames.usage_frame([])), USAGE_DAILY)
    with warehouse.get_connection() as con:
        held = loads.currencies_outside(con, USAGE_DAILY, start=start, end=end)
    one_currency(frame, USAGE_DAILY, window=f"{start}..{end - timedelta(days=1)}", held=held)
    return replace_window(context, warehouse, USAGE_DAILY, frame, stats)


@dg.asset(
    key=ANALYTICS_DAILY.asset_key,
    check_specs=check_specs(ANALYTICS_DAILY.path),
    deps=[raw_models],
    partitions_def=day_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="usage",
    kinds={"duckdb", "polars"},
    pool="duckdb",
    description=(
        "Requests, outcomes and latency per UTC day and endpoint (GET /models/analytics) for "
        "every endpoint in raw.models, asked 50 endpoints at a time."
    ),
)
def raw_analytics_daily(
    context: dg.AssetExecutionContext, fal: FalPlatformResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    start, end = day_window(context)
    with warehouse.get_connection() as con:
        endpoint_ids = [
            row[0]
            for row in con.execute("select endpoint_id from raw.models order by 1").fetchall()
        ]
    if not endpoint_ids:
        raise dg.Failure("raw.models is empty: materialize raw/models before raw/analytics_daily")
    pages, stats = fal.fetch(fetches.analytics(start, end, endpoint_ids), progress=context.log.info)
    frame = validate(frames.concat(pages, frames.analytics_frame([])), ANALYTICS_DAILY)
    return replace_window(context, warehouse, ANALYTICS_DAILY, frame, stats)
