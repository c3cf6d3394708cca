"""What the Dagster UI shows of a ``falcost sync``: its run on main_job's page and, with a
repository origin, on the Overview timeline (read through the UI's own GraphQL API)."""

from __future__ import annotations

import dagster as dg
from click.testing import CliRunner
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster_graphql.test.utils import execute_dagster_graphql

from pipelines.cli import main
from pipelines.cli.sync import LOCATION_NAME, workspace_yaml

JOB_RUNS = """
query JobRuns($selector: PipelineSelector!) {
  pipelineOrError(params: $selector) {
    ... on Pipeline { runs { runId repositoryOrigin { repositoryName repositoryLocationName } } }
    ... on PythonError { message }
  }
}
"""


def test_a_sync_run_is_on_main_jobs_page_in_the_workspace_falcost_ui_serves(monkeypatch, tmp_path):
    monkeypatch.setenv("FALCOST_WAREHOUSE", str(tmp_path / "w.duckdb"))
    synced = CliRunner().invoke(main, ["sync", "--start", "2026-09-01", "--end", "2026-09-01"])
    assert synced.exit_code == 0, synced.output
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(workspace_yaml())  # what `falcost ui` hands to `dg dev`
    target = WorkspaceFileTarget(paths=[str(workspace)])
    with (
        dg.DagsterInstance.get() as instance,
        WorkspaceProcessContext(instance, target) as process,
    ):
        (run,) = instance.get_runs()
        selector = {
            "repositoryLocationName": LOCATION_NAME,
            "repositoryName": "__repository__",
            "pipelineName": "main_job",
        }
        answer = execute_dagster_graphql(
            process.create_request_context(), JOB_RUNS, {"selector": selector}
        )
    assert answer.data["pipelineOrError"]["runs"] == [
        {
            "runId": run.run_id,
            "repositoryOrigin": {
                "repositoryName": "__repository__",
                "repositoryLocationName": LOCATION_NAME,
            },
        }
    ]
