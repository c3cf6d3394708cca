"""Run the real main job against a simulator on loopback and a DuckDB file."""

from __future__ import annotations

from datetime import date

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.orchestration.jobs import range_tags
from pipelines.orchestration.resources import FalPlatformResource, WarehouseResource
from pipelines.sim import SIM_FAL_KEY, SIM_LOWCODE_TOKEN


def resources(
    url: str, warehouse_path: str, dialect: str = "fal", secret: str | None = None
) -> dict:
    if dialect == "fal":
        fal = FalPlatformResource(
            source="fal",
            fal_key=secret or SIM_FAL_KEY,
            fal_base_url=f"{url}/v1",
            warehouse_path=warehouse_path,
        )
    else:
        fal = FalPlatformResource(
            source="lowcodeapi",
            lowcodeapi_token=secret or SIM_LOWCODE_TOKEN,
            lowcodeapi_base_url=f"{url}/falai",
            warehouse_path=warehouse_path,
        )
    return {"fal": fal, "warehouse": WarehouseResource(database=warehouse_path)}


def run_job(
    url: str,
    warehouse_path: str,
    first: date,
    last: date,
    *,
    job: str = "main_job",
    dialect: str = "fal",
    instance: dg.DagsterInstance | None = None,
    secret: str | None = None,
    run_config: dict | None = None,
) -> dg.ExecuteInProcessResult:
    defs = build_definitions(resources(url, warehouse_path, dialect, secret))
    if instance is None:
        with dg.DagsterInstance.ephemeral() as ephemeral:
            return run_job(
                url,
                warehouse_path,
                first,
                last,
                job=job,
                dialect=dialect,
                instance=ephemeral,
                run_config=run_config,
            )
    return defs.resolve_job_def(job).execute_in_process(
        tags=range_tags(first.isoformat(), last.isoformat()),
        instance=instance,
        run_config=run_config,
        raise_on_error=False,
    )
