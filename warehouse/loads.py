"""Idempotent loads of validated polars frames, each in one transaction.

Frames are handed to DuckDB through Arrow (``register``), never row by row. Table and column
names come from the declarations in ``warehouse.tables`` only; values always travel as
parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import polars as pl

from pipelines import settings
from pipelines.fal.fanout import next_month
from warehouse import MARTS, sql
from warehouse.tables import FAL_FOCUS_CHARGES, PRICES, UNPRICED_ENDPOINTS, Table


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
    final_after: timedelta = settings.FINAL_AFTER,
) -> int:
    """Replace the UTC days ``[start, end)`` of the dated ``table`` with ``frame``, atomically.

    Every row of ``frame`` must fall inside the window (checked, so nothing outside it is
    duplicated). For a table with money, the same transaction keeps the revision ledger: a
    day already loaded whose rows change gets a ``meta.revisions`` row, and ``meta.day_status``
    marks a day final once it is re-pulled unchanged ``final_after`` past its end.
    Returns the number of rows inserted.
    """
    day_column = _day_column(table)
    if frame.height:
        low, high = frame[day_column].min(), frame[day_column].max()
        if low < start or high >= end:
            raise ValueError(
                f"{table.name}: rows from {low} to {high} fall outside [{start}, {end})"
            )
    ledger = "cost_total" in table.columns
    window = {"start": start, "end": end}
    stamped = _stamped(frame, load_id=load_id, loaded_at=loaded_at)
    with incoming(con, stamped), transaction(con):
        if ledger:
            con.execute(f"create or replace temp table days_before as {_day_totals(table)}", window)
        con.execute(
            f"delete from {table.name} where {day_column} >= $start and {day_column} < $end",
            window,
        )
        con.execute(f"insert into {table.name} by name select * from incoming")
        if ledger:
            con.execute(f"create or replace temp table days_after as {_day_totals(table)}", window)
            params = {"table_name": table.name, "load_id": load_id, "loaded_at": loaded_at}
            con.execute(sql("load/revisions_record"), params)
            con.execute(
                sql("load/day_status_upsert"), params | window | {"final_after": final_after}
            )
            con.execute("drop table days_before; drop table days_after")
        _record_load(
            con,
            load_id=load_id,
            table=table.name,
            rows=frame.height,
            loaded_at=loaded_at,
            start=start,
            end=end - timedelta(days=1),
        )
    return frame.height


def revised_by(con: duckdb.DuckDBPyConnection, table: Table, load_id: str) -> dict[str, Any]:
    """What the load ``load_id`` revised in ``table`` (``meta.revisions``): the days it changed
    and their cost change in USD; empty for a table without money."""
    if "cost_total" not in table.columns:
        return {}
    [(days, delta)] = con.execute(
        "select count(*), coalesce(sum(new_cost_total - old_cost_total), 0) from meta.revisions "
        "where table_name = $table and load_id = $load_id",
        {"table": table.name, "load_id": load_id},
    ).fetchall()
    return {"revised_days": days, "revised_usd": float(delta)}


def _day_totals(table: Table) -> str:
    """Per day of ``[$start, $end)``: rows, cost and a fingerprint of every row's content."""
    day = _day_column(table)
    content = ", ".join(c for c in table.columns if c != day)
    return (
        f"select {day} as day, count(*) as row_count, sum(cost_total) as cost_total, "
        f"bit_xor(hash({content})) as fingerprint from {table.name} "
        f"where {day} >= $start and {day} < $end group by all"
    )


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


def upsert_listing(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    frame: pl.DataFrame,
    *,
    load_id: str,
    loaded_at: datetime,
) -> int:
    """Insert new rows of a listing (the catalogue, the keys, the teams) and refresh listed
    ones, keeping their ``first_seen_at``; rows no longer listed keep theirs, with an older
    ``last_seen_at``."""
    key = ", ".join(table.grain)
    with incoming(con, frame), transaction(con):
        con.execute(
            f"insert or replace into {table.name} by name "
            "select incoming.*, coalesce(known.first_seen_at, $loaded_at) as first_seen_at, "
            "$loaded_at as last_seen_at, $load_id as load_id, $loaded_at as loaded_at "
            f"from incoming left join {table.name} as known using ({key})",
            {"load_id": load_id, "loaded_at": loaded_at},
        )
        _record_load(
            con,
            load_id=load_id,
            table=table.name,
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
    table: Table,
    frame: pl.DataFrame,
    *,
    snapshot_at: datetime,
    load_id: str,
    loaded_at: datetime,
) -> int:
    """Add one snapshot taken at ``snapshot_at`` (re-running the same instant replaces it)."""
    stamps = {"snapshot_at": snapshot_at} if "snapshot_at" in table.stamps else {}
    stamped = _stamped(frame, **stamps, load_id=load_id, loaded_at=loaded_at)
    with incoming(con, stamped), transaction(con):
        con.execute(f"delete from {table.name} where snapshot_at = $at", {"at": snapshot_at})
        con.execute(f"insert into {table.name} by name select * from incoming")
        _record_load(
            con,
            load_id=load_id,
            table=table.name,
            rows=frame.height,
            loaded_at=loaded_at,
            snapshot_at=snapshot_at,
        )
    return frame.height


def replace_statement(
    con: duckdb.DuckDBPyConnection,
    frame: pl.DataFrame,
    *,
    source: str,
    charge_month: date,
    load_id: str,
    loaded_at: datetime,
) -> int:
    """Replace fal's FOCUS statement (``source``) for ``charge_month`` with ``frame``, whole."""
    stamped = _stamped(frame, load_id=load_id, loaded_at=loaded_at)
    table = FAL_FOCUS_CHARGES.name
    with incoming(con, stamped), transaction(con):
        con.execute(
            f"delete from {table} where source = $source and charge_month = $month",
            {"source": source, "month": charge_month},
        )
        con.execute(f"insert into {table} by name select * from incoming")
        _record_load(
            con,
            load_id=load_id,
            table=table,
            rows=frame.height,
            loaded_at=loaded_at,
            start=charge_month,
            end=next_month(charge_month) - timedelta(days=1),
        )
    return frame.height


def record_source_access(
    con: duckdb.DuckDBPyConnection,
    source: str,
    *,
    at: datetime,
    refusal: tuple[int | None, str] | None = None,
) -> bool:
    """Note whether ``source`` answered (``refusal`` None) or was refused (status, message).

    Returns True when this is news: the source's first refusal, or its first answer after one,
    so a refusal is reported once and not on every sync.
    """
    status, message = refusal or (None, None)
    with transaction(con):
        before = con.execute(
            "select available from meta.source_access where source = $source", {"source": source}
        ).fetchall()
        con.execute(sql("load/source_access_upsert"), {
            "source": source,
            "available": refusal is None,
            "status_code": status,
            "message": message,
            "at": at,
        })  # fmt: skip
    was_available = before[0][0] if before else True
    return was_available != (refusal is None) or (not before and refusal is not None)


def build_mart(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Rebuild ``marts.<name>`` from its select-only SQL file, with its comments, atomically."""
    if name not in MARTS:
        raise ValueError(f"unknown mart {name!r}")
    with transaction(con):
        con.execute(f"create or replace table marts.{name} as {sql(f'marts/{name}')}")
        con.execute(sql(f"marts/{name}.comments"))
    return con.execute(f"select count(*) from marts.{name}").fetchall()[0][0]
