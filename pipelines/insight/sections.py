"""The report's sections about spend and traffic: daily spend, top models, cost per request,
requests and errors, the week's movers and spend per API key.

Each section runs its ``warehouse/reports/html_<name>.sql`` query and returns a ``Section``;
a query whose table is missing or empty gives the section's one-line "no data yet" note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from html import escape
from typing import Any

import duckdb
import polars as pl

import warehouse
from pipelines.insight import charts
from pipelines.insight.html import (
    Column,
    count,
    figure,
    no_data,
    percent,
    section,
    signed_usd,
    source,
    table,
    usd,
)

TOP_MODELS = 8  # named in the daily model spend; the rest is "other"
TOP_PER_REQUEST = 5  # lines in the cost-per-request chart
MOVERS = 5  # rises and falls listed


@dataclass(frozen=True)
class Period:
    """The UTC days the report covers, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return f"{self.start} to {self.end} (UTC)"


@dataclass(frozen=True)
class Section:
    name: str
    html: str
    charts: int = 0
    empty: bool = False


def rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pl.DataFrame | None:
    """The rows of ``warehouse/reports/html_<name>.sql``; None when a table it reads is missing
    or it returns nothing (a warehouse that has not built or loaded it yet)."""
    try:
        frame = con.sql(warehouse.sql(f"reports/html_{name}"), params=params).pl()
    except duckdb.CatalogException:
        return None
    return None if frame.is_empty() else frame


def empty(name: str, title: str, *tables: str) -> Section:
    return Section(name, section(name, title, no_data(tables)), empty=True)


def chart_section(name: str, title: str, chart: Any, caption: str, lead: str = "") -> Section:
    body = figure(charts.render(chart, name), caption, name)
    return Section(name, section(name, title, lead + body), charts=1)


def total(frame: pl.DataFrame, column: str) -> Decimal:
    return Decimal(str(frame[column].sum()))


def top_models(con: duckdb.DuckDBPyConnection, period: Period) -> list[str]:
    """The endpoints that cost the most over the period, most expensive first."""
    frame = rows(con, "top_models", start=period.start, end=period.end, n=TOP_MODELS)
    return [] if frame is None else frame["endpoint_id"].to_list()


def lead(con: duckdb.DuckDBPyConnection, period: Period) -> str:
    """The page's first line: what the period cost in all, and per product."""
    frame = rows(con, "spend_by_product", start=period.start, end=period.end)
    if frame is None:
        return f"No spend loaded yet for {escape(period.label)}."
    order = {p: i for i, p in enumerate(charts.PRODUCT_COLOURS)}
    per_product = sorted(
        frame.group_by("product").agg(pl.col("billed_usd").sum()).iter_rows(),
        key=lambda row: (order.get(row[0], len(order)), row[0]),
    )
    parts = ", ".join(f"{escape(p)} {usd(v)}" for p, v in per_product)
    return (
        f'Billed <strong id="total-spend">{usd(total(frame, "billed_usd"))}</strong> over '
        f"{period.days} days, {escape(period.label)}: {parts}."
    )


def spend_by_product(con: duckdb.DuckDBPyConnection, period: Period) -> Section:
    name, title = "spend_by_product", "Daily spend by product"
    frame = rows(con, name, start=period.start, end=period.end)
    if frame is None:
        return empty(name, title, "marts.spend_daily")
    caption = (
        f"Billed USD per UTC day, stacked by product (model APIs, serverless apps, compute), "
        f"{escape(period.label)}; {usd(total(frame, 'billed_usd'))} in all. "
        + source("marts.spend_daily")
    )
    return chart_section(name, title, charts.spend_by_product(frame), caption)


def spend_by_model(con: duckdb.DuckDBPyConnection, period: Period, top: list[str]) -> Section:
    name, title = "spend_by_model", "Daily spend of the top models"
    frame = rows(con, name, start=period.start, end=period.end, top=top) if top else None
    if frame is None:
        return empty(name, title, "marts.cost_per_model")
    models = [*top, charts.OTHER] if charts.OTHER in set(frame["model"]) else top
    caption = (
        f"Billed USD per UTC day for model APIs, {escape(period.label)}: the {len(top)} "
        f"endpoints that cost the most over the period by name, the rest as “other”; "
        f"{usd(total(frame, 'cost_usd'))} in all. " + source("marts.cost_per_model")
    )
    return chart_section(name, title, charts.spend_by_model(frame, models), caption)


