"""Dagster metadata for a loaded table: row counts, column schema, and a preview for marts."""

from __future__ import annotations

from typing import Any

import dagster as dg
import duckdb
import polars as pl


def column_schema(con: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    schema, name = table.split(".")
    rows = con.execute(
        "select column_name, data_type, comment, is_nullable from duckdb_columns() "
        "where schema_name = $schema and table_name = $name order by column_index",
        {"schema": schema, "name": name},
    ).fetchall()
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=column,
                type=str(data_type),
                description=comment,
                constraints=dg.TableColumnConstraints(nullable=bool(nullable)),
            )
            for column, data_type, comment, nullable in rows
        ]
    )


def table_metadata(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    written: int | None = None,
    preview: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    total = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    metadata: dict[str, Any] = {
        "dagster/row_count": total,
        "dagster/column_schema": column_schema(con, table),
        "table": table,
    }
    if written is not None:
        metadata["rows"] = written
    if preview:
        frame = con.sql(f"select * from {table} limit 10").pl()
        with pl.Config(tbl_formatting="MARKDOWN", tbl_hide_dataframe_shape=True):
            metadata["preview"] = dg.MetadataValue.md(str(frame))
    metadata.update(extra)
    return metadata
