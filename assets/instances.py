"""Compute instance snapshots: fal reports no timestamps, so history is kept by snapshotting."""

from datetime import UTC, datetime

import dagster as dg

from pipelines import fetches, frames
from pipelines.orchestration.metadata import table_metadata
from pipelines.orchestration.resources import FalPlatformResource, WarehouseResource
from pipelines.validation import validate
from warehouse import loads
from warehouse.tables import INSTANCE_SNAPSHOTS


@dg.asset(
    key=INSTANCE_SNAPSHOTS.asset_key,
    group_name="compute",
    kinds={"duckdb", "polars"},
    pool="duckdb",
    description=(
        "Every compute instance as listed now (GET /compute/instances), appended as one "
        "snapshot; scheduled every 15 minutes."
    ),
)
def raw_instance_snapshots(
    context: dg.AssetExecutionContext, fal: FalPlatformResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    snapshot_at = datetime.now(UTC).replace(microsecond=0)
    records, stats = fal.fetch(fetches.instances())
    frame = validate(frames.instances_frame(records), INSTANCE_SNAPSHOTS)
    context.log.info(f"instances: {frame.height} listed at {snapshot_at:%Y-%m-%d %H:%M:%S}Z")
    with warehouse.get_connection() as con:
        written = loads.append_snapshot(
            con,
            INSTANCE_SNAPSHOTS,
            frame,
            snapshot_at=snapshot_at,
            load_id=context.run.run_id,
            loaded_at=snapshot_at,
        )
        return dg.MaterializeResult(
            metadata=table_metadata(
                con,
                INSTANCE_SNAPSHOTS.name,
                written=written,
                snapshot_at=str(snapshot_at),
                **stats,
            )
        )
