"""Dagster's run, event-log and schedule storage in PostgreSQL (``FALCOST_DAGSTER_PG_URL``),
against a real server: ``falcost sync`` records its runs there, another machine's instance
sees them, ``dagster-daemon`` fires the daily schedule through the run queue, and a killed
sync's run is failed by the next one. Every process is a real one; the fal API is the
simulator (``FALCOST_SOURCE=simulator``), in each process.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import dagster as dg
import duckdb
import pytest
from dagster._core.instance import InstanceRef
from dagster._core.scheduler.instigation import (
    InstigatorState,
    InstigatorStatus,
    InstigatorType,
    ScheduleInstigatorData,
    TickStatus,
)
from psycopg2.errors import UndefinedTable

from pipelines import settings
from pipelines.cli.guards import InstanceUnusableError, settle_dagster_home
from pipelines.cli.sync import job_origin, workspace_yaml
from pipelines.orchestration.jobs import USAGE_LOOKBACK_DAYS, daily_usage_schedule
from tests.deploy.pg_server import PostgresMissing, PostgresServer, binaries, running_postgres
from warehouse.tables import USAGE_DAILY

FIRST, LAST = date(2026, 9, 1), date(2026, 9, 2)
BIN = Path(sys.executable).parent
DEADLINE_S = 240.0  # only against hanging: each wait ends as soon as its event is seen
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
T = TypeVar("T")


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    try:
        binaries()
    except PostgresMissing as exc:
        pytest.fail(str(exc))  # CI installs PostgreSQL (.ci/run): missing is a failure
    with running_postgres() as server:
        yield server


def falcost_env(url: str, home: Path, workdir: Path) -> dict[str, str]:
    """This environment without anything of falcost's, fal's or Dagster's, plus a simulated
    account, a warehouse in ``workdir`` and the instance at ``home`` on PostgreSQL."""
    ours = ("FALCOST_", "FAL_", "LOWCODEAPI_", "DAGSTER_")
    kept = {name: value for name, value in os.environ.items() if not name.startswith(ours)}
    return {
        **kept,
        settings.SOURCE: "simulator",
        settings.WAREHOUSE: str(workdir / "w.duckdb"),
        settings.DAGSTER_HOME: str(home),
        settings.DAGSTER_PG_URL: url,
    }


def sync_command(first: date = FIRST, last: date = LAST) -> list[str]:
    return [str(BIN / "falcost"), "sync", "--start", first.isoformat(), "--end", last.isoformat()]


def days(first: date, last: date) -> list[str]:
    return [(first + timedelta(n)).isoformat() for n in range((last - first).days + 1)]


def wait_for(
    what: str,
    found: Callable[[], T | None],
    *,
    alive: subprocess.Popen | None = None,
    log: Path | None = None,
) -> T:
    """Poll ``found()`` until it returns something; fail on the deadline or if ``alive`` ends."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if (result := found()) is not None:
            return result
        if alive is not None and alive.poll() is not None:
            tail = log.read_text()[-3000:] if log else ""
            pytest.fail(f"the process ended ({alive.returncode}) before {what}:\n{tail}")
        time.sleep(0.2)
    pytest.fail(f"no {what} within {DEADLINE_S:.0f} s")


@dataclass
class History:
    """Two syncs into one PostgreSQL database: the first killed mid-run, the second whole."""

    server: PostgresServer
    database: str
    url: str
    home: Path
    workdir: Path
    killed_run: str
    killed_pid: int
    second: subprocess.CompletedProcess


def run_ids_started(server: PostgresServer, database: str) -> list[str] | None:
    try:
        rows = server.query(database, "select run_id from runs where status = 'STARTED'")
    except UndefinedTable:  # the first process has not created Dagster's tables yet
        return None
    return [row[0] for row in rows] or None


@pytest.fixture(scope="module")
def history(postgres: PostgresServer, tmp_path_factory) -> History:
    database = "synced"
    url = postgres.create_database(database)
    workdir = tmp_path_factory.mktemp("synced")  # the run writes its report and FOCUS file here
    home = workdir / "dagster_home"
    env = falcost_env(url, home, workdir)
    log = workdir / "killed.log"
    with open(log, "w") as out:
        killed = subprocess.Popen(sync_command(), env=env, cwd=workdir, stdout=out, stderr=out)
    try:
        (killed_run,) = wait_for(
            "run STARTED in PostgreSQL",
            lambda: run_ids_started(postgres, database),
            alive=killed,
            log=log,
        )
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
    second = subprocess.run(
        sync_command(), env=env, cwd=workdir, capture_output=True, text=True, timeout=DEADLINE_S
    )
    return History(postgres, database, url, home, workdir, killed_run, killed.pid, second)


