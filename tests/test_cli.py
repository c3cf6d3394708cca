from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipelines import settings
from pipelines.cli import main
from pipelines.sim import SIM_FAL_KEY, SimConfig, Simulation
from tests.assets.test_main_job import query

YESTERDAY = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2025-03-10", "--end", "2025-03-01"], "is after --end"),
        (["--end", "2999-01-01"], "is not a complete UTC day"),
        (["--start", "2015-01-01", "--end", "2025-01-05"], "before the first partition"),
        (["--start", "yesterday"], "is not a date"),
        (["--start", "20260801"], "'20260801' is not a date (YYYY-MM-DD)"),  # basic ISO 8601
        (["--end", "2026-W31-1"], "'2026-W31-1' is not a date (YYYY-MM-DD)"),  # ISO week date
    ],
)
def test_bad_dates_exit_2_before_any_request(args, message):
    result = CliRunner().invoke(main, ["sync", *args])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("args", [["--debug", "sync"], ["sync", "--debug"]])
def test_debug_is_accepted_before_and_after_the_command(args):
    result = CliRunner().invoke(main, [*args, "--start", "2025-03-10", "--end", "2025-03-01"])
    assert result.exit_code == 2 and "is after --end" in result.output


def test_a_source_without_its_key_exits_2(monkeypatch):
    monkeypatch.setenv("FALCOST_SOURCE", "fal")
    result = CliRunner().invoke(main, ["sync", "--end", YESTERDAY])
    assert result.exit_code == 2
    assert "set FAL_KEY" in result.output


def test_plain_http_to_a_remote_host_exits_2(monkeypatch):
    monkeypatch.setenv("FAL_KEY", SIM_FAL_KEY)
    monkeypatch.setenv("FAL_API_BASE_URL", "http://api.example.com/v1")
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code == 2 and "refusing plain http" in result.output
    assert SIM_FAL_KEY not in result.output


def test_sync_then_sql_and_report_on_the_simulator(monkeypatch, tmp_path):
    path = str(tmp_path / "w.duckdb")
    monkeypatch.setenv("FALCOST_WAREHOUSE", path)
    monkeypatch.delenv("DAGSTER_HOME")
    monkeypatch.chdir(tmp_path)  # not the repository root: its dagster.yaml is not at hand
    runner = CliRunner()
    synced = runner.invoke(main, ["sync", "--start", "2026-09-01", "--end", "2026-09-02"])
    assert synced.exit_code == 0, synced.output
    assert_project_instance_settings(tmp_path / ".dagster_home")
    assert "raw/usage_daily" in synced.output and "marts/cost_per_model" in synced.output
    counted = runner.invoke(
        main, ["sql", "select count(distinct usage_date) as days from raw.usage_daily"]
    )
    assert counted.exit_code == 0 and "2" in counted.output
    assert counted.output.rstrip().endswith("\n1 row")
    monkeypatch.setenv("COLUMNS", "80")
    wide = runner.invoke(main, ["sql", "select * from raw.usage_daily", "--max-rows", "3"])
    (rows,) = query(path, "select count(*) from raw.usage_daily")
    assert wide.exit_code == 0 and f"3 of {rows[0]:,} rows" in wide.output
    assert max(len(line) for line in wide.output.splitlines()) <= 80
    broken = runner.invoke(main, ["sql", "select * from no_such_table", "--debug"])
    assert broken.exit_code == 1 and "Traceback" in broken.output
    refused = runner.invoke(main, ["sql", "delete from raw.usage_daily"])
    assert refused.exit_code == 1 and "read-only" in refused.output
    report = runner.invoke(main, ["report"])
    assert report.exit_code == 0 and "Top models by cost" in report.output
    assert "falcost report: 2026-09-01..2026-09-02 (UTC days loaded)" in report.output
    page = tmp_path / "report.html"
    charted = runner.invoke(main, ["report", "--html", str(page)])
    assert charted.exit_code == 0 and f"wrote {page}" in charted.output
    assert page.read_text().count("<svg") >= 1


def assert_project_instance_settings(home: Path) -> None:
    """The instance at ``home`` has the project's settings: no telemetry, one DuckDB writer."""
    import dagster as dg
    from dagster._core.instance import InstanceRef

    assert os.environ["DAGSTER_HOME"] == str(home)
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        assert instance.telemetry_enabled is False
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1


