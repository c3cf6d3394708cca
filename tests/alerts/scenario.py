"""Ground truth from the simulator's own records, a budgets file, and reading a run's results."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg

from pipelines.sim import Simulation

FIRST, LAST = date(2026, 9, 1), date(2026, 9, 10)
DAYS = [FIRST + timedelta(i) for i in range((LAST - FIRST).days + 1)]
NANO = Decimal("0.000000001")
CENT = Decimal("0.01")


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(NANO)


def model_spend(
    sim: Simulation, keep: Callable[[dict], bool] = lambda item: True, days: list[date] = DAYS
) -> Decimal:
    """Billed cost of the usage items ``keep`` accepts, over ``days``."""
    return sum(
        (money(i["cost_total"]) for day in days for i in sim.usage_items(day) if keep(i)),
        Decimal(0),
    )


def serverless_spend(sim: Simulation, days: list[date] = DAYS) -> Decimal:
    return sum(
        (money(r["cost_total"]) for day in days for r in sim.serverless_rows(day)), Decimal(0)
    )


def cost_by(sim: Simulation, field: str) -> dict[tuple[date, str], Decimal]:
    """Billed cost per (day, endpoint_id or auth_method) from the usage items."""
    totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for day in DAYS:
        for item in sim.usage_items(day):
            totals[(day, item[field])] += money(item["cost_total"])
    return dict(totals)


def toml_value(value: object) -> str:
    if value is True:
        return "true"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def write_budgets(path: Path, budgets: list[dict], anomalies: dict | None = None) -> Path:
    lines = []
    for budget in budgets:
        lines.append("[[budget]]")
        lines += [f"{key} = {toml_value(value)}" for key, value in budget.items()]
    if anomalies:
        lines.append("[anomalies]")
        lines += [f"{key} = {toml_value(value)}" for key, value in anomalies.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def checks(result: dg.ExecuteInProcessResult) -> dict[str, tuple[bool, str, str]]:
    """Check name -> (passed, severity, description) of the run's check evaluations."""
    found = {}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.event_specific_data
            found[data.check_name] = (data.passed, data.severity.value, data.description or "")
    return found


def notifications(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    """The metadata of the run's ``alerts/notifications`` materialization."""
    key = dg.AssetKey(["alerts", "notifications"])
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            if materialization.asset_key == key:
                return {name: value.value for name, value in materialization.metadata.items()}
    raise AssertionError("alerts/notifications was not materialized")


ALERTING = [
    dg.AssetKey(["marts", "budget_status"]),
    dg.AssetKey(["marts", "cost_anomalies"]),
    dg.AssetKey(["alerts", "notifications"]),
]


def run_alerts(
    url: str, warehouse_path: str, instance: dg.DagsterInstance
) -> dg.ExecuteInProcessResult:
    """Rebuild only the two alert marts and send: what a run does after its loads."""
    from pipelines.definitions import build_definitions
    from tests.assets.pipeline import resources

    defs = build_definitions(resources(url, warehouse_path))
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        asset_selection=ALERTING, instance=instance, raise_on_error=False
    )
