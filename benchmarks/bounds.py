"""Time bounds the test suite once asserted, measured here instead.

Tests assert behaviour (which waits the client schedules, that a generated day does not depend
on the days before it); how long things take depends on the machine and what else runs on it,
so the wall-clock bounds those tests held live here, each a measured number against its bound:

- the simulator generates 90 days of 300 used endpoints in under 0.1 s, and serves a 90-day
  usage pull (1,000 items a page) in under 5 s (tests/sim/test_determinism.py);
- after a stall storm the simulator answers at once again (tests/sim/test_disruptions.py);
- the client waits out a ``Retry-After: 2`` (2 s plus a catalogue read), caps it at
  ``max_retry_after``, and gives up within ``max_total_seconds`` when 429s never end
  (tests/reliability/test_rate_limits.py);
- a server that never answers whole fails a request after ``max_attempts`` x (read timeout +
  longest backoff) (tests/reliability/test_server_errors.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from pipelines.fal import FalClient, FalError, RetryPolicy, Source
from pipelines.sim import SIM_FAL_KEY, Faults, SimConfig, Simulation, create_app, serving

TODAY = date(2026, 11, 25)  # the tests' simulated today
FAL = {"Authorization": f"Key {SIM_FAL_KEY}"}


@dataclass(frozen=True)
class Bound:
    """One measured duration and the range it must fall in (``low`` <= seconds < ``high``)."""

    name: str
    seconds: float
    high: float
    low: float = 0.0

    @property
    def met(self) -> bool:
        return self.low <= self.seconds < self.high

    @property
    def allowed(self) -> str:
        return f"{self.low:g} s to {self.high:g} s" if self.low else f"< {self.high:g} s"


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def generate_days(repeat: int) -> Bound:
    """90 days of records from fresh simulations (nothing cached); the best of ``repeat``."""
    days = [date(2026, 8, 1) + timedelta(days=n) for n in range(90)]

    def one() -> float:
        sim = Simulation(SimConfig(today=TODAY))
        return _timed(lambda: [sim.day_records(day) for day in days])

    best = min(one() for _ in range(repeat))
    return Bound("simulator: 90 days of 300 used endpoints generated (best)", best, 0.1)


async def _fal_pages(app, path: str, params: list[tuple[str, str]]) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim", headers=FAL) as http:
        pages, cursor = 0, None
        while True:
            query = params + ([("cursor", cursor)] if cursor else [])
            response = await http.get(f"/v1{path}", params=query)
            response.raise_for_status()
            pages += 1
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return pages


def usage_pull() -> Bound:
    app = create_app(Simulation(SimConfig(today=TODAY)))
    params = [("start", "2026-08-01"), ("end", "2026-10-30"), ("timeframe", "day"),
              ("limit", "1000"), ("expand", "time_series"), ("expand", "auth_method")]  # fmt: skip
    seconds = _timed(lambda: asyncio.run(_fal_pages(app, "/models/usage", params)))
    return Bound("simulator: a 90-day usage pull, 1,000 items a page", seconds, 5.0)


def after_stall() -> Bound:
    """The request after a one-request stall storm (0.3 s) is answered promptly."""
    faults = Faults(rate_stall=1.0, stall_s=0.3, fault_requests=1)
    app = create_app(Simulation(SimConfig(today=TODAY, faults=faults)))

    async def two() -> float:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
            await http.get("/v1/models", params={"limit": 1}, headers=FAL)  # the stalled one
            started = time.perf_counter()
            await http.get("/v1/models", params={"limit": 1}, headers=FAL)
            return time.perf_counter() - started

    return Bound("simulator: the request after a stall storm", asyncio.run(two()), 0.25)


def _catalogue(faults: Faults, policy: RetryPolicy) -> float:
    """Seconds to read a 120-endpoint catalogue in-process (errors count as the end)."""
    sim = Simulation(SimConfig(seed=11, n_endpoints=120, n_used=20, today=TODAY, faults=faults))
    source = Source("simulator", "fal", "http://127.0.0.1/v1", SIM_FAL_KEY)

    async def go() -> None:
        transport = httpx.ASGITransport(app=create_app(sim))
        async with FalClient(source, retry=policy, transport=transport) as client:
            with suppress(FalError):  # the endless storm ends in an error, as it should
                await client.models()

    return _timed(lambda: asyncio.run(go()))


def retry_after() -> list[Bound]:
    once = Faults(rate_429=1.0, fault_requests=1, retry_after=2)
    endless = Faults(rate_429=1.0, retry_after=1)
    budget = RetryPolicy(max_total_seconds=1.0, max_retry_after=0.8)
    return [
        Bound(
            "client: one 429 with Retry-After: 2, then the catalogue",
            _catalogue(once, RetryPolicy()),
            3.5,
            2.0,
        ),
        Bound(
            "client: Retry-After: 2 capped by max_retry_after=0.3",
            _catalogue(once, RetryPolicy(max_retry_after=0.3)),
            1.8,
            0.3,
        ),
        Bound("client: endless 429s, max_total_seconds=1.0", _catalogue(endless, budget), 1.4),
    ]


def never_answers() -> Bound:
    """A server that stalls every answer past the read timeout: the request gives up in time."""
    policy = RetryPolicy(max_attempts=4, backoff_base=0.01, max_backoff=0.05)
    read_timeout = 0.2
    sim = Simulation(SimConfig(seed=11, n_endpoints=120, n_used=20, today=TODAY,
                               faults=Faults(rate_stall=1.0, stall_s=1.0)))  # fmt: skip

    async def usage(root: str) -> None:
        source = Source("simulator", "fal", f"{root}/v1", SIM_FAL_KEY)
        async with FalClient(source, retry=policy, timeout=httpx.Timeout(read_timeout)) as c:
            with suppress(FalError):
                await c.usage(date(2026, 9, 1), date(2026, 9, 2))

    with serving(sim) as root:
        seconds = _timed(lambda: asyncio.run(usage(root)))
    high = policy.max_attempts * (read_timeout + policy.max_backoff) + 1.5
    return Bound("client: a server that never answers whole (4 tries, 0.2 s reads)", seconds, high)


def measure(repeat: int = 3) -> list[Bound]:
    """Every bound, in the order of the module docstring."""
    return [
        generate_days(repeat),
        usage_pull(),
        after_stall(),
        *retry_after(),
        never_answers(),
    ]
