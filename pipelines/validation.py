"""The validation gate: a frame meets its pandera model, or the asset fails and loads nothing."""

from __future__ import annotations

import dagster as dg
import pandera.polars as pa
import polars as pl

MAX_EXAMPLES = 3
KEY_COLUMNS = ("usage_date", "metric_date", "endpoint_id", "instance_id", "auth_method", "unit")


def _describe_row(frame: pl.DataFrame, index: int | None) -> str:
    if index is None or index >= frame.height:
        return "the whole frame"
    row = frame.row(index, named=True)
    keys = ", ".join(f"{k}={row[k]}" for k in KEY_COLUMNS if k in row)
    return f"row {index} ({keys})"


def failure_summary(frame: pl.DataFrame, cases: pl.DataFrame, table: str) -> str:
    """One line per broken rule: column, check, how many rows, and a few example rows."""
    lines = [f"{table}: {cases['index'].n_unique()} rows break its rules; nothing was loaded."]
    grouped = cases.group_by("column", "check", maintain_order=True).agg(
        pl.len().alias("n"), pl.col("index").head(MAX_EXAMPLES), pl.col("failure_case").first()
    )
    for column, check, n, indexes, example in grouped.iter_rows():
        where = "; ".join(_describe_row(frame, i) for i in indexes)
        lines.append(f"- {column} / {check}: {n} failures, e.g. {where}; value {example}")
    return "\n".join(lines)


def validate(frame: pl.DataFrame, model: type[pa.DataFrameModel], table: str) -> pl.DataFrame:
    """Return ``frame`` if every row meets ``model``; otherwise raise ``dg.Failure``."""
    try:
        return model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        summary = failure_summary(frame, cases, table)
        with pl.Config(
            tbl_formatting="MARKDOWN", tbl_hide_dataframe_shape=True, fmt_str_lengths=80
        ):
            sample = str(cases.head(20))
        raise dg.Failure(
            description=summary,
            metadata={"table": table, "failure_cases": dg.MetadataValue.md(sample)},
            allow_retries=False,
        ) from None
