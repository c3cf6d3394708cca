"""Plain-text tables for the benchmark's output (and for pasting into BENCHMARKS.md)."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.minimum import OPERATIONS, Minimum
from benchmarks.server import Seen
from benchmarks.sync import SyncRun, operation


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, columns padded so it also reads well in a terminal."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def busy_time(requests: Sequence[Seen]) -> float:
    """Seconds with at least one request in flight (the union of the request intervals)."""
    total, end = 0.0, float("-inf")
    for seen in sorted(requests, key=lambda s: s.start):
        if seen.end > end:
            total += seen.end - max(seen.start, end)
            end = seen.end
    return total


def operations_table(run: SyncRun, least: Minimum, latency_s: float) -> str:
    """Per operation: requests made and needed, when it ran (seconds after the first request),
    the mean requests in flight while it ran, and the simulator's own time per request."""
    rows = []
    origin = run.requests[0].start if run.requests else run.t0
    for op in [*OPERATIONS, *sorted({operation(s.path) for s in run.requests} - set(OPERATIONS))]:
        seen = [s for s in run.requests if operation(s.path) == op]
        if not seen:
            rows.append([op, 0, least.requests.get(op), None, None, None, None, None])
            continue
        first, last = min(s.start for s in seen), max(s.end for s in seen)
        in_flight = sum(s.end - s.start for s in seen) / max(last - first, 1e-9)
        served = [s.end - s.start - latency_s for s in seen if s.status != 429]
        rows.append(
            [
                op,
                len(seen),
                least.requests.get(op),
                sum(1 for s in seen if s.status >= 400),
                first - origin,
                last - origin,
                in_flight,
                1000 * sum(served) / max(len(served), 1),
            ]
        )
    headers = [
        "operation",
        "requests",
        "minimum",
        "4xx/5xx",
        "from s",
        "to s",
        "mean in flight",
        "sim ms/req",
    ]
    return table(headers, rows)


def phase_summary(run: SyncRun) -> str:
    if not run.requests:
        return "no requests seen"
    origin = run.requests[0].start
    last_end = max(s.end for s in run.requests)
    busy = busy_time(run.requests)
    return (
        f"fetch-and-load phase {run.phase_s:.2f} s: requests in flight for {busy:.2f} s, "
        f"none in flight for {run.phase_s - busy:.2f} s (validation, loads, Dagster steps), "
        f"of which {run.t0 + run.wall_s - last_end:.2f} s after the last request "
        f"(last request ended {last_end - origin:.2f} s into the phase)"
    )
