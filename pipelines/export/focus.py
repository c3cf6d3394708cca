"""FOCUS 1.2 (CostAndUsage) export of every cost stream the warehouse holds.

The rows and the mapping from falcost's columns are one SQL file, ``warehouse/exports/focus.sql``
(documented in the README). Money is exact: DECIMAL(18, 9) in Parquet, its decimal text in CSV;
dates and times are UTC in ISO 8601 (``2026-10-01T00:00:00Z`` in CSV). The file is written
beside its destination and renamed into place, so a reader never sees half an export.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

import warehouse
from warehouse.account_view import show_account

FORMATS = ("csv", "parquet")
DATETIME_COLUMNS = (
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargePeriodEnd",
    "ChargePeriodStart",
)
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"
ACCOUNT_COLUMN = "x_FalcostAccount"  # with an accounts file: the account of the row
WAREHOUSE_TOTAL = (
    "select coalesce(sum(billed_cost), 0) from marts.spend_daily "
    "where usage_date >= $start and usage_date < $end"
)


@dataclass(frozen=True)
class FocusExport:
    path: Path
    rows: int
    billed_cost: Decimal  # the sum of BilledCost, to compare with the warehouse's total
    start: date
    end: date  # exclusive


def _rows_of_each_account(
    con: duckdb.DuckDBPyConnection, accounts: Sequence[str], params: dict
) -> None:
    """``focus_export`` as every account's rows, each named in ``x_FalcostAccount``: the SQL
    reads one account at a time (``warehouse.account_view``)."""
    query = warehouse.sql("exports/focus")
    try:
        for i, name in enumerate(accounts):
            show_account(con, name)
            rows = f"select *, '{name}' as \"{ACCOUNT_COLUMN}\" from ({query})"
            if i == 0:
                con.execute(f"create or replace temp table focus_export as {rows}", params)
            else:
                con.execute(f"insert into focus_export {rows}", params)
    finally:  # one account: its own rows stay in view, for its total
        show_account(con, accounts[0] if len(accounts) == 1 else None)


def export_focus(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    path: Path,
    fmt: str,
    accounts: Sequence[str] = (),
) -> FocusExport:
    """Write the FOCUS rows of the UTC days ``[start, end)`` to ``path`` as ``fmt``; with
    ``accounts``, every one of those accounts' (``con`` from ``warehouse.account_view``)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if start >= end:
        raise ValueError(f"an empty period: {start} is not before {end}")
    params = {"start": start, "end": end}
    if accounts:
        _rows_of_each_account(con, accounts, params)
    else:
        con.execute(
            "create or replace temp table focus_export as " + warehouse.sql("exports/focus"),
            params,
        )
    try:
        rows, billed = con.execute(
            'select count(*), coalesce(sum("BilledCost"), 0) from focus_export'
        ).fetchone()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            con.execute(f"copy ({_select(fmt)}) to '{_quoted(draft)}' ({_options(fmt)})")
            draft.replace(path)
        finally:
            draft.unlink(missing_ok=True)
    finally:
        con.execute("drop table if exists focus_export")
    return FocusExport(path=path, rows=rows, billed_cost=Decimal(billed), start=start, end=end)


def warehouse_total(con: duckdb.DuckDBPyConnection, start: date, end: date) -> Decimal:
    """What the warehouse says was billed over ``[start, end)``: an export must say the same."""
    return con.execute(WAREHOUSE_TOTAL, {"start": start, "end": end}).fetchall()[0][0]


def _select(fmt: str) -> str:
    if fmt == "parquet":
        return "select * from focus_export"
    stamps = ", ".join(f'strftime("{c}", \'{ISO_UTC}\') as "{c}"' for c in DATETIME_COLUMNS)
    return f"select * replace ({stamps}) from focus_export"


def _options(fmt: str) -> str:
    return "format parquet" if fmt == "parquet" else "format csv, header true"


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
