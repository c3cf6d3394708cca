"""Run the main job through the Dagster instance (so runs show in the UI) and summarise it."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import click
import dagster as dg

from assets.checks import GATES
from pipelines import settings
from pipelines.cli.guards import settle_dagster_home
from pipelines.orchestration.jobs import range_tags
from pipelines.validation import ValidationFailure
from warehouse.tables import BILLING_EVENTS

PID_TAG = "falcost/pid"
# A pid means something only on its own machine, and a PostgreSQL-backed history is shared.
HOST_TAG = "falcost/host"
LOCATION_NAME = "falcost"  # the code location's name: pyproject's [tool.dg.project], falcost ui
DEFINITIONS_MODULE = "pipelines.definitions"
# Dagster's switch for one planned event per asset of a ranged run (see ``_run_once``).
PLANNED_AS_SUBSET = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
# the steps that read the whole warehouse: with several accounts, once after all their runs
TEAM_GROUPS = frozenset({"publish", "alerts", "reports", "exports"})


def dagster_instance() -> dg.DagsterInstance:
    """The project's instance (see ``settle_dagster_home``); close it after use."""
    settle_dagster_home()
    return dg.DagsterInstance.get()


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
    run_ids: list[str]
    success: bool
    assets: list[AssetLine] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    failure_details: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sources closed to this key, and why


def _int(metadata: dict, key: str) -> int:
    value = metadata.get(key)
    return int(getattr(value, "value", value) or 0)


def _root_message(error) -> str:
    """The asset's own error, not Dagster's wrapper, without the exception's module path."""
    if error is None:
        return "failed"
    while error.cause is not None:
        error = error.cause
    message = error.message.strip()
    head, sep, rest = message.partition(": ")
    return rest if sep and "." in head and " " not in head else message


def summarise(result: dg.ExecuteInProcessResult | dg.JobExecutionResult) -> SyncOutcome:
    outcome = SyncOutcome(run_ids=[result.run_id], success=result.success)
    lines: dict[str, AssetLine] = {}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            key = materialization.asset_key.to_user_string()
            line = lines.setdefault(key, AssetLine(asset=key))
            metadata = materialization.metadata
            line.partitions += 1 if materialization.partition else 0
            if line.partitions <= 1:  # a backfill repeats one result per partition
                # a day-partitioned load labels its run-level figures ``run_…``
                line.rows_written += _int(metadata, "rows") or _int(metadata, "run_rows")
                line.requests += _int(metadata, "requests") or _int(metadata, "run_requests")
                line.retries += _int(metadata, "retries") or _int(metadata, "run_retries")
            line.table_rows = _int(metadata, "dagster/row_count")
            if "skipped" in metadata:
                source = getattr(metadata["source"], "value", metadata["source"])
                reason = getattr(metadata["skipped"], "value", metadata["skipped"])
                outcome.skipped.append(f"{source}: {reason}")
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            if error and error.cls_name in ("DagsterAssetCheckFailedError", "CheckRefusal"):
                continue  # reported below, by name, from the check's own evaluation
            message = _root_message(error)
            step = (event.step_key or "").replace("__", "/")
            # A validation failure carries its headline and first broken rule as metadata.
            data = event.event_specific_data.user_failure_data
            refused = ValidationFailure.one_line(data.metadata) if data else None
            reason = refused or message.splitlines()[0]
            outcome.failures.append(f"{step}: {reason}")
            outcome.failure_details.append(f"{step}: {error.to_string() if error else message}")
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                said = f": {evaluation.description}" if evaluation.description else ""
                outcome.failures.append(
                    f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} "
                    f"failed{said}"
                )
    outcome.assets = list(lines.values())
    outcome.skipped = sorted(set(outcome.skipped))
    return outcome


def gate_config(env: Mapping[str, str] = os.environ) -> dict:
    """Run config from the environment: the limits of the catalogue and price gates, and
    whether billing events are loaded.

    ``FALCOST_MAX_CATALOG_SHRINK`` and ``FALCOST_MAX_UNPRICED_SHARE`` (a share from 0 to 1) set
    the ``raw/models`` and ``raw/prices`` run-config fields of the same meaning; the run records
    them, so an accepted shrink stays on record. ``FALCOST_BILLING_EVENTS=1`` turns on
    ``raw/billing_events`` for the run's days. Raises ``click.UsageError`` for a bad value.
    """
    ops: dict = {}
    for asset, gate in GATES.items():
        try:
            limit = settings.share_setting(env, gate.env)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        if limit is not None:
            op = dg.AssetKey.from_user_string(asset).to_python_identifier()
            ops[op] = {"config": {gate.setting: limit}}
    try:
        events = settings.flag_setting(env, settings.BILLING_EVENTS)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if events:
        ops[BILLING_EVENTS.asset_key.to_python_identifier()] = {"config": {"enabled": True}}
    return {"ops": ops} if ops else {}


