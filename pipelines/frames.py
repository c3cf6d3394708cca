"""Pure transforms: client records -> typed polars frames, shaped like their raw tables.

A frame's columns and dtypes are its table's (``warehouse.tables``, from the pandera model).
A record must carry exactly those columns: a missing or unknown key raises
``RecordMismatch`` naming the table and the key, instead of loading a column of nulls.

Money arrives as JSON numbers; it is cast to ``Decimal(18, 9)`` here, which rounds to the
nearest nano-dollar (exact for every value the API writes with at most 9 decimals). Counts
arrive as JSON numbers too and are cast to ``Int64``. A number too large for its column
(``DECIMAL(18,9)`` holds less than 1e9, ``BIGINT`` less than 2**63) raises ``ValueOutOfRange``
naming the table, day, endpoint and field, instead of the cast's anonymous overflow.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from itertools import repeat

import polars as pl

from pipelines.fal.records import unpriced_record
from warehouse.tables import (
    ANALYTICS_DAILY,
    BILLING_EVENTS,
    INSTANCE_SNAPSHOTS,
    MODELS,
    ORGANIZATION_USAGE_DAILY,
    PRICES,
    SERVERLESS_USAGE_DAILY,
    UNPRICED_ENDPOINTS,
    USAGE_DAILY,
    Table,
)

COUNT_LIMIT = 2.0**63  # BIGINT


class ValueOutOfRange(ValueError):
    """A number does not fit its warehouse column; the message names where it is, on one line."""


class RecordMismatch(ValueError):
    """A record's keys are not its table's columns: a mapping (``pipelines.fal.records``) and
    a model (``pipelines.schemas``) disagree. The message names the table and the keys."""


def _check_keys(records: Sequence[dict], table: Table) -> None:
    """Every record has exactly ``table``'s columns (one set comparison per record, in C:
    about a fifth of what building the frame costs)."""
    columns = set(table.columns)
    if not any(map(operator.ne, map(dict.keys, records), repeat(columns))):
        return
    for position, record in enumerate(records):
        if record.keys() != columns:
            missing = [f"lacks column {c!r}" for c in table.columns if c not in record]
            unknown = [f"has unknown key {k!r}" for k in record if k not in columns]
            raise RecordMismatch(
                f"{table.name}: record {position} {' and '.join(missing + unknown)}; a record "
                "must carry exactly the table's columns; nothing was loaded"
            )


def _limit(dtype: pl.DataType) -> tuple[float, str]:
    """The bound a number must stay below to fit ``dtype``'s column, and the column type."""
    if isinstance(dtype, pl.Decimal):  # DECIMAL(18,9): 9 digits before the point
        return 10.0 ** (dtype.precision - dtype.scale), f"DECIMAL({dtype.precision},{dtype.scale})"
    return COUNT_LIMIT, "BIGINT"


def _cast_bounded(frame: pl.DataFrame, columns: Sequence[str], table: Table) -> pl.DataFrame:
    """Cast float ``columns`` to their ``table`` dtypes; a value too large for its column
    raises ``ValueOutOfRange`` naming the table, day, endpoint and field of the first one."""
    for column in columns:
        limit, column_type = _limit(table.dtypes[column])
        bad = frame.filter(pl.col(column).abs() >= limit)
        if bad.height:
            row = bad.row(0, named=True)
            day = f" on {row[table.day_column]}" if table.day_column else ""
            who = next((c for c in table.grain if c != table.day_column), table.grain[0])
            name = who.removesuffix("_id")
            more = f" (and {bad.height - 1} more rows)" if bad.height > 1 else ""
            raise ValueOutOfRange(
                f"{table.name}: {column} = {row[column]:g} for {name} {row[who]!r}"
                f"{day} does not fit {column_type} (must be below {limit:,.0f}){more}; "
                "nothing was loaded"
            )
    return frame.with_columns(pl.col(c).cast(table.dtypes[c], strict=True) for c in columns)


def table_frame(records: Sequence[dict], table: Table) -> pl.DataFrame:
    """``records`` (each with exactly ``table``'s columns) as a frame with ``table``'s dtypes."""
    if records:
        _check_keys(records, table)
        frame = pl.from_dicts(records, schema=table.record_dtypes)
    else:
        frame = pl.DataFrame(schema=table.record_dtypes)
    if table.exact_records:  # Decimal money, bounded where it was read (bill_records)
        return frame
    # Counts arrive as JSON numbers already checked to be whole (pipelines.fal.records).
    return _cast_bounded(frame, table.decimals + table.counts, table)


def usage_frame(records: Sequence[dict]) -> pl.DataFrame:
    return table_frame(records, USAGE_DAILY)


def analytics_frame(records: Sequence[dict]) -> pl.DataFrame:
    return table_frame(records, ANALYTICS_DAILY)


def models_frame(records: Sequence[dict]) -> pl.DataFrame:
    return table_frame(records, MODELS)


def prices_frame(records: Sequence[dict]) -> pl.DataFrame:
    return table_frame(records, PRICES)


def unpriced_frame(endpoint_ids: Sequence[str]) -> pl.DataFrame:
    return table_frame([unpriced_record(e) for e in endpoint_ids], UNPRICED_ENDPOINTS)


def instances_frame(records: Sequence[dict]) -> pl.DataFrame:
    return table_frame(records, INSTANCE_SNAPSHOTS)


def serverless_frame(records: Sequence[dict]) -> pl.DataFrame:
    return table_frame(records, SERVERLESS_USAGE_DAILY)


def organization_usage_frame(records: Sequence[dict]) -> pl.DataFrame:
    return table_frame(records, ORGANIZATION_USAGE_DAILY)


def billing_events_frame(records: Sequence[dict]) -> pl.DataFrame:
    return table_frame(records, BILLING_EVENTS)


def concat(frames: Sequence[pl.DataFrame], schema_of: pl.DataFrame) -> pl.DataFrame:
    """Concatenate page frames (an empty list gives an empty frame with the right schema)."""
    return pl.concat(frames, how="vertical") if frames else schema_of.clear()
