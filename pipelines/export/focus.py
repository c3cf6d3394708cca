"""FOCUS 1.2 (CostAndUsage) export of every cost stream the warehouse holds.

The rows and the mapping from falcost's columns are one SQL file, ``warehouse/exports/focus.sql``
(documented in the README). Money is exact: DECIMAL(18, 9) in Parquet, its decimal text in CSV;
dates and times are UTC in ISO 8601 (``2026-10-01T00:00:00Z`` in CSV). The file is written
beside its destination and renamed into place, so a reader never sees half an export.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

import warehouse

FORMATS = ("csv", "parquet")
DATETIME_COLUMNS = (
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargePeriodEnd",
    "ChargePeriodStart",
)
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"
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


def export_focus(
    con: duckdb.DuckDBPyConnection, start: date, end: date, path: Path, fmt: str
) -> FocusExport:
    """Write the FOCUS rows of the UTC days ``[start, end)`` to ``path`` as ``fmt``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if start >= end:
        raise ValueError(f"an empty period: {start} is not before {end}")
    con.execute(
        "create or replace temp table focus_export as " + warehouse.sql("exports/focus"),
        {"start": start, "end": end},
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
