"""Measure falcost against its limits and print one report (issue #4).

    python -m benchmarks.run                      # everything, full size (a few minutes)
    python -m benchmarks.run --smoke              # tiny sizes, well under a minute
    python -m benchmarks.run --only backfill,incremental --latency-ms 250
    python -m benchmarks.run --only accounts --latency-ms 250   # two accounts, one sync

Each sync is ``falcost sync`` in a subprocess against the simulator, served from this process
on loopback with a fixed seed, a fixed latency per request and 429 past 8 requests in flight.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

from benchmarks import bounds, report, targets
from benchmarks.accounts import AccountsResult, accounts_benchmark
from benchmarks.minimum import CATALOGUE, OPERATIONS, Minimum, Truth, minimum
from benchmarks.server import RequestLog, recording_server
from benchmarks.sync import (
    SyncRun,
    import_time_s,
    run_command,
    schedule_command,
    sync_command,
    sync_env,
)
from benchmarks.warehouse_bench import LoadResult, MartsResult, load_benchmark, marts_benchmark
from pipelines.orchestration.jobs import USAGE_LOOKBACK_DAYS
from pipelines.sim import Faults, SimConfig, Simulation
from warehouse.connection import connect

SCENARIOS = ("backfill", "incremental", "load", "memory", "marts", "bounds")
OPT_IN = ("accounts",)  # measured only when named in --only


@dataclass
class Options:
    latencies_ms: list[int] = field(default_factory=lambda: [250, 50])
    days: int = 90
    endpoints: int = 1500
    load_rows: int = 10_000_000
    memory_days: int = 365
    only: tuple[str, ...] = SCENARIOS
    accounts_days: int = 30
    seed: int = 7
    in_flight: int = 8
    repeat: int = 3
    smoke: bool = False


SMOKE = {
    "latencies_ms": [10],
    "days": 6,
    "endpoints": 100,
    "load_rows": 20_000,
    "memory_days": 8,
    "repeat": 1,
}


LABELS = {
    "backfill": "backfill (falcost sync)",
    "incremental": "incremental (falcost sync)",
    "incremental-schedule": "incremental (usage_job)",
    "memory": "memory: backfill (falcost sync)",
}


@dataclass
class SyncResult:
    scenario: str  # a key of LABELS
    latency_ms: int
    first: date
    last: date
    run: SyncRun
    least: Minimum
    problems: list[str]
    in_flight: int

    @property
    def label(self) -> str:
        return LABELS[self.scenario]

    @property
    def bound_s(self) -> float:
        return self.least.bound_s(self.latency_ms / 1000, self.in_flight)

    @property
    def requests(self) -> int:
        return len(self.run.requests)


@dataclass
class Results:
    options: Options
    syncs: list[SyncResult] = field(default_factory=list)
    load: LoadResult | None = None
    marts: MartsResult | None = None
    imports: tuple[float, float] | None = None
    bounds: list[bounds.Bound] = field(default_factory=list)
    accounts: AccountsResult | None = None

    @property
    def ok(self) -> bool:
        syncs_ok = all(s.run.exit_code == 0 and not s.problems for s in self.syncs)
        return syncs_ok and not (self.accounts and self.accounts.problems)


def verify(path: Path, truth: Truth, first: date, last: date) -> list[str]:
    """What the warehouse holds for ``first``..``last``, against the simulator's ground truth."""
    con = connect(path, read_only=True)
    try:

        def one(query: str, *params: object):
            return con.execute(query, list(params)).fetchall()[0][0]

        found = {
            "models": one("select count(*) from raw.models"),
            "current prices": one("select count(*) from raw.prices where valid_to is null"),
            "unpriced": one("select count(*) from raw.unpriced_endpoints"),
            "usage rows": one(
                "select count(*) from raw.usage_daily where usage_date between ? and ?",
                first,
                last,
            ),
            "usage cost": one(
                "select coalesce(sum(cost_total), 0) from raw.usage_daily "
                "where usage_date between ? and ?",
                first,
                last,
            ),
            "analytics rows": one(
                "select count(*) from raw.analytics_daily where metric_date between ? and ?",
                first,
                last,
            ),
        }
    finally:
        con.close()
    wanted = {
        "models": truth.models,
        "current prices": truth.priced,
        "unpriced": len(truth.unpriced),
        "usage rows": truth.usage_rows,
        "usage cost": truth.usage_cost,
        "analytics rows": truth.analytics_rows,
    }
    return [
        f"{k}: {found[k]} in the warehouse, {v} served" for k, v in wanted.items() if found[k] != v
    ]