def test_a_sync_records_its_runs_in_postgresql_and_nothing_in_sqlite(history: History):
    assert history.second.returncode == 0, history.second.stderr[-3000:]
    rows = history.server.query(
        history.database, "select run_id, status from runs where pipeline_name = 'main_job'"
    )
    statuses = dict(rows)
    assert statuses.pop(history.killed_run) == "FAILURE"
    assert list(statuses.values()) == ["SUCCESS"]
    config = (history.home / "dagster.yaml").read_text()
    assert config == settings.DAGSTER_POSTGRES_INSTANCE_YAML
    # no SQLite run, event-log or schedule storage beside the settings
    assert not [p for p in history.home.rglob("*") if p.suffix == ".db"]
    assert not (history.home / "history").exists() and not (history.home / "schedules").exists()
    password = history.server.password
    assert password not in config + history.second.stdout + history.second.stderr


SECOND_MACHINE = """
import json
import dagster as dg
from pipelines.cli.sync import dagster_instance

with dagster_instance() as instance:
    runs = {run.run_id: run.status.value for run in instance.get_runs()}
    usage = instance.get_materialized_partitions(dg.AssetKey.from_user_string("raw/usage_daily"))
    print(json.dumps({"storage": type(instance.run_storage).__name__, "runs": runs,
                      "usage": sorted(usage)}))
"""


def test_another_machine_with_the_same_url_sees_the_same_history(
    history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    other_home = tmp_path / "other_machine_home"  # nothing shared but the PostgreSQL database
    seen = subprocess.run(
        [sys.executable, "-c", SECOND_MACHINE],
        env=falcost_env(history.url, other_home, tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
    )
    assert seen.returncode == 0, seen.stderr[-3000:]
    answer = json.loads(seen.stdout.splitlines()[-1])
    monkeypatch.setenv(settings.DAGSTER_PG_URL, history.url)
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(history.home))) as instance:
        runs = {run.run_id: run.status.value for run in instance.get_runs()}
        usage = instance.get_materialized_partitions(USAGE_DAILY.asset_key)
    assert answer["storage"] == "PostgresRunStorage"
    assert not [p for p in other_home.rglob("*") if p.suffix == ".db"]
    assert answer["runs"] == runs and len(runs) >= 2
    assert answer["usage"] == sorted(usage) and set(days(FIRST, LAST)) <= usage


def test_a_killed_syncs_run_is_marked_failed_and_the_next_sync_proceeds(history: History):
    assert history.second.returncode == 0, history.second.stderr[-3000:]
    said = f"marked run {history.killed_run} of dead process {history.killed_pid} as failed"
    assert said in history.second.stderr
    (status,) = history.server.query(
        history.database, "select status from runs where run_id = %s", history.killed_run
    )
    assert status == ("FAILURE",)
    held = "select count(*) from concurrency_slots where run_id is not null"
    assert history.server.query(history.database, held) == [(0,)]  # the duckdb slot is free