def test_the_repositorys_dagster_yaml_and_the_settings_falcost_writes_agree():
    written = yaml.safe_load(settings.DAGSTER_INSTANCE_YAML)
    assert written == yaml.safe_load((REPO / "dagster.yaml").read_text())


def test_falcost_keeps_a_dagster_yaml_it_finds_in_dagster_home(monkeypatch, tmp_path):
    from pipelines.cli.guards import settle_dagster_home

    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))

    assert settle_dagster_home() == tmp_path
    assert (tmp_path / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dagster.yaml"]  # no probe left


def test_api_model_prints_json_from_the_simulator_and_fails_on_unknown_ids():
    known = Simulation(SimConfig()).models()[0]["endpoint_id"]
    found = CliRunner().invoke(main, ["api", "model", known])
    assert found.exit_code == 0 and json.loads(found.output)["endpoint_id"] == known
    missing = CliRunner().invoke(main, ["api", "model", "does/not-exist"])
    assert missing.exit_code == 1 and "not found" in missing.output


def test_api_start_on_the_fal_dialect_is_refused_before_any_request():
    result = CliRunner().invoke(main, ["api", "instances", "start", "inst_1"])
    assert result.exit_code == 2 and "not supported by the 'simulator' source" in result.output


def test_a_second_sync_on_the_same_warehouse_is_refused_at_once(monkeypatch, tmp_path):
    import fcntl

    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("FALCOST_WAREHOUSE", str(path))
    with open(f"{path}.sync.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242")
        held.flush()
        result = CliRunner().invoke(main, ["sync", "--end", YESTERDAY])
    assert result.exit_code == 1
    assert "another falcost sync (pid 4242)" in result.output
    assert not path.exists()  # refused before anything was written


def test_a_failed_sync_prints_one_line_per_failure_and_exits_1(monkeypatch, tmp_path):
    from pipelines.sim import Faults, serving
    from tests.conftest import small_config

    monkeypatch.setenv("FALCOST_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("FAL_KEY", SIM_FAL_KEY)
    with serving(small_config(faults=Faults(negative_cost=True))) as url:
        monkeypatch.setenv("FAL_API_BASE_URL", f"{url}/v1")
        result = CliRunner().invoke(main, ["sync", "--start", "2026-09-01", "--end", "2026-09-02"])
    assert result.exit_code == 1
    failures = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert len(failures) == 1
    assert failures[0].startswith("FAILED raw/usage_daily: raw.usage_daily: ")
    assert "cost_total / greater_than_or_equal_to(0)" in failures[0]
    assert SIM_FAL_KEY not in result.output


def hold_warehouse(path: str, seconds: float) -> subprocess.Popen:
    """Another process with a read-write connection on the file, like a DuckDB shell."""
    code = (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
        "print('held', flush=True); time.sleep(float(sys.argv[2]))"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, path, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_sync_waits_for_another_process_to_release_the_warehouse(monkeypatch, tmp_path):
    path = str(tmp_path / "w.duckdb")
    monkeypatch.setenv("FALCOST_WAREHOUSE", path)
    holder = hold_warehouse(path, 2)
    try:
        result = CliRunner().invoke(main, ["sync", "--start", "2026-09-01", "--end", "2026-09-01"])
    finally:
        holder.communicate()
    assert "waiting up to 30 s for another process to release" in result.output
    assert result.exit_code == 0, result.output


def test_a_sync_gives_up_clearly_when_the_warehouse_stays_held(monkeypatch, tmp_path):
    from pipelines.cli import guards

    path = str(tmp_path / "w.duckdb")
    monkeypatch.setenv("FALCOST_WAREHOUSE", path)
    monkeypatch.setattr(guards, "LOCK_WAIT_SECONDS", 1.0)
    holder = hold_warehouse(path, 4)
    try:
        result = CliRunner().invoke(main, ["sync", "--start", "2026-09-01", "--end", "2026-09-01"])
    finally:
        holder.kill()
        holder.communicate()
    assert result.exit_code == 1
    assert f"the warehouse {path} is still held by another process" in result.output
    assert f"(PID {holder.pid})" in result.output


def test_api_usage_prints_one_list_of_line_items_for_the_inclusive_days():
    result = CliRunner().invoke(
        main, ["api", "usage", "--start", "2026-09-01", "--end", "2026-09-02"]
    )
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert {item["usage_date"] for item in items} == {"2026-09-01", "2026-09-02"}
    assert all(item["cost_total"] >= 0 and item["endpoint_id"] for item in items)
