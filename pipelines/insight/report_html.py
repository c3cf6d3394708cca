"""The charted spend report: one self-contained HTML file written from the warehouse.

``write_html_report`` reads the marts (and the credit balance and revision ledger) through
``warehouse/reports/html_*.sql`` and writes a page that opens offline: CSS inline, charts as
static SVG (``pipelines.insight.charts``), no script, nothing fetched. It only reads, so a
read-only or sandboxed connection (``warehouse.connection.open_sandboxed``) is enough.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from pipelines.insight import html, ledger, sections
from pipelines.insight.sections import Period, Section, rows

PERIOD_DAYS = 30


@dataclass(frozen=True)
class ReportSummary:
    """What was written: where, the UTC days covered, how many charts, which sections had no
    data yet (by section id), and the period's billed total (None without spend)."""

    path: Path
    period_start: date
    period_end: date
    charts: int
    empty_sections: tuple[str, ...]
    total_billed: Decimal | None


def report_period(con: duckdb.DuckDBPyConnection, today: date) -> Period:
    """The last ``PERIOD_DAYS`` days up to the latest spend day loaded on or before ``today``
    (yesterday when none is), never before the first day loaded."""
    days = rows(con, "period", today=today)
    last = None if days is None else days["last_day"][0]
    end = last or today - timedelta(days=1)
    start = end - timedelta(days=PERIOD_DAYS - 1)
    if last is not None:
        start = max(start, days["first_day"][0])
    return Period(start, end)


def build_sections(con: duckdb.DuckDBPyConnection, period: Period, today: date) -> list[Section]:
    top = sections.top_models(con, period)
    return [
        sections.spend_by_product(con, period),
        sections.spend_by_model(con, period, top),
        sections.cost_per_request(con, period, top),
        sections.request_trends(con, period),
        sections.movers(con, period),
        sections.spend_by_key(con, period),
        ledger.credit_balance(con, period, today),
        ledger.reconciliation(con, period),
        ledger.revisions(con, period),
    ]


def period_total(con: duckdb.DuckDBPyConnection, period: Period) -> Decimal | None:
    frame = rows(con, "spend_by_product", start=period.start, end=period.end)
    return None if frame is None else sections.total(frame, "billed_usd")


def write_atomically(out: Path, content: str) -> None:
    """Write through a temporary file beside ``out``, so a reader (a browser, a web server)
    never sees half a report."""
    out.parent.mkdir(parents=True, exist_ok=True)
    # not tempfile.mkstemp: its file is private (0600); this one gets the umask's mode
    temporary = out.with_name(f".{out.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        temporary.write_text(content, encoding="utf-8")
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_html_report(
    con: duckdb.DuckDBPyConnection, out: Path, *, today: date | None = None
) -> ReportSummary:
    """Write the spend report for the last ``PERIOD_DAYS`` loaded days up to ``today`` (UTC
    today by default) to ``out`` and say what it holds.

    A section whose table is missing or empty shows a one-line "no data yet" note, so any
    warehouse, even an empty file, gives a report. Raises ``duckdb.Error`` for anything else
    (a locked or corrupt file) and ``OSError`` when ``out`` cannot be written.
    """
    today = today or datetime.now(UTC).date()
    period = report_period(con, today)
    built = build_sections(con, period, today)
    page = html.page(
        start=str(period.start),
        end=str(period.end),
        lead=sections.lead(con, period),
        sections=[s.html for s in built],
        generated=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
    )
    write_atomically(Path(out), page)
    return ReportSummary(
        path=Path(out),
        period_start=period.start,
        period_end=period.end,
        charts=sum(s.charts for s in built),
        empty_sections=tuple(s.name for s in built if s.empty),
        total_billed=period_total(con, period),
    )
