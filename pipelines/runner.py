"""Run the main job through the Dagster instance (so runs show in the UI) and summarise it."""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

import warehouse
from pipelines import settings
from pipelines.jobs import range_tags


def settle_dagster_home() -> str:
    """``$DAGSTER_HOME``, or ``./.dagster_home`` (set in the environment) with ./dagster.yaml."""
    home = os.environ.get(settings.DAGSTER_HOME)
    if not home:
        home = str(Path(settings.DEFAULT_DAGSTER_HOME).resolve())
        os.environ[settings.DAGSTER_HOME] = home
    Path(home).mkdir(parents=True, exist_ok=True)
    config = Path("dagster.yaml")
    if config.exists() and not (Path(home) / "dagster.yaml").exists():
        shutil.copyfile(config, Path(home) / "dagster.yaml")
    return home


def dagster_instance() -> dg.DagsterInstance:
    """The project's instance (see ``settle_dagster_home``); close it after use."""
    settle_dagster_home()
    return dg.DagsterInstance.get()


LOCK_WAIT_SECONDS = 30.0


class SyncBusyError(RuntimeError):
    """Another sync, or another process, holds the warehouse."""


@contextmanager
def exclusive_sync(warehouse_path: str) -> Iterator[None]:
    """Refuse to start while another ``falcost sync`` writes the same warehouse file.

    DuckDB would make the second one wait on its file lock and fail after its retries; saying
    so at once, with the other process's pid, is clearer. The lock dies with its process.
    """
    lock_path = Path(f"{warehouse_path}.sync.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise SyncBusyError(
                f"another falcost sync (pid {holder}) is writing {warehouse_path}; "
                "wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def wait_for_warehouse(
    path: str, *, timeout: float | None = None, notify: Callable[[str], None] = print
) -> None:
    """Wait (bounded) until no other process holds the DuckDB file, before the run starts.

    Without this, every asset of the run would wait out the warehouse resource's own retries
    in turn. DuckDB's lock error names the holder's program and pid, which is passed on.
    """
    timeout = LOCK_WAIT_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            warehouse.connect(path).close()
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise SyncBusyError(
                    f"the warehouse {path} is still held by another process after {timeout:.0f} s"
                    f" ({exc}); close that session (falcost sql, a DuckDB shell) and retry"
                ) from None
            if not told:
                notify(f"waiting up to {timeout:.0f} s for another process to release {path}")
                told = True
            time.sleep(0.5)


@dataclass
class AssetLine:
    asset: str
    partitions: int = 0
    rows_written: int = 0
    table_rows: int = 0
    requests: int = 0
    retries: int = 0


@dataclass
class SyncOutcome:
    run_id: str
    success: bool
    assets: list[AssetLine] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    failure_details: list[str] = field(default_factory=list)


def _int(metadata: dict, key: str) -> int:
    value = metadata.get(key)
    return int(getattr(value, "value", value) or 0)


def summarise(result: dg.ExecuteInProcessResult) -> SyncOutcome:
    outcome = SyncOutcome(run_id=result.run_id, success=result.success)
    lines: dict[str, AssetLine] = {}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            key = materialization.asset_key.to_user_string()
            line = lines.setdefault(key, AssetLine(asset=key))
            metadata = materialization.metadata
            line.partitions += 1 if materialization.partition else 0
            if line.partitions <= 1:  # a backfill repeats one result per partition
                line.rows_written += _int(metadata, "rows")
                line.requests += _int(metadata, "requests")
                line.retries += _int(metadata, "retries")
            line.table_rows = _int(metadata, "dagster/row_count")
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            if error and error.cls_name == "DagsterAssetCheckFailedError":
                continue  # reported below, by name, from the check's own evaluation
            message = (error.message if error else "failed").strip()
            message = message.removeprefix("dagster._core.definitions.events.Failure: ")
            step = (event.step_key or "").replace("__", "/")
            parts = message.splitlines()
            # A validation failure's second line names the first broken rule; keep it.
            reason = f"{parts[0]} {parts[1].lstrip('- ')}" if len(parts) > 1 else parts[0]
            outcome.failures.append(f"{step}: {reason}")
            outcome.failure_details.append(f"{step}: {error.to_string() if error else message}")
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                outcome.failures.append(
                    f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} failed"
                )
    outcome.assets = list(lines.values())
    return outcome


def run_main_job(start: date, end: date, *, notify: Callable[[str], None] = print) -> SyncOutcome:
    """Materialise every asset for the UTC days ``start``..``end`` (inclusive) in one run.

    Raises ``SyncBusyError`` when another sync or process holds the warehouse.
    """
    from pipelines.definitions import build_definitions
    from pipelines.resources import from_environment

    job = build_definitions(from_environment()).resolve_job_def("main_job")
    path = settings.warehouse_path()
    with exclusive_sync(path):
        wait_for_warehouse(path, notify=notify)
        with dagster_instance() as instance:
            result = job.execute_in_process(
                instance=instance,
                tags=range_tags(start.isoformat(), end.isoformat()),
                run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
                raise_on_error=False,
            )
            return summarise(result)
