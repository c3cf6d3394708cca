"""Read-only queries on the warehouse for people: the report and ``falcost sql``."""

from __future__ import annotations

import time
from pathlib import Path

import click
import duckdb
import polars as pl

import warehouse

REPORT = (
    ("Top models by cost", "reports/top_models_by_cost"),
    ("Daily request trend (all endpoints)", "reports/daily_request_trend"),
    ("Compute instances", "reports/instance_status"),
)
LOCK_RETRY_SECONDS = 10.0
# A session for people's queries touches the warehouse file and nothing else: no other file
# read or written (COPY ... TO, EXPORT DATABASE, read_csv('/etc/passwd'), ATTACH), no extension
# installed or loaded (INSTALL/LOAD, or DuckDB fetching one on its own), and, once the session
# is set up, no setting changed back (lock_configuration).
SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
}


def _sandboxed(path: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(path, read_only=True, config=SANDBOX)
    try:
        con.execute("set TimeZone = 'UTC'")  # as warehouse.connect: days derive from UTC
        con.execute("set python_enable_replacements = false")  # no Python variables as tables
        con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def open_read_only(path: str) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only and sandboxed (``SANDBOX``), waiting briefly while a sync
    holds the write lock."""
    if not Path(path).exists():
        raise click.ClickException(f"no warehouse at {path}: run `falcost sync` or `falcost demo`")
    deadline = time.monotonic() + LOCK_RETRY_SECONDS
    while True:
        try:
            return _sandboxed(path)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise click.ClickException(f"cannot open the warehouse at {path}: {exc}") from None
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"the warehouse is locked by another process (a running sync?): {exc}"
                ) from None
            time.sleep(0.5)


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
