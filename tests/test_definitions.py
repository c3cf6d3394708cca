from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipelines.definitions import defs

ASSET_KEYS = [
    "alerts/notifications",
    "exports/focus_current_month",
    "marts/budget_status",
    "marts/cost_anomalies",
    "marts/cost_by_key",
    "marts/cost_per_model",
    "marts/instance_status",
    "marts/list_prices",
    "marts/reconciliation",
    "marts/request_trends",
    "marts/spend_daily",
    "raw/analytics_daily",
    "raw/api_keys",
    "raw/billing_events",
    "raw/credit_balance_snapshots",
    "raw/fal_focus_charges",
    "raw/instance_snapshots",
    "raw/models",
    "raw/organization_teams",
    "raw/organization_usage_daily",
    "raw/prices",
    "raw/serverless_usage_daily",
    "raw/usage_daily",
    "reports/spend_html",
    "warehouse/published",
]


def test_definitions_load_with_every_asset_job_and_schedule():
    graph = defs.resolve_asset_graph()
    assert sorted(key.to_user_string() for key in graph.get_all_asset_keys()) == ASSET_KEYS
    assert sorted(job.name for job in defs.jobs) == [
        "catalog_job",
        "instances_job",
        "main_job",
        "usage_job",
    ]
    assert sorted(s.name for s in defs.schedules) == [
        "catalog_job_schedule",
        "daily_usage_schedule",
        "instances_job_schedule",
    ]
    assert len(list(graph.asset_check_keys)) == 17


def test_every_asset_has_a_description_and_writers_share_one_pool():
    for node in defs.resolve_asset_graph().asset_nodes:
        assert node.description, node.key
        assert node.pools == {"duckdb"}, node.key


def test_usage_and_analytics_are_partitioned_by_utc_day():
    graph = defs.resolve_asset_graph()
    for key in ("raw/usage_daily", "raw/analytics_daily"):
        partitions = graph.get(dg_key(key)).partitions_def
        assert partitions.timezone == "UTC" and partitions.get_first_partition_key() == "2025-01-01"


def dg_key(text: str):
    import dagster as dg

    return dg.AssetKey.from_user_string(text)


def test_the_client_and_the_simulator_do_not_import_dagster_or_each_other():
    code = (
        "import sys, pipelines.fal, pipelines.sim; "
        "print('dagster' in sys.modules, 'polars' in sys.modules, 'duckdb' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]
    sim_code = "import sys, pipelines.sim; print('pipelines.fal' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", sim_code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_definitions_validate_as_dagster_dev_would_load_them():
    import dagster as dg

    dg.Definitions.validate_loadable(defs)


def test_the_daily_schedule_pulls_yesterday_and_re_pulls_the_three_days_before():
    from datetime import UTC, datetime

    import dagster as dg

    from pipelines.orchestration.jobs import daily_usage_schedule

    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 3, 10, 2, 30, tzinfo=UTC)
    )
    [request] = daily_usage_schedule(context)
    assert request.tags["dagster/asset_partition_range_start"] == "2026-03-06"
    assert request.tags["dagster/asset_partition_range_end"] == "2026-03-09"
    assert request.run_key == "usage-2026-03-09"


def test_the_run_history_commits_without_waiting_on_the_disk(tmp_path):
    """``pipelines.orchestration.storage``: once the code location is loaded, Dagster's own
    SQLite files are written with ``synchronous = NORMAL`` (1, not SQLite's FULL, 2), and
    closing a connection leaves the WAL in place instead of checkpointing it away."""
    import dagster as dg

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        storage = instance.event_log_storage
        for _ in range(2):  # the first connection creates the file; the second finds it in WAL
            with storage.index_connection() as conn:
                journal = conn.exec_driver_sql("pragma journal_mode").scalar()
                synchronous = conn.exec_driver_sql("pragma synchronous").scalar()
                index = conn.exec_driver_sql("pragma database_list").fetchone()[2]
        assert (journal, synchronous) == ("wal", 1)
        assert Path(f"{index}-wal").exists()  # the last close would have removed it
