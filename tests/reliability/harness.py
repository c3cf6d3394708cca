"""Shared parts of the reliability matrix: a small simulated account, runs, snapshots, truth.

Every run uses the project's real jobs, resources and DuckDB files; the simulator serves on
loopback. ``QuickFal`` is the production resource with the client's documented bounds (retry
policy, read timeout, page cap) turned down, so a test reaches a bound in a second, not minutes.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import httpx
from pydantic import Field

from pipelines.definitions import build_definitions
from pipelines.fal import FalClient, RetryPolicy
from pipelines.orchestration.jobs import range_tags
from pipelines.orchestration.resources import FalPlatformResource, WarehouseResource
from pipelines.sim import SIM_FAL_KEY, SIM_LOWCODE_TOKEN, Faults, SimConfig, Simulation
from tests.conftest import TODAY

REPO = Path(__file__).resolve().parents[2]
FIRST, LAST = date(2026, 9, 1), date(2026, 9, 3)  # the window every scenario syncs
NANO = Decimal("0.000000001")
TABLES = (
    "raw.models",
    "raw.prices",
    "raw.unpriced_endpoints",
    "raw.usage_daily",
    "raw.analytics_daily",
    "raw.instance_snapshots",
    "raw.serverless_usage_daily",
    "raw.organization_usage_daily",
    "raw.api_keys",
    "raw.organization_teams",
    "raw.credit_balance_snapshots",
    "raw.fal_focus_charges",
    "raw.billing_events",
    "meta.loads",
    "meta.revisions",
    "meta.day_status",
    "meta.source_access",
    "marts.cost_per_model",
    "marts.request_trends",
    "marts.instance_status",
    "marts.spend_daily",
    "marts.cost_by_key",
    "marts.reconciliation",
)
# tables a load writes beside its own, in its transaction, or before it (source access)
LEDGERS = {"meta.loads", "meta.revisions", "meta.day_status", "meta.source_access"}
USAGE_TABLES = ("raw.usage_daily", "marts.cost_per_model", "marts.request_trends")
REVISED_DAY = date(2026, 9, 2)


def tiny_config(**overrides: Any) -> SimConfig:
    """120 endpoints, 20 of them used: several pages and id batches, and fast to serve; an
    enterprise account, so every source of the bill answers (and meets the faults)."""
    values: dict[str, Any] = {
        "seed": 11,
        "n_endpoints": 120,
        "n_used": 20,
        "today": TODAY,
        "enterprise": True,
    }
    values.update(overrides)
    return SimConfig(**values)


def days(first: date = FIRST, last: date = LAST) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


class QuickFal(FalPlatformResource):
    """``FalPlatformResource`` with the client's bounds exposed, for tests only.

    The production resource fixes them (8 attempts, 180 s, 60 s reads, 10,000 pages); the
    client takes them as constructor arguments, which is all this subclass passes on.
    """

    max_attempts: int = 8
    backoff_base: float = 0.005
    max_backoff: float = 0.05
    max_total_seconds: float = 20.0
    max_retry_after: float = 0.05
    read_timeout_s: float = 60.0
    max_pages: int = Field(default=10_000, ge=1)
    usage_page_size: int = Field(default=1000, ge=1)

    def client(self, progress: Callable[[str], None] | None = None) -> FalClient:
        production = super().client(progress)
        policy = RetryPolicy(
            max_attempts=self.max_attempts,
            backoff_base=self.backoff_base,
            max_backoff=self.max_backoff,
            max_total_seconds=self.max_total_seconds,
            max_retry_after=self.max_retry_after,
        )
        return FalClient(
            production.source,
            max_in_flight=self.max_in_flight,
            window_days=self.window_days,
            max_pages=self.max_pages,
            usage_page_size=self.usage_page_size,
            retry=policy,
            timeout=httpx.Timeout(self.read_timeout_s, connect=5.0),
            progress=progress,
        )


def quick_fal(url: str, key: str = SIM_FAL_KEY, **bounds: Any) -> QuickFal:
    return QuickFal(source="fal", fal_key=key, fal_base_url=f"{url}/v1", **bounds)


def quick_proxy(url: str, token: str = SIM_LOWCODE_TOKEN, **bounds: Any) -> QuickFal:
    return QuickFal(
        source="lowcodeapi", lowcodeapi_token=token, lowcodeapi_base_url=f"{url}/falai", **bounds
    )


def run(
    url: str,
    path: str | Path,
    first: date = FIRST,
    last: date = LAST,
    *,
    job: str = "main_job",
    fal: FalPlatformResource | None = None,
    instance: dg.DagsterInstance | None = None,
) -> dg.ExecuteInProcessResult:
    """One run of a project job over ``first..last`` against the simulator at ``url``."""
    resources = {"fal": fal or quick_fal(url), "warehouse": WarehouseResource(database=str(path))}
    job_def = build_definitions(resources).resolve_job_def(job)
    if instance is None:
        with dg.DagsterInstance.ephemeral() as ephemeral:
            return run(url, path, first, last, job=job, fal=fal, instance=ephemeral)
    return job_def.execute_in_process(
        tags=range_tags(first.isoformat(), last.isoformat()),
        instance=instance,
        raise_on_error=False,
    )


def failures(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """Step key -> what each failed step raised (the innermost cause, on one line).

    test_credentials.py pins the line ``falcost sync`` itself prints for a failed step.
    """
    out = {}
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            out[event.step_key] = " ".join(error.message.split())
    return out


def _values(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata as plain values, a day-partitioned load's run-level ``run_…`` figures under
    their plain names (``run_retries`` -> ``retries``)."""
    return {k.removeprefix("run_"): getattr(v, "value", v) for k, v in metadata.items()}


