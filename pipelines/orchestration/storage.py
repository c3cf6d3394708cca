"""How Dagster's SQLite run history is written: a commit reaches the disk's cache, not the disk.

Dagster's SQLite storage (the embedded default) keeps its files in WAL mode, opens a connection
for every event and commits it on its own. SQLite's defaults then cost two waits on the disk
per event: the commit's fsync (``synchronous = FULL``), and the checkpoint that the last
connection to a file runs when it closes. A day-partitioned run writes one materialization per
asset and day; a 90-day sync spent about 9 of its 29 s waiting on the disk (``BENCHMARKS.md``).

- ``synchronous = NORMAL`` is SQLite's documented setting for WAL mode: a crashed or killed
  process loses nothing, a power cut can lose the last events of the run history but never
  corrupts it;
- one idle connection per file stays open for the life of the process, so closing Dagster's
  connections never checkpoints; SQLite still checkpoints every 1,000 pages, and once at exit.

Only SQLite connections opened through SQLAlchemy are touched (a PostgreSQL-backed instance is
not), and the warehouse's own durability (DuckDB) is not.
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

_keepers: dict[str, sqlite3.Connection] = {}
_lock = threading.Lock()


def _relax(dbapi_connection: object, _record: object) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.execute("pragma synchronous = normal")
    path = dbapi_connection.execute("pragma database_list").fetchone()[2]
    if not path or dbapi_connection.execute("pragma journal_mode").fetchone()[0] != "wal":
        return  # in memory, or not yet in WAL mode (a new file): the next connection keeps it
    with _lock:
        if path not in _keepers:
            keeper = sqlite3.connect(path, check_same_thread=False)
            keeper.execute("select count(*) from sqlite_master").fetchall()  # opens the WAL
            _keepers[path] = keeper


def relax_sqlite_commits() -> None:
    """Every SQLite connection SQLAlchemy opens from now on in this process commits without
    waiting on the disk (idempotent)."""
    if not event.contains(Engine, "connect", _relax):
        event.listen(Engine, "connect", _relax)
