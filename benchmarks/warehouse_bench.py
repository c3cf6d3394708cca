"""DuckDB side: usage rows per second through ``warehouse.loads``, and the mart rebuild.

The limit for the load is DuckDB's own bulk insert of the same Arrow table into an identical
table (``raw.usage_daily`` has no primary key), in a fresh file, with nothing else around it.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

import warehouse
from warehouse import MARTS, loads
from warehouse.connection import connect
from warehouse.tables import USAGE_DAILY

TABLE = USAGE_DAILY.name
UNITS = ("image", "video", "second", "megapixel", "1m tokens")


def synthetic_usage(rows: int, *, endpoints: int = 1500, days: int = 365) -> pl.DataFrame:
    """``rows`` usage rows shaped like ``raw.usage_daily``'s frames (money as Decimal(18, 9)).

    The grain stays unique: day cycles fastest, then endpoint, then the API key label.
    """
    start = date(2025, 1, 1)
    i = pl.int_range(0, rows, dtype=pl.Int64, eager=True).alias("i")
    quantity = (i % 97 + 1).cast(pl.Float64)
    unit_price = (i % 13 + 1).cast(pl.Float64) / 1000
    discount = pl.when(i % 4 == 0).then(pl.lit(20.0)).otherwise(None)
    frame = pl.DataFrame(i).select(
        (pl.lit(start) + pl.duration(days=pl.col("i") % days)).alias("usage_date"),
        pl.format("vendor/model-{}/v1", (pl.col("i") // days) % endpoints).alias("endpoint_id"),
        pl.lit(pl.Series(UNITS)).gather(pl.col("i") % len(UNITS)).alias("unit"),
        pl.lit(unit_price).alias("unit_price"),
        discount.alias("percent_discount"),
        pl.format("key-{}", pl.col("i") // (days * endpoints)).alias("auth_method"),
        pl.lit(quantity).alias("quantity"),
        (pl.lit(quantity) * pl.lit(unit_price)).alias("cost_subtotal"),
    )
    frame = frame.with_columns(
        (pl.col("cost_subtotal") * pl.col("percent_discount").fill_null(0) / 100).alias(
            "cost_discount"
        ),
        pl.lit("USD").alias("currency"),
    ).with_columns((pl.col("cost_subtotal") - pl.col("cost_discount")).alias("cost_total"))
    # columns added to the table since are null here
    frame = frame.with_columns(
        pl.lit(None).alias(column) for column in USAGE_DAILY.columns if column not in frame.columns
    )
    return frame.select(USAGE_DAILY.columns).cast(USAGE_DAILY.dtypes)


@dataclass
class LoadResult:
    rows: int
    project_s: list[float]  # loads.replace_days, fresh file each time
    duckdb_s: list[float]  # insert into t select * from arrow, fresh file each time
    generate_s: float

    @property
    def project_rows_per_s(self) -> float:
        return self.rows / min(self.project_s)

    @property
    def duckdb_rows_per_s(self) -> float:
        return self.rows / min(self.duckdb_s)

    @property
    def ratio(self) -> float:
        return min(self.project_s) / min(self.duckdb_s)


def _fresh(path: Path):
    path.unlink(missing_ok=True)
    con = connect(path)
    warehouse.apply_ddl(con)
    return con


def _check_rows(con, rows: int) -> None:
    found = con.execute(f"select count(*) from {TABLE}").fetchall()[0][0]
    if found != rows:
        raise RuntimeError(f"{TABLE} holds {found} rows after loading {rows}")


def load_benchmark(rows: int, workdir: Path, *, repeat: int = 3) -> LoadResult:
    """Time both inserts ``repeat`` times each, alternating which goes first, in fresh files.

    One untimed insert comes first: the process's first large insert pays for growing its
    heap (5.6 s against 3.0-3.6 s for the next ones at 10M rows here), whichever path it is.
    """
    t0 = time.perf_counter()
    frame = synthetic_usage(rows)
    generate_s = time.perf_counter() - t0
    start = frame["usage_date"].min()
    end = frame["usage_date"].max() + timedelta(days=1)
    loaded_at = datetime.now(UTC)
    # The limit gets the very table the project inserts: the frame with its two stamp columns.
    stamped = frame.with_columns(
        pl.lit("bench").alias("load_id"), pl.lit(loaded_at).alias("loaded_at")
    ).to_arrow()

    def project(con) -> None:
        loads.replace_days(
            con, USAGE_DAILY, frame, start=start, end=end, load_id="bench", loaded_at=loaded_at
        )

    def plain(con) -> None:
        con.register("arrow_table", stamped)
        con.execute(f"insert into {TABLE} select * from arrow_table")

    times: dict[str, list[float]] = {"project": [], "plain": [], "warm-up": []}
    pair = [("project", project), ("plain", plain)]
    rounds = [[("warm-up", plain)]] + [pair if n % 2 == 0 else pair[::-1] for n in range(repeat)]
    for n, inserts in enumerate(rounds):
        for name, insert in inserts:
            path = workdir / f"load-{name}-{n}.duckdb"
            con = _fresh(path)
            t = time.perf_counter()
            insert(con)
            times[name].append(time.perf_counter() - t)
            _check_rows(con, rows)
            con.close()
            for done in workdir.glob(f"{path.name}*"):
                done.unlink()
    return LoadResult(rows, times["project"], times["plain"], generate_s)


@dataclass
class MartsResult:
    seconds: dict[str, list[float]]
    rows: dict[str, int]
    usage_rows: int

    @property
    def total_s(self) -> float:
        return sum(statistics.median(s) for s in self.seconds.values())


def marts_benchmark(path: Path, *, repeat: int = 3) -> MartsResult:
    """Rebuild every mart ``repeat`` times on the warehouse at ``path`` (median per mart)."""
    con = connect(path)
    try:
        seconds: dict[str, list[float]] = {name: [] for name in MARTS}
        rows: dict[str, int] = {}
        for _ in range(repeat):
            for name in MARTS:
                t = time.perf_counter()
                rows[name] = loads.build_mart(con, name)
                seconds[name].append(time.perf_counter() - t)
        usage_rows = con.execute(f"select count(*) from {TABLE}").fetchall()[0][0]
    finally:
        con.close()
    return MartsResult(seconds=seconds, rows=rows, usage_rows=usage_rows)