def materialized(result: dg.ExecuteInProcessResult, asset: str) -> list[dict[str, Any]]:
    """The metadata of each materialisation of ``asset`` (e.g. ``raw/usage_daily``), as values."""
    out = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            if materialization.asset_key.to_user_string() == asset:
                out.append(_values(materialization.metadata))
    return out


def request_counts(result: dg.ExecuteInProcessResult, counter: str) -> int:
    """``counter`` (e.g. ``rate_limited``) summed over every asset's last materialisation."""
    last: dict[str, Any] = {}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            value = _values(materialization.metadata).get(counter)
            last[materialization.asset_key.to_user_string()] = value
    return sum(int(v or 0) for v in last.values())


@contextmanager
def read_only(path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.ConnectionException:
        # A connection a failed load left open (D8 in RELIABILITY.md, fixed) would make DuckDB
        # refuse a read-only one in this process until it is garbage-collected.
        gc.collect()
        con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def query(path: str | Path, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    with read_only(path) as con:
        return con.execute(sql, params or []).fetchall()


def snapshot(path: str | Path, tables: Sequence[str] = TABLES) -> dict[str, list[tuple]]:
    """Every row of ``tables``, in a stable order: equal snapshots mean an untouched warehouse."""
    with read_only(path) as con:
        present = {f"{s}.{t}" for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables()"
        ).fetchall()}  # fmt: skip
        return {
            table: con.execute(f"select * from {table} order by all").fetchall()
            if table in present
            else []
            for table in tables
        }


def money(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(NANO)


def truth_usage(sim: Simulation, window: Sequence[date]) -> list[tuple]:
    """The usage rows the source holds for ``window``, as raw.usage_daily should store them."""
    rows = []
    for day in window:
        for item in sim.usage_items(day):
            total = item.get("cost_total", item.get("cost"))
            discount = item.get("cost_discount", 0.0)
            rows.append(
                (
                    day,
                    item["endpoint_id"],
                    item["unit"],
                    money(item["unit_price"]),
                    money(item.get("percent_discount")),
                    item.get("auth_method"),
                    money(item["quantity"]),
                    money(item.get("cost_subtotal", total + discount)),
                    money(discount),
                    money(total),
                )
            )
    return sorted(rows, key=repr)


def loaded_usage(path: str | Path, window: Sequence[date]) -> list[tuple]:
    rows = query(
        path,
        "select usage_date, endpoint_id, unit, unit_price, percent_discount, auth_method, "
        "quantity, cost_subtotal, cost_discount, cost_total from raw.usage_daily "
        "where usage_date between ? and ?",
        [min(window), max(window)],
    )
    return sorted(rows, key=repr)


def truth_requests(sim: Simulation, window: Sequence[date]) -> dict[tuple, int]:
    return {
        (d, i["endpoint_id"]): i["request_count"] for d in window for i in sim.analytics_items(d)
    }


def loaded_requests(path: str | Path, window: Sequence[date]) -> dict[tuple, int]:
    rows = query(
        path,
        "select metric_date, endpoint_id, request_count from raw.analytics_daily "
        "where metric_date between ? and ?",
        [min(window), max(window)],
    )
    return {(d, e): n for d, e, n in rows}


def assert_exact(path: str | Path, sim: Simulation, window: Sequence[date] | None = None) -> None:
    """Over ``window``, raw.usage_daily, raw.analytics_daily and the cost mart equal the
    source to the nano-dollar: no row missing, none extra, none twice."""
    window = list(window or days())
    assert loaded_usage(path, window) == truth_usage(sim, window)
    assert loaded_requests(path, window) == truth_requests(sim, window)
    mart = query(
        path,
        "select usage_date, endpoint_id, cost_total from marts.cost_per_model "
        "where usage_date between ? and ?",
        [min(window), max(window)],
    )
    totals: dict[tuple, Decimal] = {}
    for day, endpoint, *_, total in truth_usage(sim, window):
        totals[(day, endpoint)] = totals.get((day, endpoint), Decimal(0)) + total
    assert {(d, e): c for d, e, c in mart if c} == totals


def fails_cleanly_then_heals(
    account: Simulation,
    url: str,
    path: str | Path,
    *faults: Faults,
    job: str = "usage_job",
    fal: FalPlatformResource | None = None,
    tables: Sequence[str] = USAGE_TABLES,
) -> list[dict[str, str]]:
    """The shape every failing scenario must have; returns what the failed steps raised.

    Upstream revises a day first, so a partial or wrong load would show in ``tables``. Each
    faulty run must fail and leave ``tables`` as they were (and record no load of them); a
    re-run once the faults are gone must load exactly what the source holds.
    """
    account.revise_usage(REVISED_DAY, 1.5)
    before = snapshot(path, tables)
    raised = []
    for fault in faults:
        account.set_faults(fault)
        failed = run(url, path, job=job, fal=fal)
        assert not failed.success, fault
        assert snapshot(path, tables) == before, fault
        recorded = query(
            path, "select table_name from meta.loads where load_id = ?", [failed.run_id]
        )
        assert not {t for (t,) in recorded} & set(tables), fault
        raised.append(failures(failed))
    account.set_faults(Faults())
    healed = run(url, path, job=job)
    assert healed.success, failures(healed)
    assert_exact(path, account)
    return raised


# -- real processes ------------------------------------------------------------------------


def sync_env(url: str, warehouse_path: str | Path, home: str | Path, **extra: str) -> dict:
    """The environment of a ``falcost sync`` against the simulator at ``url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL", "LOWCODEAPI"))}
    env.update(
        FAL_API_BASE_URL=f"{url}/v1",
        FAL_KEY=SIM_FAL_KEY,
        FALCOST_WAREHOUSE=str(warehouse_path),
        DAGSTER_HOME=str(home),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def falcost_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipelines", *args]


def sync_args(first: date = FIRST, last: date = LAST) -> list[str]:
    return ["sync", "--start", first.isoformat(), "--end", last.isoformat()]


def falcost(*args: str, env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    """``falcost ARGS`` as a real process from the repository root (where dagster.yaml is)."""
    return subprocess.run(
        falcost_command(*args), env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
