"""Read-only queries on the warehouse for people: the report and ``falcost sql``."""

from __future__ import annotations

from pathlib import Path

import click
import duckdb
import polars as pl

import warehouse
from warehouse.connection import is_locked, open_sandboxed

REPORT = (
    ("Spend by product (USD, loaded days)", "reports/spend_by_product"),
    ("Reconciliation with fal's own totals", "reports/reconciliation"),
    ("Revised after first load (last 7 loaded days)", "reports/revisions"),
    ("Top models by cost", "reports/top_models_by_cost"),
    ("Daily request trend (all endpoints)", "reports/daily_request_trend"),
    ("Compute instances", "reports/instance_status"),
)
LOCK_WAIT_SECONDS = 10.0


def open_read_only(path: str) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only and sandboxed (``warehouse.connection.open_sandboxed``),
    waiting briefly while a sync holds the write lock."""
    if not Path(path).exists():
        raise click.ClickException(f"no warehouse at {path}: run `falcost sync` or `falcost demo`")
    try:
        return open_sandboxed(path, wait_s=LOCK_WAIT_SECONDS)
    except duckdb.IOException as exc:
        if is_locked(exc):
            raise click.ClickException(
                f"the warehouse is locked by another process (a running sync?): {exc}"
            ) from None
        raise click.ClickException(f"cannot open the warehouse at {path}: {exc}") from None


def _print(frame: pl.DataFrame, max_rows: int) -> None:
    with pl.Config(
        tbl_rows=max_rows,
        tbl_cols=-1,
        tbl_width_chars=200,
        fmt_str_lengths=60,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
    ):
        click.echo(frame)


def print_report(path: str) -> int:
    con = open_read_only(path)
    try:
        for title, query in REPORT:
            click.echo(f"\n{title}")
            try:
                _print(con.sql(warehouse.sql(query)).pl(), max_rows=20)
            except duckdb.CatalogException:
                click.echo("  (not built yet: run `falcost sync`)")
    finally:
        con.close()
    return 0


def print_query(path: str, query: str, *, max_rows: int) -> int:
    con = open_read_only(path)
    try:
        relation = con.sql(query)
        if relation is None:
            click.echo("ok")
            return 0
        _print(relation.pl(), max_rows=max_rows)
        return 0
    except duckdb.Error as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    finally:
        con.close()
