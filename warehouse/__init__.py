"""The DuckDB warehouse: DDL, load and mart SQL as files, and the few functions that run them.

SQL lives in ``ddl/``, ``load/`` and ``marts/`` next to this file and ships with the package.
Each raw table is declared once, in ``warehouse.tables``; ``tests/test_tables.py`` holds the
DDL to those declarations. Connections are opened by ``warehouse.connection``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

import duckdb

# in build order: a mart may read the marts before it
MARTS = (
    "list_prices",
    "cost_per_model",
    "request_trends",
    "instance_status",
    "spend_daily",
    "cost_by_key",
    "reconciliation",
    "budget_status",
    "cost_anomalies",
)


def sql(name: str) -> str:
    """The text of ``warehouse/<name>.sql`` (e.g. ``sql("load/prices_open")``)."""
    return resources.files(__name__).joinpath(f"{name}.sql").read_text(encoding="utf-8")


def ddl_files() -> list[str]:
    folder = resources.files(__name__).joinpath("ddl")
    return sorted(
        f"ddl/{p.name.removesuffix('.sql')}" for p in folder.iterdir() if p.name.endswith(".sql")
    )


def apply_ddl(con: duckdb.DuckDBPyConnection) -> None:
    """Create every schema and table (idempotent: applying twice changes nothing)."""
    for name in ddl_files():
        con.execute(sql(name))
    con.execute("delete from meta.ddl_applied")
    con.execute(
        "insert into meta.ddl_applied values ($fingerprint)", {"fingerprint": ddl_fingerprint()}
    )


@cache
def ddl_fingerprint() -> str:
    return hashlib.sha256("".join(sql(name) for name in ddl_files()).encode()).hexdigest()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Apply the DDL unless this file already has this exact version of it (one cheap query)."""
    try:
        current = con.execute("select fingerprint from meta.ddl_applied").fetchall()
    except duckdb.CatalogException:
        current = []
    if current != [(ddl_fingerprint(),)]:
        apply_ddl(con)
