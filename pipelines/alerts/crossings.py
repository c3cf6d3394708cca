"""What is worth a message: budget crossings and cost anomalies, read from the marts.

A **crossing** is one event that is notified once per target (its ``key`` is recorded in
``meta.alerts_sent``):

- a budget period passing its warn threshold: ``budget/<name>/<period>/<start>/warn/<warn_usd>``
- a budget period passing its limit: ``budget/<name>/<period>/<start>/limit/<limit_usd>``
- an anomaly day: ``anomaly/<scope>/<scope_id>/<day>``

The threshold is part of a budget crossing's key, so raising a limit that was passed makes the
new limit a crossing of its own. Only recent periods and days alert (``is_recent`` and
``alerts`` in the marts), so a first load of a year of history does not send a year of alerts.

A budget period whose warn and limit crossings are both unsent gets one message, the limit's,
which states both; it is recorded for both crossings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

BUDGETS_QUERY = """
select *  -- with an accounts file, ``account`` too
from marts.budget_status
where is_recent and status in ('warn', 'over')
order by period_start, budget_name
"""
ANOMALIES_QUERY = """
select *
from marts.cost_anomalies
where alerts
order by usage_date, scope, scope_id
"""
WARNING, FAILURE = "warning", "failure"  # apprise NotifyType values


@dataclass(frozen=True)
class Crossing:
    key: str
    kind: str  # budget or anomaly
    subject: str  # budget name, or scope:scope_id
    day: date  # period start, or the anomaly's day
    level: str  # warn, limit, up or down
    threshold_usd: Decimal | None
    amount_usd: Decimal


@dataclass(frozen=True)
class Finding:
    """A mart row with its crossings, least severe first."""

    kind: str
    row: dict[str, Any]
    crossings: tuple[Crossing, ...]


@dataclass(frozen=True)
class Alert:
    """One message, and the crossings it reports."""

    title: str
    body: str
    severity: str  # WARNING or FAILURE
    crossings: tuple[Crossing, ...]


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    result = con.execute(query)
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def findings(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Every recent budget crossing and alerting anomaly, sent or not."""
    budgets = [_budget_finding(row) for row in _rows(con, BUDGETS_QUERY)]
    anomalies = [_anomaly_finding(row) for row in _rows(con, ANOMALIES_QUERY)]
    return [_of_account(finding) for finding in budgets + anomalies]


def _of_account(finding: Finding) -> Finding:
    """With an accounts file, each account's crossings are its own: named, and sent apart."""
    account = finding.row.get("account")
    if account is None:
        return finding
    crossings = tuple(
        replace(c, key=f"{account}/{c.key}", subject=f"{account}: {c.subject}")
        for c in finding.crossings
    )
    return replace(finding, crossings=crossings)


def _budget_finding(row: dict[str, Any]) -> Finding:
    base = f"budget/{row['budget_name']}/{row['period']}/{row['period_start']}"
    levels = [("warn", row["warn_usd"])]
    if row["status"] == "over":
        levels.append(("limit", row["limit_usd"]))
    crossings = tuple(
        Crossing(
            key=f"{base}/{level}/{threshold}",
            kind="budget",
            subject=row["budget_name"],
            day=row["period_start"],
            level=level,
            threshold_usd=threshold,
            amount_usd=row["spent_usd"],
        )
        for level, threshold in levels
    )
    return Finding("budget", row, crossings)


def _anomaly_finding(row: dict[str, Any]) -> Finding:
    subject = f"{row['scope']}:{row['scope_id']}"
    crossing = Crossing(
        key=f"anomaly/{row['scope']}/{row['scope_id']}/{row['usage_date']}",
        kind="anomaly",
        subject=subject,
        day=row["usage_date"],
        level=row["direction"],
        threshold_usd=None,
        amount_usd=row["cost_total"],
    )
    return Finding("anomaly", row, (crossing,))


def alert(finding: Finding, unsent: set[str]) -> Alert | None:
    """The message for ``finding``'s crossings not sent yet (``unsent`` keys), if any."""
    todo = tuple(c for c in finding.crossings if c.key in unsent)
    if not todo:
        return None
    account = finding.row.get("account")
    said = f"account {account}: " if account else ""
    if finding.kind == "anomaly":
        title, body = anomaly_message(finding.row)
        return Alert(title, said + body, WARNING, todo)
    level = todo[-1].level
    title, body = budget_message(finding.row, level)
    return Alert(title, said + body, FAILURE if level == "limit" else WARNING, todo)


def usd(amount: Decimal | float) -> str:
    return f"{amount:,.2f} USD"


def _scope(scope: str, scope_id: str | None) -> str:
    return "the whole account" if scope == "account" else f"{scope} {scope_id}"


def _share(share: float) -> str:
    return f"{share * 100:g}%"


def budget_message(row: dict[str, Any], level: str) -> tuple[str, str]:
    """Title and body for a budget period past its warn threshold or its limit."""
    name, share, warn = row["budget_name"], row["spent_share"], _share(row["warn_share"])
    crossed = "over its limit" if level == "limit" else f"past {warn} of its limit"
    days = str(row["period_start"])
    if row["period_end"] != row["period_start"]:
        days += f" to {row['period_end']}"
    spent = f"{share:.1%} of the limit" if share is not None else "the limit is 0"
    lines = [
        f'Budget "{name}" ({_scope(row["scope"], row["scope_id"])}, {row["period"]} {days}) '
        f"has spent {usd(row['spent_usd'])} of its {usd(row['limit_usd'])} limit ({spent}), "
        f"as of {row['as_of_date']}.",
        f"Warn threshold: {usd(row['warn_usd'])} ({warn} of the limit).",
    ]
    if row["daily_rate_usd"] is not None:
        lines.append(
            f"Forecast to {row['period_end']}: {usd(row['forecast_usd'])}, at "
            f"{usd(row['daily_rate_usd'])} a day (the rate of {row['forecast_window_start']} "
            f"to {row['forecast_window_end']})."
        )
    title = f'falcost: budget "{name}" {crossed} ({row["period"]}, {row["period_start"]})'
    return title, "\n".join(lines)


def anomaly_message(row: dict[str, Any]) -> tuple[str, str]:
    """Title and body for an anomaly day."""
    what = _scope(row["scope"], row["scope_id"])
    body = (
        f"{what} cost {usd(row['cost_total'])} on {row['usage_date']}, {row['direction']} from "
        f"a median of {usd(row['baseline_median'])} (MAD {usd(row['baseline_mad'])}) over "
        f"{row['baseline_first_day']} to {row['baseline_last_day']}: {abs(row['score']):.1f} "
        f"times the MAD used ({usd(row['scale_usd'])}), past k = {row['k']:g}."
    )
    return f"falcost: cost anomaly, {what} on {row['usage_date']} ({row['direction']})", body
