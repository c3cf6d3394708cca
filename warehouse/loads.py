"""Idempotent loads of validated polars frames, each in one transaction.

Frames are handed to DuckDB through Arrow (``register``), never row by row. Table and column
names come from the declarations in ``warehouse.tables`` only; values always travel as
parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import duckdb
import polars as pl

from warehouse import MARTS, sql
from warehouse.tables import INSTANCE_SNAPSHOTS, MODELS, PRICES, UNPRICED_ENDPOINTS, Table


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit on success, roll back on any error (a crash mid-load leaves the previous state)."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


@contextmanager
def incoming(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, name: str = "incoming"
) -> Iterator[None]:
    """Expose ``frame`` to SQL as the view ``name`` (through Arrow, without copying).

    Enter it before ``transaction``, so a failed transaction is rolled back before this
    unregisters (DuckDB refuses anything but ROLLBACK inside an aborted transaction).
    """
    # polars' own string layout (string_view) passes through without a copy
    con.register(name, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        yield
    finally:
        con.unregister(name)


def _day_column(table: Table) -> str:
    if table.day_column is None:
        raise ValueError(f"{table.name} is not dated: its loads do not replace days")
    return table.day_column


def _stamped(frame: pl.DataFrame, **values: object) -> pl.DataFrame:
    return frame.with_columns(pl.lit(value).alias(name) for name, value in values.items())


def _record_load(
    con: duckdb.DuckDBPyConnection,
    *,
    load_id: str,
    table: str,
    rows: int,
    loaded_at: datetime,
    start: date | None = None,
    end: date | None = None,
    snapshot_at: datetime | None = None,
) -> None:
    con.execute(
        "insert into meta.loads values ($load_id, $table, $start, $end, $snapshot_at, $rows, $at)",
        {
            "load_id": load_id,
            "table": table,
            "start": start,
            "end": end,
            "snapshot_at": snapshot_at,
            "rows": rows,
            "at": loaded_at,
        },
    )


def replace_days(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    frame: pl.DataFrame,
    *,
    start: date,
    end: date,
    load_id: str,
    loaded_at: datetime,
) -> int:
    """Replace the UTC days ``[start, end)`` of the dated ``table`` with ``frame``, atomically.

    Every row of ``frame`` must fall inside the window (checked, so nothing outside it is
    duplicated). Returns the number of rows inserted.
    """
    day_column = _day_column(table)
    if frame.height:
        low, high = frame[day_column].min(), frame[day_column].max()
        if low < start or high >= end:
            raise ValueError(
                f"{table.name}: rows from {low} to {high} fall outside [{start}, {end})"
            )
    stamped = _stamped(frame, load_id=load_id, loaded_at=loaded_at)
    with incoming(con, stamped), transaction(con):
        con.execute(
            f"delete from {table.name} where {day_column} >= $start and {day_column} < $end",
            {"start": start, "end": end},
        )
        con.execute(f"insert into {table.name} by name select * from incoming")
        _record_load(
            con,
            load_id=load_id,
            table=table.name,
            rows=frame.height,
            loaded_at=loaded_at,
            start=start,
            end=date.fromordinal(end.toordinal() - 1),
        )
    return frame.height


def currencies_outside(
    con: duckdb.DuckDBPyConnection, table: Table, *, start: date, end: date
) -> list[str]:
    """The currencies of ``table``'s rows outside the days ``[start, end)`` (those a window load
    keeps), so a load can refuse to mix a second currency into the table."""
    day_column = _day_column(table)
    rows = con.execute(
        f"select distinct currency from {table.name} "
        f"where {day_column} < $start or {day_column} >= $end order by 1",
        {"start": start, "end": end},
    ).fetchall()
    return [currency for (currency,) in rows]


def upsert_models(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, load_id: str, loaded_at: datetime
) -> int:
    """Insert new endpoints and refresh listed ones; endpoints no longer listed keep their row."""
    with incoming(con, frame), transaction(con):
        con.execute(sql("load/models_upsert"), {"load_id": load_id, "loaded_at": loaded_at})
        _record_load(
            con,
            load_id=load_id,
            table=MODELS.name,
            rows=frame.height,
            loaded_at=loaded_at,
            snapshot_at=loaded_at,
        )
    return frame.height


def apply_prices(
    con: duckdb.DuckDBPyConnection,
    prices: pl.DataFrame,
    unpriced: pl.DataFrame,
    *,
    load_id: str,
    loaded_at: datetime,
) -> dict[str, int]:
    """Fold a full price snapshot into the history and replace the list of unpriced endpoints.

    Returns how many price rows were closed and opened.
    """
    params = {"load_id": load_id, "loaded_at": loaded_at}
    gaps = _stamped(unpriced, checked_at=loaded_at, load_id=load_id, loaded_at=loaded_at)
    with incoming(con, prices), incoming(con, gaps, "unpriced"), transaction(con):
        closed = con.execute(sql("load/prices_close"), {"loaded_at": loaded_at}).fetchall()
        opened = con.execute(sql("load/prices_open"), params).fetchall()
        con.execute(f"delete from {UNPRICED_ENDPOINTS.name}")
        con.execute(f"insert into {UNPRICED_ENDPOINTS.name} by name select * from unpriced")
        _record_load(
            con,
            load_id=load_id,
            table=PRICES.name,
            rows=opened[0][0],
            loaded_at=loaded_at,
            snapshot_at=loaded_at,
        )
    return {"closed": closed[0][0], "opened": opened[0][0]}


def append_snapshot(
    con: duckdb.DuckDBPyConnection,
    frame: pl.DataFrame,
    *,
    snapshot_at: datetime,
    load_id: str,
    loaded_at: datetime,
) -> int:
    """Add one instance snapshot (re-running the same snapshot instant replaces it)."""
    stamped = _stamped(frame, snapshot_at=snapshot_at, load_id=load_id, loaded_at=loaded_at)
    with incoming(con, stamped), transaction(con):
        con.execute(
            f"delete from {INSTANCE_SNAPSHOTS.name} where snapshot_at = $at", {"at": snapshot_at}
        )
        con.execute(f"insert into {INSTANCE_SNAPSHOTS.name} by name select * from incoming")
        _record_load(
            con,
            load_id=load_id,
            table=INSTANCE_SNAPSHOTS.name,
            rows=frame.height,
            loaded_at=loaded_at,
            snapshot_at=snapshot_at,
        )
    return frame.height


def build_mart(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Rebuild ``marts.<name>`` from its select-only SQL file, with its comments, atomically."""
    if name not in MARTS:
        raise ValueError(f"unknown mart {name!r}")
    with transaction(con):
        con.execute(f"create or replace table marts.{name} as {sql(f'marts/{name}')}")
        con.execute(sql(f"marts/{name}.comments"))
    return con.execute(f"select count(*) from marts.{name}").fetchall()[0][0]
