"""Checks made before a sync writes: one sync per warehouse, a usable file, no other holder."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

import warehouse

LOCK_WAIT_SECONDS = 30.0
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


class SyncBusyError(RuntimeError):
    """Another sync, or another process, holds the warehouse."""


class WarehouseUnusableError(ValueError):
    """The warehouse path cannot hold a DuckDB database (a folder, read-only, not DuckDB)."""


def _unusable(path: str, reason: object) -> WarehouseUnusableError:
    return WarehouseUnusableError(
        f"cannot use the warehouse at {path}: {reason}; "
        "set FALCOST_WAREHOUSE to a writable DuckDB file"
    )


def check_warehouse_file(path: str) -> None:
    """Refuse a path that exists but is not a DuckDB database (DuckDB would open a CSV as an
    in-memory database and every load would vanish with the connection)."""
    target = Path(path)
    if target.is_dir():
        raise _unusable(path, "it is a folder")
    if target.is_file() and target.stat().st_size > 0:
        with open(target, "rb") as handle:
            header = handle.read(12)
        if header[8:12] != DUCKDB_MAGIC:
            raise _unusable(path, "the file is not a DuckDB database")


@contextmanager
def exclusive_sync(warehouse_path: str) -> Iterator[None]:
    """Refuse to start while another ``falcost sync`` writes the same warehouse file.

    DuckDB would make the second one wait on its file lock and fail after its retries; saying
    so at once, with the other process's pid, is clearer. The lock dies with its process.
    """
    check_warehouse_file(warehouse_path)
    lock_path = Path(f"{warehouse_path}.sync.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 - closed below, after the lock is dropped
    except OSError as exc:
        raise _unusable(warehouse_path, exc.strerror or exc) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise SyncBusyError(
                f"another falcost sync (pid {holder}) is writing {warehouse_path}; "
                "wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def wait_for_warehouse(
    path: str, *, timeout: float | None = None, notify: Callable[[str], None] = print
) -> None:
    """Wait (bounded) until no other process holds the DuckDB file, before the run starts.

    Without this, every asset of the run would wait out the warehouse resource's own retries
    in turn. DuckDB's lock error names the holder's program and pid, which is passed on.
    """
    timeout = LOCK_WAIT_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            warehouse.connect(path).close()
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise _unusable(path, exc) from None
            if time.monotonic() >= deadline:
                raise SyncBusyError(
                    f"the warehouse {path} is still held by another process after {timeout:.0f} s"
                    f" ({exc}); close that session (falcost sql, a DuckDB shell) and retry"
                ) from None
            if not told:
                notify(f"waiting up to {timeout:.0f} s for another process to release {path}")
                told = True
            time.sleep(0.5)
        except (duckdb.Error, OSError) as exc:
            raise _unusable(path, exc) from None
