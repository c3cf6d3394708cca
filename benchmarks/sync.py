"""``falcost sync`` as a user runs it: a subprocess, timed against the simulator's request log."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from benchmarks.server import RequestLog, Seen
from pipelines import settings
from pipelines.orchestration.jobs import range_tags
from pipelines.sim import SIM_FAL_KEY

ROOT = Path(__file__).resolve().parents[1]
_CLEARED = (
    settings.SOURCE,
    settings.FAL_KEY,
    settings.FAL_API_BASE_URL,
    settings.LOWCODEAPI_TOKEN,
    settings.LOWCODEAPI_BASE_URL,
    settings.WAREHOUSE,
    settings.MAX_IN_FLIGHT,
    settings.SIMULATOR_SEED,
    settings.DAGSTER_HOME,
)


@dataclass
class SyncRun:
    """One ``falcost sync``: wall time split at the first request the simulator saw."""

    exit_code: int
    wall_s: float
    startup_s: float  # process start to the first request
    phase_s: float  # first request to process exit (fetch, validate, load, marts, checks)
    max_rss_mb: float  # the child's own high-water mark (VmHWM), see ``_sample_rss``
    requests: list[Seen]
    lines: list[tuple[float, str]]  # its output, each line with seconds since spawn
    rss: list[tuple[float, float]]  # (seconds since spawn, resident MB), sampled every 20 ms
    t0: float  # perf_counter at spawn, for the timeline

    def rss_at(self, at: float) -> float:
        """The last resident-set sample taken at or before ``at`` seconds (MB)."""
        return next((mb for t, mb in reversed(self.rss) if t <= at), 0.0)

    def peak_rss_at(self) -> tuple[float, float]:
        """(seconds since spawn, MB) of the largest resident-set sample."""
        return max(self.rss, key=lambda sample: sample[1], default=(0.0, 0.0))

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)


def operation(path: str) -> str:
    """``/v1/models/usage`` -> ``usage``; the names of ``benchmarks.minimum.OPERATIONS``."""
    tail = path.rstrip("/").removeprefix("/v1")
    return {
        "/models": "models",
        "/models/pricing": "pricing",
        "/models/usage": "usage",
        "/models/analytics": "analytics",
        "/compute/instances": "instances",
        "/serverless/usage": "serverless",
        "/keys": "keys",
        "/account/billing": "billing",
        "/organization/usage": "organization",
        "/organization/teams": "organization",
        "/account/focus": "focus",
    }.get(tail, tail)


def falcost_command() -> list[str]:
    script = Path(sys.executable).with_name("falcost")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipelines"]


def sync_env(url: str, warehouse: Path, dagster_home: Path, in_flight: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(
        {
            settings.FAL_API_BASE_URL: f"{url}/v1",
            settings.FAL_KEY: SIM_FAL_KEY,
            settings.WAREHOUSE: str(warehouse),
            settings.DAGSTER_HOME: str(dagster_home),
            settings.MAX_IN_FLIGHT: str(in_flight),
        }
    )
    return env


def sync_command(first: date, last: date) -> list[str]:
    """``falcost sync``: ``main_job`` (catalogue, prices, instances, usage, analytics, marts)."""
    return [*falcost_command(), "sync", "--start", first.isoformat(), "--end", last.isoformat()]


def schedule_command(first: date, last: date) -> list[str]:
    """``usage_job`` for a day range, the run ``daily_usage_schedule`` asks for, started with
    Dagster's own CLI on the same instance (what a scheduled run executes, minus the daemon)."""
    dagster = Path(sys.executable).with_name("dagster")
    tags = json.dumps(range_tags(first.isoformat(), last.isoformat()))
    return [
        str(dagster),
        "job",
        "execute",
        "-m",
        "pipelines.definitions",
        "-a",
        "defs",
        "-j",
        "usage_job",
        "--tags",
        tags,
    ]


def run_command(log: RequestLog, env: dict[str, str], command: list[str]) -> SyncRun:
    """Run ``command`` (from the repository root, as a user would) and wait for it.

    Peak RSS is the child's ``VmHWM``, read until it exits. ``wait4``'s ``ru_maxrss`` (like
    ``RUSAGE_CHILDREN``) would be wrong here: Linux counts the pages of the forking parent,
    this process with the simulator in it, as the child's until it execs (``python -c pass``
    forked from an 800 MB parent reports 810 MB). It is used only if /proc cannot be read.
    """
    log.clear()
    lines: list[tuple[float, str]] = []
    t0 = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    reader = threading.Thread(target=_read_lines, args=(process.stdout, t0, lines), daemon=True)
    reader.start()
    rss: list[tuple[float, float]] = []
    done = threading.Event()
    hwm = [0.0]
    sampler = threading.Thread(
        target=_sample_rss, args=(process.pid, t0, rss, hwm, done), daemon=True
    )
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    t1 = time.perf_counter()
    done.set()
    sampler.join(timeout=10)
    reader.join(timeout=10)
    process.stdout.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    seen = log.since(t0)
    first_request = seen[0].start if seen else t1
    return SyncRun(
        exit_code=process.returncode,
        wall_s=t1 - t0,
        startup_s=first_request - t0,
        phase_s=t1 - first_request,
        max_rss_mb=hwm[0] or usage.ru_maxrss / 1024,
        requests=seen,
        lines=lines,
        rss=rss,
        t0=t0,
    )


def _sample_rss(
    pid: int, t0: float, into: list[tuple[float, float]], hwm: list[float], done
) -> None:
    """Sample the child's resident set; keep its high-water mark (monotonic, so the last
    reading before exit holds the peak up to then, short spikes included)."""
    status = Path(f"/proc/{pid}/status")
    while not done.is_set():
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except OSError:  # gone: the run is over
            return
        if "VmRSS" in fields:  # absent once the child is a zombie
            into.append((time.perf_counter() - t0, int(fields["VmRSS"].split()[0]) / 1024))
            hwm[0] = max(hwm[0], int(fields["VmHWM"].split()[0]) / 1024)
        done.wait(0.02)


def _read_lines(stream, t0: float, into: list[tuple[float, str]]) -> None:
    for raw in stream:
        into.append((time.perf_counter() - t0, raw.decode(errors="replace").rstrip()))


def import_time_s(repeat: int = 3) -> tuple[float, float]:
    """(bare interpreter, interpreter + the modules a sync imports), median wall seconds."""

    def timed(code: str) -> float:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    modules = "import pipelines.cli, pipelines.cli.sync, pipelines.definitions"
    return timed("pass"), timed(modules)
