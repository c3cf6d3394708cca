"""The benchmark (``python -m benchmarks.run``) at smoke size: correct, not fast.

No timing is asserted here; the numbers belong in BENCHMARKS.md.
"""

from __future__ import annotations

from benchmarks import targets
from benchmarks.minimum import CATALOGUE, OPERATIONS, halving, pricing_requests, splitting
from benchmarks.run import parse, run
from benchmarks.sync import operation


def test_pricing_minimum_never_asks_a_batch_whose_404_is_certain() -> None:
    ids = ["a", "b", "c", "d"]
    # [abcd] 404 -> [ab] 200 -> [cd] must fail: split it unasked -> [c] 404, [d] 200
    assert splitting(ids, {"c"}) == 4
    assert halving(ids, {"c"}) == (5, 3)  # [abcd], [ab], [cd], [c], [d]
    assert splitting(ids, set()) == 1
    # known gaps are asked one by one, the rest in batches of 50
    assert pricing_requests([f"e{i:03}" for i in range(120)], {"e007"}, ["e007"]) == (4, 4)


def test_smoke_run_measures_every_scenario_and_loads_what_the_simulator_serves(
    tmp_path,
) -> None:
    results = run(parse(["--smoke"]), tmp_path)

    assert results.ok, [(s.label, s.run.exit_code, s.problems, s.run.output) for s in results.syncs]
    assert {s.scenario for s in results.syncs} == {
        "backfill",
        "incremental",
        "incremental-schedule",
        "memory",
    }
    for sync in results.syncs:
        made: dict[str, int] = {}
        for seen in sync.run.requests:
            made[operation(seen.path)] = made.get(operation(seen.path), 0) + 1
        assert set(made) == set(sync.least.requests), sync.label
        for op, needed in sync.least.requests.items():
            assert made[op] >= needed, (sync.label, op, made[op], needed)
        assert not [s for s in sync.run.requests if s.status == 429], "past 8 in flight"
        assert sync.bound_s > 0 and sync.least.chain >= 1
        assert sync.run.startup_s > 0 and sync.run.phase_s > 0
        assert sync.run.wall_s >= sync.run.startup_s + sync.run.phase_s - 1e-6
        assert sync.run.max_rss_mb > 0
    schedule = next(s for s in results.syncs if s.scenario == "incremental-schedule")
    assert set(schedule.least.requests) == set(OPERATIONS) - set(CATALOGUE)

    assert results.load is not None and results.load.rows == 20_000
    assert results.load.ratio > 0
    assert results.marts is not None
    year = next(s for s in results.syncs if s.scenario == "memory")
    assert results.marts.usage_rows == year.least.truth.usage_rows
    # every mart but the budgets' (no budgets file here) and the anomalies' (a smoke year is
    # days long: no baseline to depart from)
    quiet = {"budget_status", "cost_anomalies"}
    assert all(rows > 0 for name, rows in results.marts.rows.items() if name not in quiet)

    text = targets.summary(results)
    assert "| target" in text and "SMOKE RUN" in text
    assert len(targets.checks(results)) == 8
