"""Scenario 9: a sync is SIGKILLed inside a load's transaction.

Real ``falcost sync`` processes (tests/reliability/killpoint.py) run against the simulator on
loopback and are killed after a load has deleted and inserted its rows but before it commits.
Upstream revised a day first, so a half-applied load would show. The two kills run side by
side to keep the suite short.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.sim import Simulation, serving
from tests.reliability.harness import (
    REPO,
    REVISED_DAY,
    USAGE_TABLES,
    assert_exact,
    failures,
    falcost,
    query,
    run,
    snapshot,
    sync_args,
    sync_env,
    tiny_config,
)


@dataclass
class Killed:
    warehouse: Path
    env: dict
    before: dict[str, list[tuple]]  # the tables the killed load writes, before the sync
    synced_at: datetime  # the newest meta.loads entry before the sync


KILLS = {  # case -> (load to die in, the tables it writes)
    "mid-day-load": ("raw.usage_daily", USAGE_TABLES),
    "mid-mart-build": ("cost_per_model", ("marts.cost_per_model",)),
}


@pytest.fixture(scope="module")
def revised() -> Iterator[tuple[Simulation, str]]:
    account = Simulation(tiny_config())
    account.revise_usage(REVISED_DAY, 1.5)
    with serving(account) as url:
        yield account, url


@pytest.fixture(scope="module")
def killed(revised, synced_template, tmp_path_factory) -> dict[str, Killed]:
    """Start one killpoint sync per case at once, and SIGKILL each inside its load."""
    _, url = revised
    cases, running = {}, []
    for case, (table, tables) in KILLS.items():
        folder = tmp_path_factory.mktemp(case)
        path = folder / "falcost.duckdb"
        shutil.copyfile(synced_template, path)
        env = sync_env(url, path, folder / "home")
        [(synced_at,)] = query(path, "select max(loaded_at) from meta.loads")
        cases[case] = Killed(path, env, snapshot(path, tables), synced_at)
        signal_file = folder / "inside"
        command = [
            sys.executable, "-m", "tests.reliability.killpoint", str(signal_file), table,
            *sync_args(),
        ]  # fmt: skip
        log = open(folder / "stderr.log", "w")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=log)
        running.append((process, signal_file, log))
    deadline = time.monotonic() + 90
    for process, signal_file, log in running:
        while not signal_file.exists():
            assert process.poll() is None, Path(log.name).read_text()
            assert time.monotonic() < deadline, "a sync never reached its kill point"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        log.close()
        assert process.returncode == -signal.SIGKILL
    # The next-sync test gets its own copy of a killed warehouse and Dagster instance, so the
    # tests do not depend on their order.
    killed_usage = cases["mid-day-load"]
    folder = tmp_path_factory.mktemp("then-sync-again")
    shutil.copyfile(killed_usage.warehouse, folder / "falcost.duckdb")
    shutil.copytree(killed_usage.env["DAGSTER_HOME"], folder / "home")
    env = sync_env(url, folder / "falcost.duckdb", folder / "home")
    cases["then-sync-again"] = Killed(folder / "falcost.duckdb", env, {}, killed_usage.synced_at)
    return cases


@pytest.mark.parametrize("case", ["mid-day-load", "mid-mart-build"])
def test_a_sync_killed_inside_a_load_leaves_that_load_as_before_and_a_re_run_heals(
    revised, killed, case
):
    account, url = revised
    table, tables = KILLS[case]
    state = killed[case]

    assert snapshot(state.warehouse, tables) == state.before
    logged = query(
        state.warehouse, "select table_name from meta.loads where loaded_at > ?", [state.synced_at]
    )
    assert ("raw.models",) in logged  # the steps before the kill did commit
    assert (table,) not in logged  # the killed load left no trace (marts log no loads at all)
    healed = run(url, state.warehouse)
    assert healed.success, failures(healed)
    assert_exact(state.warehouse, account)


def test_the_next_falcost_sync_after_a_kill_completes(revised, killed):
    account, _ = revised
    state = killed["then-sync-again"]

    try:
        after = falcost(*sync_args(), env=state.env, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the next falcost sync did not finish in 90 s (alone: about 6 s); it hangs")

    assert after.returncode == 0, after.stderr
    assert "as failed and freed its slots" in after.stderr  # the dead run's pool claim
    assert_exact(state.warehouse, account)
