"""Scenario 14: the warehouse path cannot be written, or the disk fills up during a load; the
Dagster instance folder ($DAGSTER_HOME) is full, read-only, or fills up during a sync.

Tests run as root, and root ignores file modes, so a read-only warehouse cannot be made with
chmod. Paths that refuse every user stand in for it (a regular file where a folder is expected,
a path under /proc), plus a tmpfs remounted read-only and a tmpfs too small for the next load
(both need CAP_SYS_ADMIN to mount and are skipped without it).
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from tests.reliability.harness import (
    LEDGERS,
    REVISED_DAY,
    TABLES,
    assert_exact,
    failures,
    run,
    snapshot,
    sync_args,
    sync_env,
)


@contextmanager
def tmpfs(folder: Path, size: int) -> Iterator[Path]:
    folder.mkdir(exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        gc.collect()  # nothing in this process may hold the file when it is unmounted
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(folder)], check=True)


def remount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)


@pytest.fixture
def unusable(request, tmp_path, synced) -> Iterator[tuple[str, bytes | None]]:
    """A warehouse path of the kind ``request.param`` names, and its bytes before the sync."""
    kind = request.param
    if kind == "file-as-folder":
        (tmp_path / "a-file").write_text("not a folder")
        yield str(tmp_path / "a-file" / "falcost.duckdb"), None
    elif kind == "under-proc":
        yield "/proc/falcost/falcost.duckdb", None
    elif kind == "a-folder":
        yield str(tmp_path), None
    else:  # "read-only-mount": a synced warehouse on a file system mounted read-only
        with tmpfs(tmp_path / "ro", 4 * synced.stat().st_size) as folder:
            shutil.copyfile(synced, folder / "falcost.duckdb")
            remount(folder, "ro")
            yield str(folder / "falcost.duckdb"), (folder / "falcost.duckdb").read_bytes()


@pytest.mark.parametrize(
    "unusable",
    ["file-as-folder", "under-proc", "a-folder", "read-only-mount"],
    indirect=True,
)
def test_an_unusable_warehouse_path_fails_with_one_line_and_changes_nothing(unusable, monkeypatch):
    path, content = unusable
    monkeypatch.setenv("FALCOST_WAREHOUSE", path)

    result = CliRunner().invoke(main, sync_args())

    assert isinstance(result.exception, SystemExit) and result.exit_code in (1, 2), result.output
    errors = [line for line in result.output.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1 and path in errors[0], result.output
    if content is not None:
        assert Path(path).read_bytes() == content


def csv_as_warehouse(url: str, tmp_path: Path, monkeypatch) -> tuple[Path, bytes]:
    """FALCOST_WAREHOUSE pointing at a CSV file (DuckDB 2.0 would open it as an in-memory
    database with the CSV as a view, and every load would vanish with the connection)."""
    path = tmp_path / "usage.csv"
    path.write_text("usage_date,endpoint_id,cost\n2026-09-01,fal-ai/flux/dev,1.5\n")
    for name, value in sync_env(url, path, tmp_path / "home").items():
        monkeypatch.setenv(name, value)
    return path, path.read_bytes()


def test_a_warehouse_path_that_is_not_a_duckdb_file_is_refused_and_left_as_it_was(
    account, url, tmp_path, monkeypatch
):
    path, content = csv_as_warehouse(url, tmp_path, monkeypatch)

    result = CliRunner().invoke(main, sync_args())

    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: cannot use the warehouse at {path}: the file is not a DuckDB database; "
        "set FALCOST_WAREHOUSE to a writable DuckDB file"
    ]
    assert path.read_bytes() == content
    assert account.stats.get("/v1/models", 0) == 0  # no asset ran


def test_a_bad_warehouse_path_is_refused_before_any_request(account, url, tmp_path, monkeypatch):
    csv_as_warehouse(url, tmp_path, monkeypatch)

    result = CliRunner().invoke(main, sync_args())

    assert result.exit_code == 2
    assert account.stats["requests"] == 0


@pytest.fixture
def full_disk(tmp_path, synced) -> Iterator[Path]:
    """The synced warehouse on a file system with 64 KiB to spare."""
    with tmpfs(tmp_path / "disk", synced.stat().st_size + 64 * 1024) as folder:
        path = folder / "falcost.duckdb"
        shutil.copyfile(synced, path)
        yield path


def test_a_full_disk_fails_the_loads_keeps_the_warehouse_and_a_re_run_heals(
    account, url, full_disk
):
    account.revise_usage(REVISED_DAY, 1.5)
    before = snapshot(full_disk)

    failed = run(url, full_disk)

    assert not failed.success
    assert "No space left on device" in failures(failed)["raw__usage_daily"]
    after = snapshot(full_disk)
    committed = {  # small loads that still fitted went in whole, each in its transaction
        e.event_specific_data.materialization.asset_key.to_user_string().replace("/", ".")
        for e in failed.all_events
        if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    }
    assert committed < set(TABLES) and "raw.usage_daily" not in committed
    assert {t for t in TABLES if after[t] != before[t]} <= committed | LEDGERS
    logged = set(after["meta.loads"]) - set(before["meta.loads"])
    assert {table for _, table, *_ in logged} <= committed
    remount(full_disk.parent, f"size={8 * os.path.getsize(full_disk)}")
    healed = run(url, full_disk)
    assert healed.success, failures(healed)
    assert_exact(full_disk, account)
    assert set(snapshot(full_disk)) == set(TABLES)


def test_a_failed_load_leaves_no_connection_open_on_the_warehouse(account, url, full_disk):
    account.revise_usage(REVISED_DAY, 1.5)
    gc.disable()  # a collection would close the leaked connection at a random moment
    try:
        assert not run(url, full_disk, job="usage_job").success

        duckdb.connect(str(full_disk), read_only=True).close()
    finally:
        gc.enable()


def fill(folder: Path) -> None:
    """Write into ``folder`` until its file system has no byte left."""
    with open(folder / "filler", "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(bytes(4096))
        except OSError:
            pass


@pytest.fixture
def unusable_home(request, tmp_path) -> Iterator[tuple[Path, str]]:
    """A DAGSTER_HOME of the kind ``request.param`` names, and the reason a sync must give."""
    kind = request.param
    size = 600 * 1024 if kind == "fills-during-the-sync" else 64 * 1024
    with tmpfs(tmp_path / "home", size) as folder:
        if kind == "full":
            fill(folder)
            yield folder, "No space left on device"
        elif kind == "read-only":
            remount(folder, "ro")
            yield folder, "Read-only file system"
        else:  # room for the settings and the probe, not for the run history: SQLite's words
            yield folder, "database or disk is full|disk I/O error|No space left on device"


@pytest.mark.parametrize(
    "unusable_home", ["full", "read-only", "fills-during-the-sync"], indirect=True
)
def test_an_unusable_dagster_home_ends_in_one_line_naming_the_cause_and_the_folder(
    account, url, tmp_path, monkeypatch, unusable_home
):
    home, reason = unusable_home
    warehouse = tmp_path / "falcost.duckdb"
    for name, value in sync_env(url, warehouse, home).items():
        monkeypatch.setenv(name, value)

    result = CliRunner().invoke(main, sync_args())

    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1, result.output
    head, _, cause = errors[0].partition(" (DAGSTER_HOME): ")
    assert head == f"error: cannot use the Dagster instance at {home}", errors[0]
    hint = "; free space there or set DAGSTER_HOME to a writable folder"
    assert re.fullmatch(f"({reason}){hint}", cause), errors[0]
    if "|" not in reason:  # full or read-only: found by the probe, before any request
        assert account.stats["requests"] == 0 and not warehouse.exists()