def simulation(options: Options, today: date, latency_ms: int) -> Simulation:
    faults = Faults(latency_s=latency_ms / 1000, max_in_flight=options.in_flight)
    config = SimConfig(
        seed=options.seed,
        n_endpoints=options.endpoints,
        n_used=max(1, options.endpoints // 5),
        today=today,
        faults=faults,
    )
    return Simulation(config)


def measure(
    kind: str,
    sim: Simulation,
    served: tuple[str, RequestLog],
    first: date,
    last: date,
    *,
    workdir: Path,
    options: Options,
    suspects: tuple[str, ...] = (),
) -> SyncResult:
    """Run one scenario's command on ``workdir``'s warehouse and check what it loaded."""
    url, log = served
    schedule = kind == "incremental-schedule"
    operations = tuple(op for op in OPERATIONS if op not in CATALOGUE) if schedule else OPERATIONS
    # the minimum first: computing it while the sync runs would steal the simulator's CPU
    least = minimum(sim, first, last, suspects=suspects, operations=operations)
    env = sync_env(url, workdir / "falcost.duckdb", workdir / "dagster_home", options.in_flight)
    command = (schedule_command if schedule else sync_command)(first, last)
    run = run_command(log, env, command)
    problems = [f"{command[0]} exited {run.exit_code}"] if run.exit_code else []
    if run.exit_code == 0:
        problems = verify(workdir / "falcost.duckdb", least.truth, first, last)
    latency_ms = round(sim.config.faults.latency_s * 1000)
    result = SyncResult(kind, latency_ms, first, last, run, least, problems, options.in_flight)
    _print_sync(result, command)
    return result


def _print_sync(result: SyncResult, command: list[str]) -> None:
    run, least = result.run, result.least
    print(f"\n## {result.label} @ {result.latency_ms} ms: {result.first}..{result.last}")
    print(f"$ {' '.join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command))}")
    print(
        f"exit {run.exit_code}; {result.requests} requests, minimum {least.total} "
        f"(chain {least.chain}); bound {result.bound_s:.2f} s; start-up {run.startup_s:.2f} s; "
        f"fetch-and-load {run.phase_s:.2f} s; peak RSS {run.max_rss_mb:.0f} MB",
        flush=True,
    )
    if "pricing" in least.requests:
        print(
            f"pricing minimum {least.requests['pricing']} by binary splitting; halving both "
            f"halves of every failed batch (as the client did before) needs {least.pricing_halving}"
        )
    print(report.phase_summary(run))
    served = sum(seen.end - seen.start for seen in run.requests)
    print(
        f"the requests took {served:.2f} s in all as served (latency plus the simulator's own "
        f"time), so even the requests made needed {served / result.in_flight:.2f} s at "
        f"{result.in_flight} in flight"
    )
    print(report.operations_table(run, least, result.latency_ms / 1000))
    peak_at, peak_mb = run.peak_rss_at()
    print(
        f"output, seconds since spawn and resident MB then (first request at "
        f"{run.startup_s:.2f} s; largest RSS sample {peak_mb:.0f} MB at {peak_at:.2f} s):"
    )
    for at, line in run.lines:
        print(f"  {at:7.2f} {run.rss_at(at):5.0f}  {line}")
    for problem in result.problems:
        print(f"PROBLEM: {problem}")


def run(options: Options, workroot: Path) -> Results:
    """Every scenario in ``options.only``; temporary files go under ``workroot``."""
    results = Results(options)
    today = datetime.now(UTC).date()  # falcost sync refuses days after yesterday
    yesterday = today - timedelta(days=1)
    wanted = set(options.only)
    if wanted & {"backfill", "incremental"}:
        results.imports = import_time_s(repeat=options.repeat)
        for latency_ms in options.latencies_ms:
            workdir = Path(tempfile.mkdtemp(prefix=f"sync-{latency_ms}ms-", dir=workroot))
            sim = simulation(options, today, latency_ms)
            with recording_server(sim) as served:
                # the warehouse as yesterday's run left it, then today's scheduled window
                first = yesterday - timedelta(days=options.days + 1)
                last = yesterday - timedelta(days=2)
                kw = {"workdir": workdir, "options": options}
                backfill = measure("backfill", sim, served, first, last, **kw)
                results.syncs.append(backfill)
                if "incremental" not in wanted or backfill.run.exit_code:
                    continue
                known = backfill.least.truth.unpriced
                first = yesterday - timedelta(days=USAGE_LOOKBACK_DAYS)
                for kind in ("incremental", "incremental-schedule"):
                    result = measure(kind, sim, served, first, yesterday, suspects=known, **kw)
                    results.syncs.append(result)
    if wanted & {"memory", "marts"}:
        workdir = Path(tempfile.mkdtemp(prefix="year-", dir=workroot))
        sim = simulation(options, today, min(options.latencies_ms))
        with recording_server(sim) as served:
            first = yesterday - timedelta(days=options.memory_days - 1)
            year = measure(
                "memory", sim, served, first, yesterday, workdir=workdir, options=options
            )
            results.syncs.append(year)
        if "marts" in wanted and year.run.exit_code == 0:
            results.marts = marts_benchmark(workdir / "falcost.duckdb", repeat=options.repeat)
            print(f"\n## marts over {options.memory_days} days (seconds per rebuild)")
            for name, seconds in results.marts.seconds.items():
                print(f"{name}: {', '.join(f'{x:.3f}' for x in seconds)}")
    if "load" in wanted:
        workdir = Path(tempfile.mkdtemp(prefix="load-", dir=workroot))
        results.load = load_benchmark(options.load_rows, workdir, repeat=options.repeat)
        load = results.load
        print(f"\n## load {load.rows:,} usage rows (generated in {load.generate_s:.1f} s)")
        print(f"loads.replace_days: {', '.join(f'{x:.2f}' for x in load.project_s)} s")
        print(f"DuckDB insert from Arrow: {', '.join(f'{x:.2f}' for x in load.duckdb_s)} s")
    if "accounts" in wanted:
        latency_ms = options.latencies_ms[0]
        results.accounts = accounts_benchmark(
            options,
            workroot,
            yesterday - timedelta(days=options.accounts_days - 1),
            yesterday,
            lambda seed: simulation(replace(options, seed=seed), today, latency_ms),
        )
    if "bounds" in wanted:
        print("\n## time bounds the tests no longer assert (seconds)", flush=True)
        results.bounds = bounds.measure(repeat=options.repeat)
        for bound in results.bounds:
            print(f"{bound.name}: {bound.seconds:.3f} ({bound.allowed})")
    return results


def machine() -> str:
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), cpu)
    with open("/proc/meminfo") as info:
        memory_kb = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
    versions = ", ".join(
        f"{name} {version(name)}" for name in ("dagster", "duckdb", "polars", "pyarrow", "httpx")
    )
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory_kb / 1024**2:.1f} GiB, "
        f"Python {platform.python_version()}, {versions}; "
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    defaults = Options()
    parser.add_argument("--latency-ms", type=int, nargs="+", default=defaults.latencies_ms)
    parser.add_argument("--days", type=int, default=defaults.days, help="backfill days")
    parser.add_argument("--endpoints", type=int, default=defaults.endpoints)
    parser.add_argument("--load-rows", type=int, default=defaults.load_rows)
    parser.add_argument(
        "--memory-days",
        type=int,
        default=defaults.memory_days,
        help="days of the memory backfill (also the marts' warehouse)",
    )
    parser.add_argument("--only", default=",".join(SCENARIOS), help=",".join(SCENARIOS + OPT_IN))
    parser.add_argument(
        "--accounts-days", type=int, default=defaults.accounts_days, help="days per account"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--repeat",
        type=int,
        default=defaults.repeat,
        help="repetitions of the load and marts timings (best/median kept)",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for a quick check")
    args = parser.parse_args(argv)
    only = tuple(s.strip() for s in args.only.split(",") if s.strip())
    unknown = set(only) - set(SCENARIOS + OPT_IN)
    if unknown:
        parser.error(f"unknown --only value(s): {', '.join(sorted(unknown))}")
    options = Options(
        latencies_ms=args.latency_ms,
        days=args.days,
        endpoints=args.endpoints,
        load_rows=args.load_rows,
        memory_days=args.memory_days,
        only=only,
        accounts_days=args.accounts_days,
        seed=args.seed,
        repeat=args.repeat,
        smoke=args.smoke,
    )
    if args.smoke:
        options.__dict__.update(SMOKE)
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    started = datetime.now(UTC)
    print(f"# falcost benchmark, {started:%Y-%m-%d %H:%M} UTC")
    args = " ".join(argv if argv is not None else sys.argv[1:])
    print(f"command: {Path(sys.executable).name} -m benchmarks.run {args}".rstrip())
    print(f"machine: {machine()}")
    print(f"options: {options}")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="falcost-bench-") as workroot:
        results = run(options, Path(workroot))
    print(f"\n# results ({time.perf_counter() - t0:.0f} s in all)\n")
    print(targets.summary(results))
    print(f"\nload average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if results.ok else 1


if __name__ == "__main__":
    sys.exit(main())