def cost_per_request(con: duckdb.DuckDBPyConnection, period: Period, top: list[str]) -> Section:
    name, title = "cost_per_request", "Cost per request of the top models"
    shown = top[:TOP_PER_REQUEST]
    frame = rows(con, name, start=period.start, end=period.end, top=shown) if shown else None
    if frame is None:
        return empty(name, title, "marts.cost_per_model")
    caption = (
        f"USD per request (billed cost / requests) per UTC day for the {len(shown)} endpoints "
        f"that cost the most, {escape(period.label)}; log scale, days without requests left "
        f"out. " + source("marts.cost_per_model")
    )
    return chart_section(name, title, charts.cost_per_request(frame, shown), caption)


def request_trends(con: duckdb.DuckDBPyConnection, period: Period) -> Section:
    name, title = "request_trends", "Requests and error rates"
    frame = rows(con, name, start=period.start, end=period.end)
    if frame is None:
        return empty(name, title, "marts.request_trends")
    requests = int(frame["requests"].sum())
    errors, user_errors = int(frame["errors"].sum()), int(frame["user_errors"].sum())
    caption = (
        f"Requests per UTC day over all endpoints (bars) and their 7-day average (line); below, "
        f"the share of requests answered 5xx and 4xx, {escape(period.label)}. "
        f"{count(requests)} requests, {percent(100 * errors / requests if requests else None)} "
        f"5xx, {percent(100 * user_errors / requests if requests else None)} 4xx. "
        + source("marts.request_trends")
    )
    return chart_section(name, title, charts.request_trends(frame), caption)


MOVER_COLUMNS = (
    Column("", "direction", lambda d: "▲ up" if d == "up" else "▼ down"),
    Column("Endpoint", "endpoint_id"),
    Column("Previous 7 days", "previous_7d_usd", usd, numeric=True),
    Column("Last 7 days", "last_7d_usd", usd, numeric=True),
    Column("Change", "change_usd", signed_usd, numeric=True),
    Column(
        "Change %",
        "change_pct",
        lambda p: "new" if p is None else percent(p, signed=True),
        numeric=True,
    ),
)


def movers(con: duckdb.DuckDBPyConnection, period: Period) -> Section:
    name, title = "movers", "The week's biggest movers"
    frame = rows(con, name, end=period.end, n=MOVERS)
    if frame is None:
        return empty(name, title, "marts.cost_per_model")
    last, before = period.end - timedelta(days=6), period.end - timedelta(days=13)
    loaded = int(frame["previous_days_loaded"][0])
    partial = f" Only {loaded} of those 7 earlier days are loaded." if loaded < 7 else ""
    caption = (
        f"Model spend (billed USD) per endpoint, {last} to {period.end} against {before} to "
        f"{last - timedelta(days=1)} (UTC): the {MOVERS} largest rises and falls; % is of the "
        f"earlier week, “new” where it spent nothing then.{partial} "
        + source("marts.cost_per_model")
    )
    body = table(frame, MOVER_COLUMNS, caption, name)
    return Section(name, section(name, title, body))


def spend_by_key(con: duckdb.DuckDBPyConnection, period: Period) -> Section:
    name, title = "spend_by_key", "Spend per API key"
    frame = rows(con, "cost_by_key", start=period.start, end=period.end)
    if frame is None:
        return empty(name, title, "marts.cost_by_key")
    caption = (
        f"Billed USD per API key over {escape(period.label)}, all products; "
        f"{usd(total(frame, 'billed_usd'))} in all. Spend not billed through a key (serverless "
        f"apps, compute) shows as “unknown”. " + source("marts.cost_by_key")
    )
    return chart_section(name, title, charts.spend_by_key(frame), caption)
