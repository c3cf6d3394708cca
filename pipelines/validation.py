"""The validation gate: a frame meets its pandera model, or the asset fails and loads nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dagster as dg
import pandera.polars as pa
import polars as pl

from warehouse.tables import Table

MAX_EXAMPLES = 3
KEY_COLUMNS = ("usage_date", "metric_date", "endpoint_id", "instance_id", "auth_method", "unit")


def _describe_row(frame: pl.DataFrame, index: int | None) -> str:
    if index is None or index >= frame.height:
        return "the whole frame"
    row = frame.row(index, named=True)
    keys = ", ".join(f"{k}={row[k]}" for k in KEY_COLUMNS if k in row)
    return f"row {index} ({keys})"


class ValidationFailure(dg.Failure):
    """pandera refused a frame; nothing was loaded.

    The description is the whole summary (a headline, then one line per broken rule). The
    parts travel as metadata, so a reader on the far side of a Dagster step (the step
    failure's ``user_failure_data``) uses them without parsing the text: see ``one_line``.
    """

    @classmethod
    def of(cls, table: str, rows: int, rules: list[str], sample: str) -> ValidationFailure:
        headline = f"{table}: {rows} rows break its rules; nothing was loaded."
        return cls(
            description="\n".join([headline, *(f"- {rule}" for rule in rules)]),
            metadata={
                "table": table,
                "failing_rows": rows,
                "headline": headline,
                "first_rule": rules[0],
                "broken_rules": len(rules),
                "failure_cases": dg.MetadataValue.md(sample),
            },
            allow_retries=False,
        )

    @property
    def table(self) -> str:
        return self.metadata["table"].value

    @property
    def failing_rows(self) -> int:
        return self.metadata["failing_rows"].value

    @property
    def first_rule(self) -> str:
        """``column / check: n failures, e.g. row i (keys); value v``."""
        return self.metadata["first_rule"].value

    @staticmethod
    def one_line(metadata: Mapping[str, Any]) -> str | None:
        """The headline and the first broken rule on one line, from a ``ValidationFailure``'s
        metadata (as a step failure carries it); ``None`` for any other failure."""
        if "headline" not in metadata or "first_rule" not in metadata:
            return None
        return f"{metadata['headline'].value} {metadata['first_rule'].value}"


def broken_rules(frame: pl.DataFrame, cases: pl.DataFrame) -> list[str]:
    """One line per broken rule: column, check, how many rows, and a few example rows."""
    grouped = cases.group_by("column", "check", maintain_order=True).agg(
        pl.len().alias("n"), pl.col("index").head(MAX_EXAMPLES), pl.col("failure_case").first()
    )
    return [
        f"{column} / {check}: {n} failures, e.g. "
        f"{'; '.join(_describe_row(frame, i) for i in indexes)}; value {example}"
        for column, check, n, indexes, example in grouped.iter_rows()
    ]


def _failure_cases(frame: pl.DataFrame, model: type[pa.DataFrameModel]) -> pl.DataFrame | None:
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return exc.failure_cases
    return None


def _day_chunks(frame: pl.DataFrame, day_column: str, chunk_rows: int) -> list[pl.Series]:
    """Groups of whole days of about ``chunk_rows`` rows each (a grain never spans two)."""
    per_day = frame.group_by(day_column).len().sort(day_column)
    chunk_ids = (per_day["len"].cum_sum() - per_day["len"]) // chunk_rows
    return [
        group[day_column] for group in per_day.with_columns(chunk=chunk_ids).partition_by("chunk")
    ]


def validate(frame: pl.DataFrame, table: Table, *, chunk_rows: int = 50_000) -> pl.DataFrame:
    """Return ``frame`` if every row meets ``table``'s model; otherwise raise ``ValidationFailure``.

    A dated table's large frame is checked a few weeks at a time: pandera's working memory
    grows with the frame, and every grain includes the day, so uniqueness still holds.
    Failure rows are reported by their position in ``frame`` either way.
    """
    model, day_column = table.model, table.day_column
    if day_column is None or frame.height <= chunk_rows:
        cases = _failure_cases(frame, model)
    else:
        indexed = frame.with_row_index("__row")
        found = []
        for days in _day_chunks(frame, day_column, chunk_rows):
            chunk = indexed.filter(pl.col(day_column).is_in(days.implode()))
            chunk_cases = _failure_cases(chunk.drop("__row"), model)
            if chunk_cases is not None:
                positions = chunk.select(
                    pl.int_range(pl.len(), dtype=pl.Int32).alias("index"),
                    pl.col("__row").cast(pl.Int32),
                )
                found.append(
                    chunk_cases.join(positions, on="index", how="left")
                    .with_columns(index=pl.col("__row"))
                    .drop("__row")
                )
        cases = pl.concat(found, how="vertical_relaxed") if found else None
    if cases is None:
        return frame
    with pl.Config(tbl_formatting="MARKDOWN", tbl_hide_dataframe_shape=True, fmt_str_lengths=80):
        sample = str(cases.head(20))
    raise ValidationFailure.of(
        table.name, cases["index"].n_unique(), broken_rules(frame, cases), sample
    )


def one_currency(
    frame: pl.DataFrame, table: Table, *, window: str, held: Iterable[str] = ()
) -> pl.DataFrame:
    """Return ``frame`` if its amounts and those ``held`` (already in the warehouse, outside
    the window being replaced) share one currency; otherwise raise ``dg.Failure``.

    The marts add money per day and endpoint; adding EUR to USD would give a number in no
    currency at all, so a second currency is refused until the marts carry it in their grain.
    """
    held = sorted(set(held))
    per_currency = (
        frame.group_by("currency")
        .agg(
            pl.len().alias("rows"),
            pl.col("endpoint_id").first().alias("endpoint_id"),
            pl.col(table.day_column).first().alias("day"),
        )
        .sort("currency")
    )
    seen = set(per_currency["currency"]) | set(held)
    if len(seen) <= 1:
        return frame
    counts = "; ".join(
        f"{currency}: {rows} rows, e.g. {endpoint} on {day}"
        for currency, rows, endpoint, day in per_currency.iter_rows()
    )
    already = f"; the warehouse already holds {', '.join(held)}" if held else ""
    currencies = ", ".join(sorted(seen))
    raise dg.Failure(
        description=(
            f"{table.name} {window}: amounts in {len(seen)} currencies ({currencies}): "
            f"{counts}{already}. falcost adds money within one currency only and does not yet "
            "support a second one; nothing was loaded."
        ),
        metadata={"table": table.name, "window": window, "currencies": currencies},
        allow_retries=False,
    )
