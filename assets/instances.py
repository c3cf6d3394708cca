"""Compute instance snapshots: fal reports no timestamps, so history is kept by snapshotting."""

from datetime import UTC, datetime

import dagster as dg

from pipelines import frames
from pipelines.metadata import table_metadata
from pipelines.resources import FalPlatformResource, WarehouseResource
from pipelines.schemas import RawInstanceSnapshots
from pipelines.validation import validate
from warehouse import loads


@dg.asset(
    key=["raw", "instance_snapshots"],
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
    records, stats = fal.run(lambda client: client.instances())
    frame = validate(
        frames.instances_frame(records), RawInstanceSnapshots, "raw.instance_snapshots"
    )
    context.log.info(f"instances: {frame.height} listed at {snapshot_at:%Y-%m-%d %H:%M:%S}Z")
    with warehouse.get_connection() as con:
        written = loads.append_snapshot(
            con, frame, snapshot_at=snapshot_at, load_id=context.run.run_id, loaded_at=snapshot_at
        )
        return dg.MaterializeResult(
            metadata=table_metadata(
                con,
                "raw.instance_snapshots",
                written=written,
                snapshot_at=str(snapshot_at),
                **stats,
            )
        )