def run_main_job(
    start: date,
    end: date,
    *,
    account: str | None = None,
    notify: Callable[[str], None] = print,
) -> SyncOutcome:
    """Materialise every asset for the UTC days ``start``..``end`` (inclusive); with an
    ``account`` of the accounts file, that account's raw tables and marts only (the
    warehouse's own steps follow in ``run_team_steps``).

    The caller holds the sync lock and has checked the warehouse and the key
    (``pipelines.cli.app``), so this starts at the Dagster instance.
    """
    job = _main_job()
    selection = None if account is None else _keys(job) - _team_keys(job)
    tags = range_tags(start.isoformat(), end.isoformat(), account)
    with dagster_instance() as instance:
        release_dead_runs(instance, notify=notify)
        return _run_once(job, instance, tags, gate_config(), selection)


def run_team_steps(*, notify: Callable[[str], None] = print) -> SyncOutcome:
    """With an accounts file, once every account's run is over: one run of the steps that
    read the whole warehouse (the accounts combined, alerts, reports, the FOCUS file, the
    published copy), instead of one in each account's run."""
    job = _main_job()
    with dagster_instance() as instance:
        release_dead_runs(instance, notify=notify)
        return _run_once(job, instance, {}, selection=_team_keys(job))


def _main_job() -> dg.JobDefinition:
    from pipelines.definitions import build_definitions
    from pipelines.orchestration.resources import from_environment

    return build_definitions(from_environment()).resolve_job_def("main_job")


def _keys(job: dg.JobDefinition) -> set[dg.AssetKey]:
    return set(job.asset_layer.asset_graph.materializable_asset_keys)


def _team_keys(job: dg.JobDefinition) -> set[dg.AssetKey]:
    graph = job.asset_layer.asset_graph
    return {key for key in _keys(job) if graph.get(key).group_name in TEAM_GROUPS}


def _run_once(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    tags: dict[str, str],
    gates: dict | None = None,
    selection: set[dg.AssetKey] | None = None,
) -> SyncOutcome:
    """``main_job`` as one run over the day range: one API session, one run in the UI.

    The run is executed here, in this process (so it adopts the fetches ``falcost sync``
    started before Dagster was imported), but created as the code location would create it:
    with ``main_job``'s origin in the ``falcost`` location, so the UI lists it on the job's
    page and on the Overview timeline like a run launched there.

    Dagster records a run over a day range as planned once per asset and day unless the
    instance is told to record the range as one subset (``PLANNED_AS_SUBSET``): a year would
    otherwise cost about 2,900 planned events before the first step. Marts downstream of a
    failed load or a failed blocking check are skipped by Dagster itself.
    """
    from dagster._core.definitions.job_base import InMemoryJob
    from dagster._core.execution.api import create_execution_plan, execute_run

    process = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    tags = {**process, **tags}
    logging = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    run_config = {**logging, **(gates or {})}
    os.environ.setdefault(PLANNED_AS_SUBSET, "true")
    planned = job.get_subset(asset_selection=selection) if selection else job
    plan = create_execution_plan(
        InMemoryJob(planned), run_config=run_config, instance_ref=instance.get_ref()
    )
    run = instance.create_run_for_job(
        job_def=planned,
        execution_plan=plan,
        run_config=run_config,
        tags={**job.run_tags, **tags},
        asset_selection=selection,
        remote_job_origin=job_origin(job.name),
    )
    return summarise(execute_run(InMemoryJob(job), run, instance))  # it takes the selection


def workspace_yaml() -> str:
    """The workspace ``falcost ui`` serves: this code location, under its name."""
    return (
        "load_from:\n"
        "  - python_module:\n"
        f"      module_name: {DEFINITIONS_MODULE}\n"
        "      attribute: defs\n"
        f"      location_name: {LOCATION_NAME}\n"
        f"      executable_path: {sys.executable}\n"
    )


def job_origin(job_name: str):
    """Where the ``falcost`` code location (``[tool.dg.project]``, ``falcost ui``) serves
    ``job_name``: the UI links a run to its job by this origin."""
    from dagster._core.definitions.definitions_class import SINGLETON_REPOSITORY_NAME
    from dagster._core.remote_origin import (
        ManagedGrpcPythonEnvCodeLocationOrigin,
        RemoteRepositoryOrigin,
    )
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

    target = LoadableTargetOrigin(
        executable_path=sys.executable, module_name=DEFINITIONS_MODULE, attribute="defs"
    )
    location = ManagedGrpcPythonEnvCodeLocationOrigin(target, location_name=LOCATION_NAME)
    return RemoteRepositoryOrigin(location, SINGLETON_REPOSITORY_NAME).get_job_origin(job_name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_runs(instance: dg.DagsterInstance, *, notify: Callable[[str], None]) -> None:
    """Fail the runs of ``falcost`` processes that died (SIGKILL, OOM) and free their pool slots.

    A killed in-process run never releases its claim on the ``duckdb`` pool, so the next run
    would wait for that slot forever. Callers hold the sync lock, so no live sync is touched;
    runs of other machines sharing a PostgreSQL history are left alone (their pids are not
    ours to look up), and runs recorded before the host tag existed count as this machine's.
    """
    stuck = instance.get_runs(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING])
    )
    for run in stuck:
        pid = run.tags.get(PID_TAG)
        if run.tags.get(HOST_TAG, socket.gethostname()) != socket.gethostname():
            continue
        if pid is None or not pid.isdigit() or _alive(int(pid)):
            continue
        instance.report_run_failed(run, f"the falcost process (pid {pid}) running it died")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        notify(f"marked run {run.run_id} of dead process {pid} as failed and freed its slots")
