"""Soak: a year's backfill and 20 daily syncs against a full-size simulator, then an exact audit.

    /tmp/venv/bin/python -m tests.reliability.soak [--days 365] [--syncs 20] [--latency-ms 20]

Not a pytest module (it takes minutes). The simulator (1,500 endpoints, 300 of them used,
``--latency-ms`` on every answer, 2 % of requests answered 429 without Retry-After) serves on
loopback from this process; every sync is a real ``falcost sync`` process. The backfill runs
with the simulated "today" 20 days back; each incremental sync then advances that day by one
and pulls the 4 days before it, as the daily schedule does, so late data keeps arriving. At the
end every day must equal what the simulator holds now: row counts and money to the nano-dollar.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from pipelines.sim import Faults, SimConfig, Simulation, serving
from tests.reliability.harness import REPO, falcost_command, money, sync_env

WINDOW_DAYS = 4


@dataclass
class Sync:
    label: str
    first: date
    last: date
    seconds: float
    peak_rss_mib: float
    requests: int
    retries: int
    served_429: int
    usage_rows: int  # rows raw/usage_daily wrote (the marts are rebuilt whole every run)


def run_sync(label: str, first: date, last: date, env: dict, sim: Simulation, log: Path) -> Sync:
    before = dict(sim.stats)
    command = falcost_command("sync", "--start", first.isoformat(), "--end", last.isoformat())
    started = time.monotonic()
    with open(log, "w") as out:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own peak memory
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text()
    if process.returncode != 0:
        raise SystemExit(f"{label} failed (exit {process.returncode}):\n{text[-3000:]}")
    requests = retries = usage_rows = 0
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("asset "))
    for line in lines[header + 1 :]:  # falcost sync's summary table, one line per asset
        parts = line.split()
        if len(parts) != 6 or not parts[-1].isdigit():
            break
        requests += int(parts[4])
        retries += int(parts[5])
        if parts[0] == "raw/usage_daily":
            usage_rows = int(parts[2])
    return Sync(
        label,
        first,
        last,
        seconds,
        usage.ru_maxrss / 1024,
        requests,
        retries,
        sim.stats["429"] - before["429"],
        usage_rows,
    )


def audit(
    path: Path, sim: Simulation, first: date, last: date
) -> tuple[list[str], dict[str, object]]:
    """Differences between the warehouse and the simulator's ground truth (empty: exact)."""
    truth: dict[date, list] = defaultdict(lambda: [0, Decimal(0), 0, 0])
    day = first
    while day <= last:
        for item in sim.usage_items(day):
            truth[day][0] += 1
            truth[day][1] += money(item["cost_total"])
        for item in sim.analytics_items(day):
            truth[day][2] += 1
            truth[day][3] += item["request_count"]
        day += timedelta(days=1)
    con = duckdb.connect(str(path), read_only=True)
    try:
        usage = con.execute(
            "select usage_date, count(*), sum(cost_total) from raw.usage_daily group by 1"
        ).fetchall()
        analytics = con.execute(
            "select metric_date, count(*), sum(request_count) from raw.analytics_daily group by 1"
        ).fetchall()
        mart = con.execute("select sum(cost_total) from marts.cost_per_model").fetchall()[0][0]
        models = con.execute("select count(*) from raw.models").fetchall()[0][0]
        prices = con.execute("select count(*) from raw.prices where valid_to is null").fetchall()
    finally:
        con.close()
    loaded: dict[date, list] = defaultdict(lambda: [0, Decimal(0), 0, 0])
    for d, n, total in usage:
        loaded[d][0:2] = [n, total]
    for d, n, requests in analytics:
        loaded[d][2:4] = [n, requests]
    problems = [
        f"{d}: loaded {loaded.get(d)} != truth {truth.get(d)}"
        for d in sorted(set(truth) | set(loaded))
        if list(loaded.get(d, [0, Decimal(0), 0, 0])) != list(truth.get(d, [0, Decimal(0), 0, 0]))
    ]
    total = sum((t[1] for t in truth.values()), Decimal(0))
    if mart != total:
        problems.append(f"marts.cost_per_model total {mart} != truth {total}")
    if models != sim.config.n_endpoints:
        problems.append(f"raw.models has {models} rows, the catalogue {sim.config.n_endpoints}")
    if prices[0][0] != len(sim.current_prices()):
        problems.append(f"{prices[0][0]} current prices, truth {len(sim.current_prices())}")
    return problems, {
        "usage rows": sum(t[0] for t in truth.values()),
        "usage cost_total (USD)": total,
        "analytics rows": sum(t[2] for t in truth.values()),
        "requests": sum(t[3] for t in truth.values()),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.soak")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--syncs", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args(argv)

    yesterday = datetime.now(UTC).date() - timedelta(days=1)  # the CLI's latest complete day
    start_today = yesterday + timedelta(days=1) - timedelta(days=args.syncs)
    faults = Faults(latency_s=args.latency_ms / 1000, rate_429=0.02)
    sim = Simulation(SimConfig(seed=7, n_endpoints=1500, n_used=300, today=start_today,
                               faults=faults))  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="falcost-soak-"))
    warehouse = folder / "falcost.duckdb"
    syncs: list[Sync] = []
    overall = time.monotonic()
    with serving(sim) as url:
        env = sync_env(url, warehouse, folder / "home")
        last = start_today - timedelta(days=1)
        first = last - timedelta(days=args.days - 1)
        print(f"soak in {folder}: backfill {first}..{last}, then {args.syncs} syncs", flush=True)
        syncs.append(run_sync("backfill", first, last, env, sim, folder / "backfill.log"))
        print(syncs[-1], flush=True)
        for i in range(1, args.syncs + 1):
            sim.set_today(start_today + timedelta(days=i))
            end = sim.today - timedelta(days=1)
            window = (end - timedelta(days=WINDOW_DAYS - 1), end)
            syncs.append(run_sync(f"sync {i}", *window, env, sim, folder / f"sync-{i}.log"))
            print(syncs[-1], flush=True)
        audited_at = time.monotonic()
        problems, totals = audit(warehouse, sim, first, sim.today - timedelta(days=1))
        audit_seconds = time.monotonic() - audited_at
    report(args, syncs, problems, totals, warehouse, time.monotonic() - overall, audit_seconds)
    sys.exit(1 if problems else 0)


