"""A run's fetches start together on one API session (``pipelines.prefetch``) and the steps
take exactly what they would have fetched themselves."""

from __future__ import annotations

import time

import dagster as dg
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.sim import SIM_FAL_KEY, Faults, Simulation
from pipelines.sim.server import create_app, serve_app
from tests.assets.pipeline import run_job
from tests.assets.test_main_job import DAYS, FIRST, LAST, query, source_cost_by_model_day
from tests.conftest import small_config


class Recorder:
    """The simulator behind a wrapper that notes each request's path as it arrives."""

    def __init__(self, sim: Simulation) -> None:
        self.app, self.paths, self.times = create_app(sim), [], []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
            self.times.append(time.time())
        await self.app(scope, receive, send)


def test_usage_starts_while_the_catalogue_is_still_paging_and_nothing_is_asked_twice(tmp_path):
    sim = Simulation(small_config(faults=Faults(latency_s=0.05)))
    recorder = Recorder(sim)
    path = str(tmp_path / "w.duckdb")
    with serve_app(recorder) as url:
        assert run_job(url, path, FIRST, LAST).success
        first_run = list(recorder.paths)
        assert run_job(url, path, FIRST, LAST).success
    models = [i for i, p in enumerate(first_run) if p == "/v1/models"]
    usage = [i for i, p in enumerate(first_run) if p == "/v1/models/usage"]
    assert len(models) == 3  # 300 endpoints, pages of 100, one cursor
    assert usage[0] < models[-1]  # not after the catalogue's step
    # each window once: 7 one-day windows (8 requests in flight)
    assert len(usage) == len(DAYS)
    # the second run asks the last run's prices and analytics before the new listing is in
    second = recorder.paths[len(first_run) :]
    listing_done = max(i for i, p in enumerate(second) if p == "/v1/models")
    assert min(i for i, p in enumerate(second) if p == "/v1/models/pricing") < listing_done
    assert min(i for i, p in enumerate(second) if p == "/v1/models/analytics") < listing_done
    cost = query(path, "select usage_date, endpoint_id, cost_total from marts.cost_per_model")
    assert {(d, e): c for d, e, c in cost} == source_cost_by_model_day(sim, DAYS)


def test_falcost_sync_starts_its_fetches_before_the_run_exists_and_the_run_adopts_them(
    monkeypatch, tmp_path
):
    sim = Simulation(small_config(faults=Faults(latency_s=0.05)))
    recorder = Recorder(sim)
    path = str(tmp_path / "w.duckdb")
    monkeypatch.setenv("FALCOST_WAREHOUSE", path)
    monkeypatch.setenv("FAL_KEY", SIM_FAL_KEY)
    with serve_app(recorder) as url:
        monkeypatch.setenv("FAL_API_BASE_URL", f"{url}/v1")
        days = ["--start", FIRST.isoformat(), "--end", LAST.isoformat()]
        synced = CliRunner().invoke(main, ["sync", *days])
    assert synced.exit_code == 0, synced.output
    with dg.DagsterInstance.get() as instance:
        (run,) = instance.get_run_records()
    asked = list(zip(recorder.paths, recorder.times, strict=True))
    check, *usage = [at for p, at in asked if p == "/v1/models/usage"]  # the key's check first
    models = [at for p, at in asked if p == "/v1/models"]
    assert len(usage) == len(DAYS)  # each window once: the run took the early answers
    assert len(models) == 3
    assert max(usage) < run.create_timestamp.timestamp()  # all in before the run was created
    cost = query(path, "select usage_date, endpoint_id, cost_total from marts.cost_per_model")
    assert {(d, e): c for d, e, c in cost} == source_cost_by_model_day(sim, DAYS)
