"""One account's rows of the team warehouse, under the usual table names.

The report and export SQL name ``raw.…``, ``marts.…`` and ``meta.…`` and know nothing of
accounts. ``open_team`` attaches the team warehouse (read-only) to an in-memory database;
``show_account`` then makes those names views of one account's rows (or of every account's),
so the same SQL answers for each account in turn, from the published copy, never waiting for a
sync.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.combine import SCHEMAS, quoted

TEAM = "team"  # the attached team warehouse's catalog


def open_team(path: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the team warehouse at ``path`` attached read-only."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {quoted(str(path))} as {TEAM} (read_only)")
        for schema in SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
    except BaseException:
        con.close()
        raise
    return con


def show_account(con: duckdb.DuckDBPyConnection, account: str | None) -> None:
    """Point ``raw.…``, ``marts.…`` and ``meta.…`` of ``con`` at ``account``'s rows (without the
    column), or at every account's (with it) for ``None``."""
    tables = con.execute(
        "select schema_name || '.' || table_name, list_contains(list(column_name), 'account') "
        "from duckdb_columns() where database_name = $db and list_contains($schemas, "
        "schema_name) group by all",
        {"db": TEAM, "schemas": list(SCHEMAS)},
    ).fetchall()
    for table, has_account in tables:
        if account is None or not has_account:
            rows = f"select * from {TEAM}.{table}"
        else:
            rows = (
                f"select * exclude (account) from {TEAM}.{table} where account = {quoted(account)}"
            )
        con.execute(f"create or replace view {table} as {rows}")
