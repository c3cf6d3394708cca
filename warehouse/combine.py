"""The team warehouse of several fal accounts: every account's tables, side by side.

Each account is synced into a file of its own by the ordinary loads and marts
(``pipelines.accounts``); ``combine`` rebuilds each raw, mart and meta table of the team
warehouse as the union of the accounts' tables, with an ``account`` column in front. One
transaction: a reader of the team warehouse sees the accounts of one combine, never a mix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

SCHEMAS = ("raw", "marts", "meta")
# the team warehouse's own: the DDL stamp, and the alerts its own runs delivered
TEAM_OWNED = frozenset({"meta.ddl_applied", "meta.alerts_sent"})
ACCOUNT_COMMENT = "fal account the row belongs to (name in the FALCOST_ACCOUNTS file)"


def quoted(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    rows = con.execute(
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where database_name = $db and list_contains($schemas, schema_name) order by 1",
        {"db": database, "schemas": list(SCHEMAS)},
    ).fetchall()
    return [name for (name,) in rows if name not in TEAM_OWNED]


def _comments(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    """``comment on`` statements that give the team's table the account table's comments."""
    schema, name = table.split(".")
    where = {"db": database, "schema": schema, "name": name}
    statements = [f"comment on column {table}.account is {quoted(ACCOUNT_COMMENT)}"]
    for (comment,) in con.execute(
        "select comment from duckdb_tables() where database_name = $db "
        "and schema_name = $schema and table_name = $name and comment is not null",
        where,
    ).fetchall():
        statements.append(f"comment on table {table} is {quoted(comment)}")
    for column, comment in con.execute(
        "select column_name, comment from duckdb_columns() where database_name = $db "
        "and schema_name = $schema and table_name = $name and comment is not null",
        where,
    ).fetchall():
        statements.append(f'comment on column {table}."{column}" is {quoted(comment)}')
    return statements


@contextmanager
def attached(con: duckdb.DuckDBPyConnection, files: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """Attach the accounts' files (``name -> path``) read-only to ``con``; yield ``name ->
    catalog``. Accounts without a file yet are left out."""
    present = {name: path for name, path in files.items() if Path(path).is_file()}
    aliases = {name: f"account_{i}" for i, name in enumerate(present)}
    done: list[str] = []
    try:
        for name, path in present.items():
            con.execute(f"attach {quoted(path)} as {aliases[name]} (read_only)")
            done.append(aliases[name])
        yield aliases
    finally:
        for alias in done:
            con.execute(f"detach {alias}")


class AccountsMismatch(ValueError):
    """A warehouse written for one account used for several, or the other way round."""


def holds_accounts(con: duckdb.DuckDBPyConnection) -> bool | None:
    """Whether ``con``'s warehouse holds several accounts (True: its tables have the ``account``
    column), one (False: loads without it), or nothing yet (None)."""
    columns = con.execute(
        "select column_name from duckdb_columns() where database_name = current_database() "
        "and schema_name = 'meta' and table_name = 'loads'"
    ).fetchall()
    if not columns:
        return None
    if ("account",) in columns:
        return True
    loads = con.execute("select count(*) from meta.loads").fetchall()[0][0]
    return False if loads else None


def refuse_mismatch(con: duckdb.DuckDBPyConnection, path: str, *, several: bool) -> None:
    """Refuse to load one account into a warehouse of several, or to combine several into a
    warehouse of one (either would silently drop or mix rows); one line says what to do."""
    held = holds_accounts(con)
    if held is None or held == several:
        return
    if several:
        raise AccountsMismatch(
            f"{path} holds one account's data, loaded without FALCOST_ACCOUNTS: to keep it, "
            "move the file to its account's own (<warehouse>.accounts/<name>.duckdb), or set "
            "FALCOST_WAREHOUSE to a new file"
        )
    raise AccountsMismatch(
        f"{path} holds several accounts' data (FALCOST_ACCOUNTS): set FALCOST_ACCOUNTS again, "
        "or FALCOST_WAREHOUSE to another file"
    )


def combine(con: duckdb.DuckDBPyConnection, files: Mapping[str, str]) -> dict[str, int]:
    """Rebuild the team warehouse (``con``) from the accounts' files (``name -> path``; names
    are ``pipelines.accounts.NAME``s, so they quote safely). Accounts without a file yet are
    left out. Returns the rows of each combined table. Raises ``AccountsMismatch`` for a
    warehouse that holds a single account's loads."""
    refuse_mismatch(con, "the warehouse", several=True)
    with attached(con, files) as aliases:
        sources: dict[str, list[str]] = {}
        for name, alias in aliases.items():
            for table in _tables(con, alias):
                sources.setdefault(table, []).append(name)
        rows: dict[str, int] = {}
        con.execute("begin transaction")
        try:
            for table, names in sorted(sources.items()):
                union = " union all by name ".join(
                    f"select {quoted(name)} as account, * from {aliases[name]}.{table}"
                    for name in names
                )
                con.execute(f"create or replace table {table} as {union}")
                for statement in _comments(con, aliases[names[0]], table):
                    con.execute(statement)
                rows[table] = con.execute(f"select count(*) from {table}").fetchall()[0][0]
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")
        return rows
