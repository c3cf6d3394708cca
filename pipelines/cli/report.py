"""Read-only queries on the warehouse for people: the report and ``falcost sql``."""

from __future__ import annotations

import shutil
import traceback
from collections.abc import Sequence
from pathlib import Path

import click
import duckdb
import polars as pl

import warehouse
from warehouse.account_view import open_team, show_account
from warehouse.connection import connect, is_locked, open_sandboxed

REPORT = (
    ("Spend by product (USD, loaded days)", "reports/spend_by_product"),
    ("Reconciliation with fal's own totals", "reports/reconciliation"),
    ("Revised after first load (last 7 loaded days)", "reports/revisions"),
    ("Top models by cost", "reports/top_models_by_cost"),
    ("Daily request trend (all endpoints)", "reports/daily_request_trend"),
    ("Compute instances", "reports/instance_status"),
)
LOCK_WAIT_SECONDS = 10.0
COLUMN_WIDTH = 16  # characters a column needs to show a date, an amount or an id


def open_read_only(path: str, *, sandboxed: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, waiting briefly while a sync holds the write lock:
    sandboxed for people's queries (``warehouse.connection.open_sandboxed``), or not, for
    falcost's own exports, which write their file (``COPY … TO``)."""
    if not Path(path).exists():
        raise click.ClickException(f"no warehouse at {path}: run `falcost sync` or `falcost demo`")
    try:
        if not sandboxed:
            return connect(path, read_only=True, wait_s=LOCK_WAIT_SECONDS)
        return open_sandboxed(path, wait_s=LOCK_WAIT_SECONDS)
    except duckdb.IOException as exc:
        if is_locked(exc):
            raise click.ClickException(
                f"the warehouse is locked by another process (a running sync?): {exc}"
            ) from None
        raise click.ClickException(f"cannot open the warehouse at {path}: {exc}") from None


def _print(frame: pl.DataFrame, max_rows: int) -> None:
    """The frame as a table that fits the terminal: as many columns as have room (polars
    elides the middle ones), long text cut rather than wrapped."""
    width = shutil.get_terminal_size((120, 24)).columns
    columns = max(2, min(frame.width, width // COLUMN_WIDTH))
    with pl.Config(
        tbl_rows=max_rows,
        tbl_cols=columns,
        tbl_width_chars=width,
        fmt_str_lengths=max(8, width // columns - 6),
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
    ):
        click.echo(frame)
    if columns < frame.width:
        click.echo(f"{frame.width} columns, {columns} shown: widen the terminal or select fewer")


PERIOD = "select min(usage_date), max(usage_date) from marts.spend_daily"


def _print_sections(con: duckdb.DuckDBPyConnection, path: str, account: str | None) -> None:
    try:
        first, last = con.execute(PERIOD).fetchall()[0]
    except duckdb.CatalogException:
        first = last = None
    period = f"{first}..{last} (UTC days loaded)" if first else "nothing loaded yet"
    of = f", account {account}" if account else ""
    click.echo(f"falcost report{of}: {period}; amounts in USD; warehouse {path}")
    for title, query in REPORT:
        click.echo(f"\n{title}")
        try:
            _print(con.sql(warehouse.sql(query)).pl(), max_rows=20)
        except duckdb.CatalogException:
            click.echo("  (not built yet: run `falcost sync`)")


def print_report(path: str, accounts: Sequence[str] = ()) -> int:
    """The report; with ``accounts``, one after another, each of its own rows."""
    con = open_accounts(path) if accounts else open_read_only(path)
    try:
        if not accounts:
            _print_sections(con, path, None)
        for i, name in enumerate(accounts):
            show_account(con, name)
            if i:
                click.echo()
            _print_sections(con, path, name)
    finally:
        con.close()
    return 0


def open_accounts(path: str) -> duckdb.DuckDBPyConnection:
    """The published team warehouse, for reading one account at a time
    (``warehouse.account_view``)."""
    if not Path(path).exists():
        raise click.ClickException(f"no warehouse at {path}: run `falcost sync`")
    try:
        return open_team(path)
    except duckdb.IOException as exc:
        raise click.ClickException(f"cannot open the warehouse at {path}: {exc}") from None


def print_query(path: str, query: str, *, max_rows: int, debug: bool = False) -> int:
    """Print the first ``max_rows`` rows of ``query`` and how many rows it has in all."""
    con = open_read_only(path)
    try:
        relation = con.sql(query)
        if relation is None:
            click.echo("ok")
            return 0
        total = relation.aggregate("count(*)").fetchall()[0][0]
        _print(relation.limit(max_rows).pl(), max_rows=max_rows)
        shown = f"{max_rows:,} of " if total > max_rows else ""
        more = " (--max-rows to see more)" if total > max_rows else ""
        click.echo(f"{shown}{total:,} row{'s' if total != 1 else ''}{more}")
        return 0
    except duckdb.Error as exc:
        if debug:
            click.echo(traceback.format_exc(), err=True)
        click.echo(f"error: {exc}", err=True)
        return 1
    finally:
        con.close()


def write_html(path: str, out: Path, account: str | None = None) -> int:
    """Write the charted report (``pipelines.insight``) to ``out`` and say where; of one
    ``account`` of the accounts file, when given."""
    from pipelines.insight.report_html import write_html_report

    con = open_accounts(path) if account else open_read_only(path)
    try:
        if account:
            show_account(con, account)
        summary = write_html_report(con, out)
    finally:
        con.close()
    empty = f"; no data yet: {', '.join(summary.empty_sections)}" if summary.empty_sections else ""
    click.echo(
        f"wrote {summary.path}: {summary.charts} charts, "
        f"{summary.period_start}..{summary.period_end}{empty}"
    )
    return 0
