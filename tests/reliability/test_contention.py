"""Scenarios 10 and 11: another process holds the DuckDB file; two syncs start at once.

A hold that is already there when ``falcost sync`` starts is waited out up to 30 s, with a
message, and then refused naming the holder: tests/test_cli.py::
test_a_sync_waits_for_another_process_to_release_the_warehouse and
test_a_sync_gives_up_clearly_when_the_warehouse_stays_held. A second sync on the same
warehouse is refused at once: tests/test_cli.py::
test_a_second_sync_on_the_same_warehouse_is_refused_at_once (a lock held in the test process).
Here the holder arrives in the middle of a run, two real syncs race, and a second sync that
reaches the same file by another name (a symlink to it or to its folder, a hard link) is
refused like one that uses the same name.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.cli.guards import SyncBusyError, exclusive_sync
from pipelines.sim import Faults, Simulation
from tests.reliability.harness import (
    REPO,
    REVISED_DAY,
    assert_exact,
    failures,
    falcost_command,
    query,
    run,
    snapshot,
    sync_args,
    sync_env,
)

HOLD_S = 1.0
HOLDER = """
import sys, time, duckdb
path, read_only, seconds, go = sys.argv[1], sys.argv[2] == "ro", float(sys.argv[3]), sys.argv[4]
print("ready", flush=True)
while not __import__("os").path.exists(go):
    time.sleep(0.005)
while True:  # the sync may hold the file for a moment: take it as soon as it is free
    try:
        con = duckdb.connect(path, read_only=read_only)
        break
    except duckdb.IOException:
        time.sleep(0.005)
con.execute("select count(*) from raw.usage_daily").fetchall()  # a reader's query
print("held", time.time(), flush=True)
time.sleep(seconds)
con.close()
print("released", time.time(), flush=True)
"""


def hold_when_analytics_starts(
    account: Simulation, path: Path, read_only: bool, go: Path
) -> tuple[subprocess.Popen, threading.Thread]:
    """A process that takes the warehouse while the run fetches analytics, for ``HOLD_S``."""
    mode = "ro" if read_only else "rw"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), mode, str(HOLD_S), str(go)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ready"

    def trigger() -> None:
        deadline = time.monotonic() + 30
        while account.stats.get("/v1/models/analytics", 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        go.write_text("go")

    watcher = threading.Thread(target=trigger, daemon=True)
    watcher.start()
    return holder, watcher


@pytest.mark.parametrize("read_only", [False, True], ids=["read-write-session", "reader-query"])
def test_a_process_taking_the_warehouse_mid_run_is_waited_out_and_the_load_is_exact(
    account, url, synced, tmp_path, read_only, caplog
):
    account.revise_usage(REVISED_DAY, 1.5)
    account.set_faults(Faults(latency_s=0.2))  # fetching analytics takes a while
    holder, watcher = hold_when_analytics_starts(account, synced, read_only, tmp_path / "go")

    result = run(url, synced, job="usage_job")
    watcher.join()
    out, _ = holder.communicate(timeout=30)

    assert holder.returncode == 0, out
    stamps = dict(line.split() for line in out.splitlines() if line != "ready")
    held, released = float(stamps["held"]), float(stamps["released"])
    assert result.success, failures(result)
    [(loaded_at,)] = query(
        synced, "select max(loaded_at) from meta.loads where table_name = 'raw.analytics_daily'"
    )
    assert held < released <= loaded_at.timestamp()  # the analytics load waited for the holder
    waits = [r.getMessage() for r in caplog.records if "warehouse busy" in r.getMessage()]
    assert waits and all(f"(PID {holder.pid})" in w for w in waits)  # logged, naming the holder
    assert_exact(synced, account)


def test_two_syncs_started_at_once_one_runs_and_the_other_is_refused(
    account, url, synced, tmp_path
):
    account.revise_usage(REVISED_DAY, 1.5)
    account.set_faults(Faults(latency_s=0.5))  # the winner holds the lock while the other starts
    env = sync_env(url, synced, tmp_path / "home")
    command = falcost_command(*sync_args())
    both = [
        subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip

    while all(p.poll() is None for p in both):
        time.sleep(0.02)
    account.set_faults(Faults())  # the race is decided: let the winner finish quickly
    outputs = [p.communicate(timeout=60) for p in both]

    codes = sorted(p.returncode for p in both)
    assert codes == [0, 1], outputs
    winner, loser = (0, 1) if both[0].returncode == 0 else (1, 0)
    message = re.search(r"error: another falcost sync \(pid (\d+)\) is writing", outputs[loser][1])
    assert message and int(message.group(1)) == both[winner].pid, outputs[loser][1]
    runs = query(synced, "select count(distinct load_id) from meta.loads")
    # the synced template's run and the winner's one run; nothing interleaved
    assert runs == [(2,)]
    assert_exact(synced, account)


def other_names(path: Path, tmp_path: Path) -> dict[str, Path]:
    """Three more names of the warehouse file ``path``."""
    (tmp_path / "links").mkdir()
    names = {
        "symlink": tmp_path / "links" / "symlink.duckdb",
        "folder-symlink": tmp_path / "links" / "folder" / path.name,
        "hard-link": tmp_path / "links" / "hard.duckdb",
    }
    names["symlink"].symlink_to(path)
    names["folder-symlink"].parent.symlink_to(path.parent, target_is_directory=True)
    names["hard-link"].hardlink_to(path)
    return names


def refused_while_held(held: Path, second: Path) -> bool:
    """Whether a sync of ``second`` is refused while one of ``held`` runs."""
    with exclusive_sync(str(held)):
        try:
            with exclusive_sync(str(second)):
                return False
        except SyncBusyError:
            return True


@pytest.mark.parametrize("name", ["symlink", "folder-symlink", "hard-link"])
def test_a_sync_through_another_name_of_the_same_file_is_refused_at_once(synced, tmp_path, name):
    other = other_names(synced, tmp_path)[name]

    assert refused_while_held(synced, other)
    assert refused_while_held(other, synced)
    assert not refused_while_held(synced, tmp_path / "another.duckdb")  # another file is free


def test_falcost_sync_on_a_symlink_to_a_warehouse_being_synced_exits_1_untouched(
    account, url, synced, tmp_path, monkeypatch
):
    link = other_names(synced, tmp_path)["symlink"]
    for key, value in sync_env(url, link, tmp_path / "home").items():
        monkeypatch.setenv(key, value)
    before = snapshot(synced)

    with exclusive_sync(str(synced)):
        result = CliRunner().invoke(main, sync_args())

    assert result.exit_code == 1, result.output
    assert f"error: another falcost sync (pid {os.getpid()}) is writing {link}" in result.output
    assert account.stats["requests"] == 0
    assert snapshot(synced) == before
