"""Each raw table is declared once (``warehouse.tables``); its DDL is held to that declaration.

The DDL is read back from a real DuckDB file, as ``warehouse.apply_ddl`` creates it, so a
column added to the model but not the DDL (or the other way round), a type that differs, or a
NOT NULL column the model would let a null through, fails here instead of at load time.
"""

from __future__ import annotations

import polars as pl
import pytest

import warehouse
from warehouse.connection import connect
from warehouse.tables import LOAD_COLUMNS, RAW_TABLES, Table

# polars dtype (of a validated frame) -> DuckDB column type
DUCKDB_TYPES = {
    pl.String: "VARCHAR",
    pl.Date: "DATE",
    pl.Int64: "BIGINT",
    pl.Float64: "DOUBLE",
    pl.Boolean: "BOOLEAN",
}
INSTANT = "TIMESTAMP WITH TIME ZONE"  # load_at and every stamp


def duckdb_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    if isinstance(dtype, pl.Datetime):
        assert dtype.time_zone == "UTC", dtype  # instants are UTC, days derive from them
        return INSTANT
    if isinstance(dtype, pl.List):
        return f"{duckdb_type(dtype.inner)}[]"
    return DUCKDB_TYPES[dtype.base_type()]


@pytest.fixture(scope="module")
def ddl(tmp_path_factory) -> dict[str, dict[str, tuple[str, bool]]]:
    """Table -> column -> (type, nullable), as the DDL creates them in a fresh file."""
    con = connect(tmp_path_factory.mktemp("ddl") / "falcost.duckdb")
    try:
        warehouse.apply_ddl(con)
        rows = con.execute(
            "select schema_name || '.' || table_name, column_name, data_type, is_nullable "
            "from duckdb_columns() where schema_name = 'raw' order by column_index"
        ).fetchall()
    finally:
        con.close()
    tables: dict[str, dict[str, tuple[str, bool]]] = {}
    for table, column, data_type, nullable in rows:
        tables.setdefault(table, {})[column] = (data_type, nullable)
    return tables


def ids(table: Table) -> str:
    return table.name


def test_every_raw_table_of_the_ddl_is_declared_once(ddl):
    names = [table.name for table in RAW_TABLES]
    assert sorted(names) == sorted(ddl) and len(set(names)) == len(names)


@pytest.mark.parametrize("table", RAW_TABLES, ids=ids)
def test_the_ddl_has_the_models_columns_with_the_same_types(table, ddl):
    created = ddl[table.name]
    expected = {column: duckdb_type(dtype) for column, dtype in table.dtypes.items()}
    expected |= dict.fromkeys(table.stamps, INSTANT) | {"load_id": "VARCHAR", "loaded_at": INSTANT}
    assert {column: data_type for column, (data_type, _) in created.items()} == expected


@pytest.mark.parametrize("table", RAW_TABLES, ids=ids)
def test_a_not_null_column_of_the_ddl_is_required_by_the_model(table, ddl):
    columns = table.model.to_schema().columns
    let_through = [
        column
        for column, (_, nullable) in ddl[table.name].items()
        if not nullable and column in columns and columns[column].nullable
    ]
    assert let_through == [], f"{table.name}: NOT NULL in the DDL but nullable in the model"
    assert all(not ddl[table.name][column][1] for column in LOAD_COLUMNS)


@pytest.mark.parametrize("table", RAW_TABLES, ids=ids)
def test_the_grain_is_the_models_unique_key_plus_the_loads_stamps(table):
    schema = table.model.to_schema()
    key = set(schema.unique or ()) | {c for c, column in schema.columns.items() if column.unique}
    assert set(table.grain) <= set(table.columns) | set(table.stamps)
    assert set(table.grain) - set(table.stamps) == key


@pytest.mark.parametrize("table", RAW_TABLES, ids=ids)
def test_a_dated_tables_day_column_is_a_date_of_its_grain(table):
    if table.day_column is not None:
        assert table.dtypes[table.day_column] == pl.Date
        assert table.day_column in table.grain


@pytest.mark.parametrize("table", RAW_TABLES, ids=ids)
def test_names_keys_and_ddl_files_share_one_stem(table):
    schema, stem = table.name.split(".")
    assert table.path == f"{schema}/{stem}"
    assert table.asset_key.to_user_string() == table.path
    assert [f for f in warehouse.ddl_files() if f.endswith(f"_{schema}_{stem}")], table.name


@pytest.mark.parametrize("table", RAW_TABLES, ids=ids)
def test_records_carry_decimals_and_counts_as_json_numbers_unless_read_exact(table):
    for column, dtype in table.record_dtypes.items():
        exact = column in table.decimals or column in table.counts
        json_number = exact and not table.exact_records
        assert dtype == (pl.Float64 if json_number else table.dtypes[column]), column