def stop_group(leader: subprocess.Popen) -> None:
    """SIGTERM a process group and wait until all of it is gone (the daemon's code server
    finishes its shutdown after the daemon itself), then SIGKILL whatever is left."""
    os.killpg(leader.pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        leader.poll()  # reaps the leader, so that a zombie does not count as alive
        try:
            os.killpg(leader.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(leader.pid, signal.SIGKILL)
    leader.wait()


def last_tick_before(now: datetime) -> datetime:
    """The latest 02:30 UTC (the daily usage schedule's time) not after ``now``."""
    tick = now.replace(hour=2, minute=30, second=0, microsecond=0)
    return tick if tick <= now else tick - timedelta(days=1)


def finished_usage_run(instance: dg.DagsterInstance) -> dg.DagsterRun | None:
    runs = instance.get_runs(filters=dg.RunsFilter(job_name="usage_job"))
    return runs[0] if runs and runs[0].is_finished else None


def test_the_daemon_fires_the_daily_usage_schedule_through_the_run_queue(
    history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The daemon continues the synced history: same instance, database and warehouse (whose
    catalogue, loaded by the sync, the usage runs price against)."""
    log = tmp_path / "daemon.log"
    env = falcost_env(history.url, history.home, history.workdir)
    monkeypatch.setenv(settings.DAGSTER_HOME, str(history.home))
    monkeypatch.setenv(settings.DAGSTER_PG_URL, history.url)
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(workspace_yaml())  # the one falcost ui serves
    # The schedule as `dagster schedule start` records it, but started a minute before its
    # last 02:30 UTC: the daemon's first iteration finds that tick due and evaluates it.
    tick_time = last_tick_before(datetime.now(UTC))
    origin = job_origin("usage_job").repository_origin.get_instigator_origin(
        daily_usage_schedule.name
    )
    state = InstigatorState(
        origin,
        InstigatorType.SCHEDULE,
        InstigatorStatus.RUNNING,
        ScheduleInstigatorData(
            daily_usage_schedule.cron_schedule, (tick_time - timedelta(minutes=1)).timestamp()
        ),
    )
    with dg.DagsterInstance.get() as instance:
        instance.add_instigator_state(state)
        with open(log, "w") as out:
            daemon = subprocess.Popen(
                [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)],
                env=env,
                cwd=tmp_path,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # one group: the daemon, its code server, its run worker
            )
        try:
            run = wait_for(
                "finished usage_job run",
                lambda: finished_usage_run(instance),
                alive=daemon,
                log=log,
            )
        finally:
            stop_group(daemon)
        ticks = instance.get_ticks(origin.get_id(), state.selector_id)
        enqueued = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_ENQUEUED)
        materialized = instance.all_logs(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        )
        all_days = instance.get_materialized_partitions(USAGE_DAILY.asset_key)
    assert run.status == dg.DagsterRunStatus.SUCCESS, log.read_text()[-3000:]
    assert history.server.password not in log.read_text()  # the daemon's and the run's logs
    yesterday = tick_time.date() - timedelta(days=1)
    first = yesterday - timedelta(days=USAGE_LOOKBACK_DAYS)
    assert run.tags[RANGE_START] == first.isoformat()
    assert run.tags[RANGE_END] == yesterday.isoformat()
    assert run.tags["dagster/schedule_name"] == daily_usage_schedule.name
    assert [(t.timestamp, t.status, t.run_ids) for t in ticks] == [
        (tick_time.timestamp(), TickStatus.SUCCESS, [run.run_id])
    ]
    assert enqueued  # queued by the QueuedRunCoordinator, then launched by its daemon
    usage = [
        e.dagster_event.partition
        for e in materialized
        if e.dagster_event.asset_key == USAGE_DAILY.asset_key
    ]
    assert sorted(usage) == days(first, yesterday)
    assert all_days == {*days(FIRST, LAST), *usage}  # the sync's days and the schedule's
    with duckdb.connect(str(history.workdir / "w.duckdb"), read_only=True) as warehouse:
        loaded = warehouse.sql(
            f"select distinct strftime({USAGE_DAILY.day_column}, '%Y-%m-%d') as day"
            f" from {USAGE_DAILY.name} order by day"
        ).fetchall()
    assert [day for (day,) in loaded] == [*days(FIRST, LAST), *days(first, yesterday)]


def test_the_variable_switches_falcosts_own_settings_and_keeps_a_users_file(
    postgres: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    from dagster._core.run_coordinator import QueuedRunCoordinator

    url = postgres.create_database("switched")
    config = tmp_path / "dagster.yaml"
    monkeypatch.setenv(settings.DAGSTER_HOME, str(tmp_path))
    monkeypatch.delenv(settings.DAGSTER_PG_URL, raising=False)
    settle_dagster_home()
    assert config.read_text() == settings.DAGSTER_INSTANCE_YAML  # the embedded default

    monkeypatch.setenv(settings.DAGSTER_PG_URL, url)
    settle_dagster_home()
    assert config.read_text() == settings.DAGSTER_POSTGRES_INSTANCE_YAML
    assert postgres.password not in config.read_text()
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path))) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert instance.run_monitoring_enabled and instance.telemetry_enabled is False

    monkeypatch.delenv(settings.DAGSTER_PG_URL)
    settle_dagster_home()
    assert config.read_text() == settings.DAGSTER_INSTANCE_YAML

    mine = settings.DAGSTER_INSTANCE_YAML + "retention:\n  schedule:\n    purge_after_days: 7\n"
    config.write_text(mine)
    monkeypatch.setenv(settings.DAGSTER_PG_URL, url)
    settle_dagster_home()
    assert config.read_text() == mine
    assert "is your own and has no postgres storage" in capsys.readouterr().err


WRONG_URLS = {
    "psycopg 3, which Dagster's storage cannot use": (
        "postgresql+psycopg://dagster:{pw}@127.0.0.1:{port}/x",
        "must start with postgresql:// or postgresql+psycopg2://",
    ),
    "wrong password": (
        "postgresql+psycopg2://dagster:{pw}-not@127.0.0.1:{port}/x",
        "password authentication failed",
    ),
    "wrong password in the query": (
        "postgresql+psycopg2://dagster@127.0.0.1:{port}/x?password={pw}-not",
        "password authentication failed",
    ),
}


@pytest.mark.parametrize("mistake, said", WRONG_URLS.values(), ids=WRONG_URLS.keys())
def test_a_wrong_url_is_one_line_without_its_password(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch, mistake: str, said: str
):
    url = mistake.format(pw=postgres.password, port=postgres.port)
    monkeypatch.setenv(settings.DAGSTER_PG_URL, url)
    with pytest.raises(InstanceUnusableError) as refused:
        settle_dagster_home()
    message = str(refused.value)
    assert said in message and "\n" not in message
    assert postgres.password not in message and "***" in message
