"""The report's sections about the bill as fal keeps it: the credit balance and its runway,
each month's reconciliation and how much of recent spend was revised after it was loaded."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from html import escape
from typing import NamedTuple

import duckdb
import polars as pl

from pipelines.insight import charts
from pipelines.insight.html import (
    Column,
    count,
    percent,
    section,
    signed_usd,
    source,
    status,
    table,
    text,
    usd,
)
from pipelines.insight.sections import Period, Section, chart_section, empty, rows

PROJECTION_MAX_DAYS = 365  # a longer runway would squash the balance history to a dot


class Runway(NamedTuple):
    """The latest balance over the recent average daily spend."""

    balance: Decimal
    at: datetime
    usd_per_day: Decimal | None  # None: no spend loaded in the window
    days_averaged: int
    days: float | None  # None: nothing to divide by


def runway(con: duckdb.DuckDBPyConnection, balances: pl.DataFrame, period: Period) -> Runway:
    balance = Decimal(str(balances["current_balance"][-1]))
    at = balances["snapshot_at"][-1]
    spend = rows(con, "recent_spend", end=period.end)
    if spend is None or spend["usd_per_day"][0] is None or spend["usd_per_day"][0] <= 0:
        return Runway(balance, at, None, 0, None)  # no spend (or only credits): no burn rate
    per_day = Decimal(str(spend["usd_per_day"][0]))
    return Runway(balance, at, per_day, int(spend["days"][0]), float(max(balance, 0) / per_day))


def projection(estimate: Runway) -> pl.DataFrame | None:
    """Two points, the latest balance and zero at the runway's end, for the dashed line."""
    if estimate.days is None or estimate.days > PROJECTION_MAX_DAYS or estimate.balance <= 0:
        return None
    return pl.DataFrame(
        {
            "snapshot_at": [estimate.at, estimate.at + timedelta(days=estimate.days)],
            "current_balance": [float(estimate.balance), 0.0],
        }
    )


def runway_text(estimate: Runway, period: Period) -> str:
    if estimate.balance <= 0:
        return f"The balance is overdrawn ({usd(estimate.balance)}): no runway left."
    if estimate.days is None:
        return f"No spend in the 7 days to {period.end}: no runway estimated."
    ends = (estimate.at + timedelta(days=estimate.days)).date()
    return (
        f'Runway <strong id="runway">about {estimate.days:,.0f} days</strong> (to around {ends}): '
        f"the latest balance divided by the average billed spend per day over the "
        f"{estimate.days_averaged} loaded days to {period.end} ({usd(estimate.usd_per_day)} a "
        f"day); top-ups and changes in spend are not foreseen."
    )


def credit_balance(con: duckdb.DuckDBPyConnection, period: Period, today: date) -> Section:
    name, title = "credit_balance", "Credit balance and runway"
    frame = rows(con, name, start=period.start, today=today)
    if frame is None:
        return empty(name, title, "raw.credit_balance_snapshots")
    estimate = runway(con, frame, period)
    line = projection(estimate)
    caption = (
        f"Prepaid credit balance in USD at each of the {frame.height:,} snapshots from "
        f"{period.start} to {today} (UTC); the latest, {usd(estimate.balance)}, read "
        f"{estimate.at:%Y-%m-%d %H:%M} UTC. {runway_text(estimate, period)}"
        + (" Dashed: that projection." if line is not None else "")
        + " "
        + source("raw.credit_balance_snapshots", "marts.spend_daily")
    )
    return chart_section(name, title, charts.credit_balance(frame, line), caption)


RECONCILIATION_COLUMNS = (
    Column("Month", "charge_month", lambda d: f"{d:%Y-%m}"),
    Column("Product", "product"),
    Column("falcost", "falcost_total", usd, numeric=True),
    Column("fal", "fal_total", usd, numeric=True),
    Column("fal's source", "fal_source", lambda s: text(s) or "none"),
    Column("Difference", "difference", signed_usd, numeric=True),
    Column(
        "Difference %",
        "difference_pct",
        lambda p: percent(p, signed=True, digits=2),
        numeric=True,
    ),
    Column("Status", "status", status, html=True),
    Column("Days loaded", "days_loaded", count, numeric=True),
    Column("Days final", "days_final", count, numeric=True),
)


def reconciliation(con: duckdb.DuckDBPyConnection, period: Period) -> Section:
    name, title = "reconciliation", "Reconciliation with fal's own totals"
    frame = rows(con, name, end=period.end)
    if frame is None:
        return empty(name, title, "marts.reconciliation")
    counts = frame["status"].value_counts(sort=True)
    summary = ", ".join(f"{n:,} {escape(s)}" for s, n in counts.iter_rows())
    caption = (
        f"Per charge month (UTC) and product, the 12 months to {period.end}: falcost's billed "
        f"USD against fal's own total (its FOCUS invoice or estimate, billing events, or the "
        f"fall of the credit balance), and the difference. match is to the cent; pending "
        f"means the month is open, only estimated, or has days not yet final. Rows: "
        f"{summary}. " + source("marts.reconciliation")
    )
    return Section(name, section(name, title, table(frame, RECONCILIATION_COLUMNS, caption, name)))


REVISION_COLUMNS = (
    Column("Day", "day", str),
    Column("Billed", "billed_usd", usd, numeric=True),
    Column("Revised (|change|)", "revised_usd", usd, numeric=True),
    Column("Net change", "net_usd", signed_usd, numeric=True),
    Column("Re-pulls that changed it", "revisions", count, numeric=True),
    Column("Final", "is_final", lambda f: "yes" if f else "not yet"),
)


def revised_share(frame: pl.DataFrame) -> str:
    billed = Decimal(str(frame["billed_usd"].sum()))
    revised = Decimal(str(frame["revised_usd"].sum()))
    share = 100 * revised / billed if billed else None
    days = int((frame["revisions"] > 0).sum())
    final = int(frame["is_final"].sum())
    return (
        f'<p id="revised-share">{days} of the last {frame.height} loaded days were revised '
        f"after their first load: {usd(revised)} changed, <strong>{percent(share)}</strong> "
        f"of the {usd(billed)} they billed (net {signed_usd(frame['net_usd'].sum())}). "
        f"{final} of {frame.height} days are final.</p>"
    )


def revisions(con: duckdb.DuckDBPyConnection, period: Period) -> Section:
    name, title = "revisions", "Revised after first load"
    frame = rows(con, name, end=period.end)
    if frame is None:
        return empty(name, title, "marts.spend_daily", "meta.revisions", "meta.day_status")
    caption = (
        f"Per UTC day of the 7 to {period.end}: billed USD and how much later re-pulls changed "
        f"the day's model API and serverless usage after it was first loaded (sum of "
        f"|new - old| cost, and the net change); final means no further revision is expected. "
        f"Organization usage revisions are left out: that table holds every team's usage. "
        + source("marts.spend_daily", "meta.revisions", "meta.day_status")
    )
    body = revised_share(frame) + "\n" + table(frame, REVISION_COLUMNS, caption, name)
    return Section(name, section(name, title, body))
