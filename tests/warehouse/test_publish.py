"""The published read-only copy (``warehouse.publish``): a reader holding it through a whole
sync neither blocks the sync nor sees half of one."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal

import dagster as dg

from pipelines.sim import Simulation, serving
from tests.assets.pipeline import run_job
from tests.assets.test_main_job import DAYS, FIRST, LAST, query
from tests.conftest import small_config
from warehouse.publish import published_path

TOTAL = "select sum(cost_total) from raw.usage_daily"
# "held": one connection for the reader's whole life; "fresh": a new one each round (in one
# process DuckDB shares an open file between connections, so the two must be two processes).
# Prints the total each round until the stop file appears.
READER = """
import os, sys, time, duckdb
copy, stop, mode = sys.argv[1:4]
sql = "select sum(cost_total) from raw.usage_daily"
held = duckdb.connect(copy, read_only=True) if mode == "held" else None
while not os.path.exists(stop):
    con = held or duckdb.connect(copy, read_only=True)
    print(con.execute(sql).fetchall()[0][0], flush=True)
    if con is not held:
        con.close()
    time.sleep(0.05)
"""


def reader(copy, stop, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", READER, str(copy), str(stop), mode],
        stdout=subprocess.PIPE,
        text=True,
    )


def lock_waits(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        event.message
        for event in result.all_events
        if event.message and "warehouse busy" in event.message
    ]


def test_a_reader_held_on_the_copy_through_a_sync_neither_waits_nor_sees_a_mix(tmp_path):
    sim = Simulation(small_config())
    path = str(tmp_path / "w.duckdb")
    copy = published_path(path)
    stop = tmp_path / "stop"
    with serving(sim) as url:
        assert run_job(url, path, FIRST, LAST).success
        (before,) = query(str(copy), TOTAL)[0]
        assert before == query(path, TOTAL)[0][0]  # the copy is the warehouse as synced
        sim.revise_usage(DAYS[2], 1.5)  # upstream corrects a day: the next sync changes totals
        readers = {mode: reader(copy, stop, mode) for mode in ("held", "fresh")}
        first = {mode: process.stdout.readline() for mode, process in readers.items()}
        result = run_job(url, path, FIRST, LAST)  # the readers hold the copy all along
        time.sleep(0.5)  # a few more rounds against the new copy
        stop.touch()
        seen = {
            mode: [Decimal(v) for v in [first[mode], *process.communicate(timeout=30)[0].split()]]
            for mode, process in readers.items()
        }
    assert result.success and not lock_waits(result)
    (after,) = query(str(copy), TOTAL)[0]
    assert after == query(path, TOTAL)[0][0] and after != before
    assert set(seen["held"]) == {before}  # the file it holds never changed under it
    fresh = seen["fresh"]
    assert set(fresh) <= {before, after} and fresh[-1] == after  # old or new, never a mix
    assert fresh == sorted(fresh, key=lambda v: v == after)  # and never back to the old


def test_falcost_sql_reads_the_copy_while_a_writer_holds_the_warehouse(monkeypatch, tmp_path):
    import duckdb
    from click.testing import CliRunner

    from pipelines.cli import main

    sim = Simulation(small_config())
    path = str(tmp_path / "w.duckdb")
    with serving(sim) as url:
        assert run_job(url, path, FIRST, FIRST).success
    monkeypatch.setenv("FALCOST_WAREHOUSE", path)
    writer = duckdb.connect(path)  # as a sync would hold it
    try:
        answer = CliRunner().invoke(main, ["sql", "select count(*) as n from raw.usage_daily"])
    finally:
        writer.close()
    assert answer.exit_code == 0, answer.output
    assert str(len(sim.usage_items(FIRST))) in answer.output


def test_the_copy_goes_where_falcost_read_copy_says_and_readers_follow_it(monkeypatch, tmp_path):
    import duckdb

    from pipelines import settings
    from warehouse.publish import publish

    source = tmp_path / "falcost.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute("create table t as select 42 as answer")
    elsewhere = tmp_path / "shared" / "for-bi.duckdb"
    monkeypatch.setenv("FALCOST_WAREHOUSE", str(source))
    monkeypatch.setenv("FALCOST_READ_COPY", str(elsewhere))
    assert settings.readable_path() == str(source)  # nothing published yet
    assert publish(source).path == elsewhere
    assert settings.readable_path() == str(elsewhere)
    assert query(str(elsewhere), "select answer from t") == [(42,)]
    assert not published_path(source, {}).exists()  # not also beside the warehouse
