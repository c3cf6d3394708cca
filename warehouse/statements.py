"""Which months of fal's FOCUS statement a sync asks for."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from pipelines.fal.fanout import next_month

INVOICE_CATCH_UP_MONTHS = 3  # closed months still awaiting their invoice are asked again


def months_of(start: date, end: date) -> list[date]:
    """First days of the months the days ``[start, end)`` touch."""
    months, month = [], start.replace(day=1)
    while month < end:
        months.append(month)
        month = next_month(month)
    return months


def statement_months(con: duckdb.DuckDBPyConnection, start: date, end: date) -> list[date]:
    """The months the days ``[start, end)`` touch, and the recent months the warehouse holds
    only an estimate for (fal issues an invoice after its month closes; a later sync that no
    longer covers that month still fetches it)."""
    since = start.replace(day=1) - timedelta(days=31 * INVOICE_CATCH_UP_MONTHS)
    awaited = con.execute(
        "select distinct charge_month from raw.fal_focus_charges "
        "where source = 'estimate' and charge_month >= $since and charge_month not in "
        "(select charge_month from raw.fal_focus_charges where source = 'invoice')",
        {"since": since},
    ).fetchall()
    return sorted(set(months_of(start, end)) | {month for (month,) in awaited})
