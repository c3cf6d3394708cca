"""The issue's targets, checked against one run's results, and the summary tables."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

from benchmarks.report import table

if TYPE_CHECKING:
    from benchmarks.run import Results

BACKFILL_PHASE_X = 1.3  # fetch-and-load phase / bound, at 250 ms
TARGET_LATENCY_MS = 250
REQUESTS_X = 1.1  # requests / minimum
INCREMENTAL_PHASE_X = 2.0  # wall < 2 x bound + start-up, i.e. phase < 2 x bound
STARTUP_S = 3.0
LOAD_X = 1.5
RSS_MB = 500.0
MARTS_S = 2.0


def sync_table(results: Results) -> str:
    rows = []
    for s in results.syncs:
        run = s.run
        rows.append(
            [
                s.label,
                s.latency_ms,
                (s.last - s.first).days + 1,
                s.requests,
                s.least.total,
                f"{s.requests / s.least.total:.2f}x",
                s.bound_s,
                run.startup_s,
                run.phase_s,
                f"{run.phase_s / s.bound_s:.2f}x" if s.bound_s else None,
                run.wall_s,
                round(run.max_rss_mb),
                "ok" if not s.problems else "MISMATCH",
            ]
        )
    headers = [
        "scenario",
        "latency ms",
        "days",
        "requests",
        "minimum",
        "req/min",
        "bound s",
        "start-up s",
        "fetch+load s",
        "phase/bound",
        "wall s",
        "peak RSS MB",
        "warehouse",
    ]
    return table(headers, rows)


def warehouse_table(results: Results) -> str:
    rows = []
    if results.load:
        load = results.load
        rows.append(
            [
                f"load {load.rows:,} usage rows: loads.replace_days",
                f"{load.project_rows_per_s:,.0f} rows/s",
                f"{min(load.project_s):.2f} s",
            ]
        )
        rows.append(
            [
                f"load {load.rows:,} usage rows: DuckDB insert from Arrow (limit)",
                f"{load.duckdb_rows_per_s:,.0f} rows/s",
                f"{min(load.duckdb_s):.2f} s",
            ]
        )
    if results.marts:
        marts = results.marts
        for name, seconds in marts.seconds.items():
            rows.append(
                [
                    f"mart {name} ({marts.rows[name]:,} rows)",
                    "",
                    f"{statistics.median(seconds):.2f} s",
                ]
            )
        rows.append(
            [f"all marts over {marts.usage_rows:,} usage rows", "", f"{marts.total_s:.2f} s"]
        )
    return table(["measure", "rate", "time (best; marts: median)"], rows) if rows else ""


def checks(results: Results) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for every target this run measured."""
    out = []
    for s in results.syncs:
        label = f"{s.label} @ {s.latency_ms} ms"
        ratio = s.requests / s.least.total
        phase_x = s.run.phase_s / s.bound_s if s.bound_s else float("inf")
        if s.scenario == "backfill":
            out.append(
                (
                    f"{label}: requests <= {REQUESTS_X}x minimum",
                    f"{ratio:.2f}x",
                    ratio <= REQUESTS_X,
                )
            )
            if s.latency_ms == TARGET_LATENCY_MS:
                out.append(
                    (
                        f"{label}: fetch+load <= {BACKFILL_PHASE_X}x bound",
                        f"{phase_x:.2f}x",
                        phase_x <= BACKFILL_PHASE_X,
                    )
                )
        elif s.scenario.startswith("incremental"):
            allowed = INCREMENTAL_PHASE_X * s.bound_s + s.run.startup_s
            measured = f"{s.run.wall_s:.2f} s vs {allowed:.2f} s ({phase_x:.2f}x bound)"
            out.append(
                (
                    f"{label}: wall < {INCREMENTAL_PHASE_X}x bound + start-up",
                    measured,
                    phase_x < INCREMENTAL_PHASE_X,
                )
            )
            out.append(
                (
                    f"{label}: start-up < {STARTUP_S:.0f} s",
                    f"{s.run.startup_s:.2f} s",
                    s.run.startup_s < STARTUP_S,
                )
            )
        elif s.scenario == "memory":
            days = (s.last - s.first).days + 1
            out.append(
                (
                    f"peak RSS of the {days}-day backfill < {RSS_MB:.0f} MB",
                    f"{s.run.max_rss_mb:.0f} MB",
                    s.run.max_rss_mb < RSS_MB,
                )
            )
    if results.load:
        out.append(
            (
                f"load <= {LOAD_X}x DuckDB's bulk insert",
                f"{results.load.ratio:.2f}x",
                results.load.ratio <= LOAD_X,
            )
        )
    if results.marts:
        out.append(
            (
                f"all marts rebuilt < {MARTS_S:.0f} s",
                f"{results.marts.total_s:.2f} s",
                results.marts.total_s < MARTS_S,
            )
        )
    return out


def bounds_table(results: Results) -> str:
    """The time bounds that were test assertions (benchmarks/bounds.py), met or MISSED."""
    rows = [
        [b.name, f"{b.seconds:.3f} s", b.allowed, "met" if b.met else "MISSED"]
        for b in results.bounds
    ]
    return table(["time bound (was a test assertion)", "measured", "allowed", "result"], rows)


def summary(results: Results) -> str:
    parts = []
    if results.options.smoke:
        parts.append("SMOKE RUN: tiny sizes, for correctness only; the targets are for full size.")
    if results.syncs:
        parts.append(sync_table(results))
    if results.imports:
        bare, stack = results.imports
        parts.append(
            f"start-up parts: interpreter {bare:.2f} s; interpreter + the modules a sync "
            f"imports {stack:.2f} s (the rest of start-up is Dagster: instance, "
            "definitions, run launch)"
        )
    if results.load or results.marts:
        parts.append(warehouse_table(results))
    found = checks(results)
    if found:
        rows = [[target, measured, "met" if met else "MISSED"] for target, measured, met in found]
        parts.append(table(["target", "measured", "result"], rows))
    if results.bounds:
        parts.append(bounds_table(results))
    return "\n\n".join(parts)