def report(args, syncs, problems, totals, warehouse, seconds, audit_seconds) -> None:
    incremental = syncs[1:]
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n## Soak: {args.days}-day backfill + {args.syncs} x {WINDOW_DAYS}-day syncs, "
          f"{args.latency_ms:g} ms latency, 2 % 429s\n")  # fmt: skip
    print("| run | days | wall s | peak RSS MiB | requests | retries | 429 served | usage rows |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in [syncs[0], *incremental[:1]]:
        days = (s.last - s.first).days + 1
        print(f"| {s.label} | {days} | {s.seconds:.1f} | {s.peak_rss_mib:.0f} | {s.requests} | "
              f"{s.retries} | {s.served_429} | {s.usage_rows} |")  # fmt: skip
    if incremental:
        walls = sorted(s.seconds for s in incremental)
        print(f"| {len(incremental)} syncs: min / median / max wall s | {WINDOW_DAYS} | "
              f"{walls[0]:.1f} / {walls[len(walls) // 2]:.1f} / {walls[-1]:.1f} | "
              f"max {max(s.peak_rss_mib for s in incremental):.0f} | "
              f"{sum(s.requests for s in incremental)} | {sum(s.retries for s in incremental)} | "
              f"{sum(s.served_429 for s in incremental)} | "
              f"{sum(s.usage_rows for s in incremental)} |")  # fmt: skip
    print(f"\nsimulator process peak RSS: {own:.0f} MiB; warehouse file: "
          f"{warehouse.stat().st_size / 2**20:.1f} MiB; total wall: {seconds:.0f} s "
          f"(audit {audit_seconds:.1f} s)")  # fmt: skip
    print("ground truth: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    if problems:
        print(f"AUDIT FAILED: {len(problems)} differences")
        print("\n".join(problems[:20]))
    else:
        print("audit: every day's usage rows and cost_total, analytics rows and requests, the "
              "cost mart's total, the catalogue and the current prices equal the simulator's "
              "ground truth exactly")  # fmt: skip


if __name__ == "__main__":
    main()
