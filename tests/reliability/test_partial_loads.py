"""Scenario 16: a partial load must never pass as a whole one (issue 7).

The simulator serves behind a small ASGI wrapper (``Rewrite``) that edits one path's answers:
a catalogue missing endpoints, pricing answering 404 to every batch, a usage row in EUR or
with a quantity of 1e30. The simulator itself is untouched, so its records stay the truth the
expected numbers come from. Runs are the project's jobs on real DuckDB files; one is a real
``falcost sync`` process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from pipelines.cli.sync import gate_config
from pipelines.definitions import build_definitions
from pipelines.orchestration.jobs import range_tags
from pipelines.orchestration.resources import WarehouseResource
from pipelines.sim import Simulation, create_app
from pipelines.sim.server import serve_app
from tests.reliability.harness import (
    FIRST,
    LAST,
    days,
    failures,
    falcost,
    query,
    quick_fal,
    snapshot,
    sync_args,
    sync_env,
)

CATALOG = ("raw.models", "raw.prices", "raw.unpriced_endpoints")
PRICES = ("raw.prices", "raw.unpriced_endpoints")
USAGE = ("raw.usage_daily", "marts.cost_per_model", "marts.request_trends")
Edit = Callable[[int, Any], tuple[int, Any]]


class Rewrite:
    """An ASGI wrapper around the simulator: ``rules[path]`` edits the JSON answer of that
    request path, ``edit(status, body) -> (status, body)``; clear ``rules`` to heal."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.rules: dict[str, Edit] = {}

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        edit = self.rules.get(scope.get("path", "")) if scope["type"] == "http" else None
        if edit is None:
            await self.app(scope, receive, send)
            return
        start: dict = {}
        chunks: list[bytes] = []

        async def keep(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, keep)
        status, body = edit(start["status"], json.loads(b"".join(chunks)))
        data = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})


@pytest.fixture
def wire(account: Simulation) -> Iterator[tuple[Rewrite, str]]:
    rewrite = Rewrite(create_app(account))
    with serve_app(rewrite) as root:
        yield rewrite, root


def run(
    url: str,
    path: Path,
    job: str,
    first: date = FIRST,
    last: date = LAST,
    run_config: dict | None = None,
) -> dg.ExecuteInProcessResult:
    """``harness.run`` with run config (the gates' limits are run config of their assets)."""
    resources = {"fal": quick_fal(url), "warehouse": WarehouseResource(database=str(path))}
    job_def = build_definitions(resources).resolve_job_def(job)
    with dg.DagsterInstance.ephemeral() as instance:
        return job_def.execute_in_process(
            run_config=run_config or {},
            tags=range_tags(first.isoformat(), last.isoformat()),
            instance=instance,
            raise_on_error=False,
        )


def checks(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    """Check name -> its evaluation, for every check the run evaluated."""
    return {
        e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def metadata(evaluation: Any) -> dict[str, Any]:
    return {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}


def built(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def listed(ids: list[str], limit: int = 20) -> str:
    more = len(ids) - limit
    return ", ".join(ids[:limit]) + (f" and {more} more" if more > 0 else "")


def not_found(status: int, body: Any) -> tuple[int, Any]:
    return 404, {"error": {"type": "not_found", "message": "Pricing not found"}}


def without_models(hidden: set[str]) -> Edit:
    def edit(status: int, body: Any) -> tuple[int, Any]:
        body["models"] = [m for m in body["models"] if m["endpoint_id"] not in hidden]
        return status, body

    return edit


def usage_items(edit_item: Callable[[dict], None], target: Callable[[str, dict], bool]) -> Edit:
    """Apply ``edit_item`` to the usage items ``target(bucket, item)`` picks, on every page."""

    def edit(status: int, body: Any) -> tuple[int, Any]:
        for bucket in body.get("time_series", []):
            for item in bucket.get("results", []):
                if target(bucket["bucket"], item):
                    edit_item(item)
        return status, body

    return edit


def same_line(day: date, record: dict) -> Callable[[str, dict], bool]:
    keys = ("endpoint_id", "auth_method", "unit_price", "percent_discount")
    return lambda stamp, item: (
        stamp.startswith(day.isoformat()) and all(item.get(k) == record.get(k) for k in keys)
    )


# -- the catalogue ---------------------------------------------------------------------------


def test_a_catalogue_missing_a_third_of_its_endpoints_is_refused_until_a_run_accepts_it(
    account, wire, synced
):
    rewrite, url = wire
    ids = sorted(m["endpoint_id"] for m in account.models())
    hidden = ids[::3]
    rewrite.rules["/v1/models"] = without_models(set(hidden))
    before = snapshot(synced, CATALOG)

    for _ in range(2):  # refused again: the previous listing stays the baseline
        refused = run(url, synced, "catalog_job")
        assert not refused.success
        shrink = checks(refused)["models_catalog_not_shrunk"]
        assert not shrink.passed and shrink.severity == dg.AssetCheckSeverity.ERROR
        assert metadata(shrink) == {
            "failing": len(hidden),
            "before": len(ids),
            "share": round(len(hidden) / len(ids), 4),
            "limit": 0.2,
            "failing_ids": listed(hidden),
        }
        assert shrink.description.startswith(
            f"{len(hidden)} of {len(ids)} endpoints listed by the previous catalogue load are "
            f"missing from this listing (33%; max_catalog_shrink is 20%): {listed(hidden)}. "
            "Nothing was loaded."
        )
        assert "FALCOST_MAX_CATALOG_SHRINK" in shrink.description
        assert list(failures(refused)) == ["raw__models"]
        assert failures(refused)["raw__models"].endswith(
            "CheckRefusal: raw.models was not loaded: check models_catalog_not_shrunk failed"
        )
        assert built(refused) == set()  # raw/prices did not run on the short listing
        assert snapshot(synced, CATALOG) == before

    accepted = run(
        url, synced, "catalog_job", run_config={"ops": {"raw__models": {"config": {
            "max_catalog_shrink": 0.5}}}},
    )  # fmt: skip
    assert accepted.success, failures(accepted)
    assert checks(accepted)["models_catalog_not_shrunk"].passed
    latest = query(
        synced,
        "select endpoint_id from raw.models "
        "where last_seen_at = (select max(last_seen_at) from raw.models) order by 1",
    )
    assert [e for (e,) in latest] == [e for e in ids if e not in set(hidden)]
    # the endpoints not listed keep their prices: the listing said nothing about them
    assert query(synced, "select count(*) from raw.prices where valid_to is not null") == [(0,)]


def test_usage_of_an_endpoint_the_catalogue_lacks_blocks_the_marts_and_names_it(
    account, wire, tmp_path
):
    rewrite, url = wire
    used = sorted({i["endpoint_id"] for d in days() for i in account.usage_items(d)})
    hidden = used[:2]
    rewrite.rules["/v1/models"] = without_models(set(hidden))
    path = tmp_path / "falcost.duckdb"

    result = run(url, path, "main_job")

    assert not result.success
    found = checks(result)
    missing = found["usage_daily_endpoints_in_catalog"]
    assert not missing.passed and missing.severity == dg.AssetCheckSeverity.ERROR
    assert metadata(missing) == {"failing": 2, "failing_ids": ", ".join(hidden)}
    assert missing.description == (
        f"2 endpoints with usage are missing from raw.models ({FIRST}..{LAST}): {', '.join(hidden)}"
    )
    assert found["analytics_daily_endpoints_in_catalog"].passed  # asked for listed ids only
    assert "raw/usage_daily" in built(result)
    assert not {"marts/cost_per_model", "marts/request_trends"} & built(result)


# -- prices ----------------------------------------------------------------------------------


def test_pricing_404_for_every_batch_is_refused_and_never_closes_a_price(account, wire, synced):
    rewrite, url = wire
    priced = sorted(account.current_prices())
    unpriced = sorted({m["endpoint_id"] for m in account.models()} - set(priced))
    healthy = snapshot(synced, PRICES)
    rewrite.rules["/v1/models/pricing"] = not_found

    refused = run(url, synced, "catalog_job")

    assert not refused.success
    collapse = checks(refused)["prices_not_collapsed"]
    assert not collapse.passed
    assert metadata(collapse) == {
        "failing": len(priced),
        "before": len(priced),
        "share": 1.0,
        "limit": 0.2,
        "failing_ids": listed(priced),
    }
    assert collapse.description.startswith(
        f"{len(priced)} of {len(priced)} endpoints priced before this load are now answered "
        f"unpriced (100%; max_unpriced_share is 20%): {listed(priced)}. Nothing was loaded."
    )
    assert snapshot(synced, PRICES) == healthy

    # Accepted on purpose (run config): still no price is closed, the gaps are listed.
    accepted = run(
        url, synced, "catalog_job", run_config={"ops": {"raw__prices": {"config": {
            "max_unpriced_share": 1.0}}}},
    )  # fmt: skip
    assert accepted.success, failures(accepted)
    assert query(synced, "select count(*) from raw.prices where valid_to is not null") == [(0,)]
    listed_unpriced = query(synced, "select endpoint_id from raw.unpriced_endpoints order by 1")
    assert [e for (e,) in listed_unpriced] == sorted(priced + unpriced)

    rewrite.rules.clear()
    healed = run(url, synced, "catalog_job")
    assert healed.success, failures(healed)
    # no false gap: every price history is exactly what it was before the outage
    assert snapshot(synced, ("raw.prices",)) == {"raw.prices": healthy["raw.prices"]}
    back = query(synced, "select endpoint_id from raw.unpriced_endpoints order by 1")
    assert [e for (e,) in back] == unpriced


def test_falcost_sync_exits_1_naming_the_failed_blocking_check_until_the_env_accepts_it(
    account, wire, synced, tmp_path
):
    rewrite, url = wire
    priced = sorted(account.current_prices())
    rewrite.rules["/v1/models/pricing"] = not_found
    before = snapshot(synced, PRICES)
    env = sync_env(url, synced, tmp_path / "home")

    done = falcost(*sync_args(), env=env, timeout=120)

    assert done.returncode == 1, done.stderr
    assert (
        f"FAILED check raw/prices:prices_not_collapsed failed: {len(priced)} of {len(priced)} "
        "endpoints priced before this load are now answered unpriced (100%; "
        "max_unpriced_share is 20%)"
    ) in done.stderr
    assert "FAILED raw/prices" not in done.stderr  # the check's line says it all
    assert snapshot(synced, PRICES) == before

    accepted = falcost(*sync_args(), env=env | {"FALCOST_MAX_UNPRICED_SHARE": "1"}, timeout=120)

    assert accepted.returncode == 0, accepted.stderr
    assert query(synced, "select count(*) from raw.unpriced_endpoints") == [
        (len(account.models()),)
    ]
    assert query(synced, "select count(*) from raw.prices where valid_to is not null") == [(0,)]


def test_the_gate_limits_come_from_the_environment_for_falcost_sync():
    assert gate_config({}) == {}
    env = {"FALCOST_MAX_CATALOG_SHRINK": "0.5", "FALCOST_MAX_UNPRICED_SHARE": "1"}
    assert gate_config(env) == {
        "ops": {
            "raw__models": {"config": {"max_catalog_shrink": 0.5}},
            "raw__prices": {"config": {"max_unpriced_share": 1.0}},
        }
    }
    for bad in ("1.5", "-0.1", "a fifth"):
        with pytest.raises(Exception, match="FALCOST_MAX_CATALOG_SHRINK must be a share"):
            gate_config({"FALCOST_MAX_CATALOG_SHRINK": bad})


# -- usage values ----------------------------------------------------------------------------


def test_a_usage_row_in_a_second_currency_is_refused_naming_table_window_and_currencies(
    account, wire, synced
):
    rewrite, url = wire
    day = FIRST + timedelta(days=1)
    record = account.usage_items(day)[3]
    rewrite.rules["/v1/models/usage"] = usage_items(
        lambda item: item.update(currency="EUR"), same_line(day, record)
    )
    before = snapshot(synced, USAGE)

    result = run(url, synced, "usage_job")

    assert not result.success
    others = sum(len(account.usage_items(d)) for d in days()) - 1
    first_usd = account.usage_items(FIRST)[0]["endpoint_id"]
    assert failures(result)["raw__usage_daily"].endswith(
        f"raw.usage_daily {FIRST}..{LAST}: amounts in 2 currencies (EUR, USD): EUR: 1 rows, e.g. "
        f"{record['endpoint_id']} on {day}; USD: {others} rows, e.g. {first_usd} on {FIRST}. "
        "falcost adds money within one currency only and does not yet support a second one; "
        "nothing was loaded."
    )
    assert snapshot(synced, USAGE) == before


def test_a_window_all_in_another_currency_than_the_warehouse_holds_is_refused(
    account, wire, synced
):
    rewrite, url = wire
    rewrite.rules["/v1/models/usage"] = usage_items(
        lambda item: item.update(currency="EUR"), lambda stamp, item: True
    )
    day = LAST + timedelta(days=1)
    before = snapshot(synced, USAGE)

    result = run(url, synced, "usage_job", day, day)

    assert not result.success
    rows = len(account.usage_items(day))
    first = account.usage_items(day)[0]["endpoint_id"]
    assert (
        f"raw.usage_daily {day}..{day}: amounts in 2 currencies (EUR, USD): EUR: {rows} rows, "
        f"e.g. {first} on {day}; the warehouse already holds USD."
    ) in failures(result)["raw__usage_daily"]
    assert snapshot(synced, USAGE) == before


def test_a_quantity_too_large_for_decimal_18_9_fails_naming_table_day_endpoint_and_field(
    account, wire, synced
):
    rewrite, url = wire
    day = LAST
    record = account.usage_items(day)[5]
    rewrite.rules["/v1/models/usage"] = usage_items(
        lambda item: item.update(quantity=1e30), same_line(day, record)
    )
    before = snapshot(synced, USAGE)

    result = run(url, synced, "usage_job")

    assert not result.success
    assert failures(result)["raw__usage_daily"].endswith(
        f"ValueOutOfRange: raw.usage_daily: quantity = 1e+30 for endpoint "
        f"'{record['endpoint_id']}' on {day} does not fit DECIMAL(18,9) (must be below "
        "1,000,000,000); nothing was loaded"
    )
    assert snapshot(synced, USAGE) == before


# -- usage against analytics -----------------------------------------------------------------


def test_per_request_usage_disagreeing_with_analytics_warns_without_blocking(
    account, wire, tmp_path
):
    rewrite, url = wire
    per_request = sorted(
        {(d, i["endpoint_id"]) for d in days() for i in account.usage_items(d)
         if i["unit"] == "requests"}
    )  # fmt: skip
    assert per_request  # the account has endpoints billed per request
    ids = {endpoint for _, endpoint in per_request}
    rewrite.rules["/v1/models/usage"] = usage_items(
        lambda item: item.update(quantity=item["quantity"] * 2),
        lambda stamp, item: item["endpoint_id"] in ids,
    )
    path = tmp_path / "falcost.duckdb"

    result = run(url, path, "main_job")

    assert result.success, failures(result)
    mismatch = checks(result)["cost_per_model_requests_match_usage"]
    assert not mismatch.passed and mismatch.severity == dg.AssetCheckSeverity.WARN
    assert metadata(mismatch)["failing"] == len(per_request)
    for day, endpoint in per_request:
        assert f"{endpoint} on {day}: " in mismatch.description
    assert {"marts/cost_per_model", "marts/request_trends"} <= built(result)


def test_a_clean_re_sync_passes_every_check_warnings_included(wire, synced):
    _, url = wire

    result = run(url, synced, "main_job")

    assert result.success, failures(result)
    found = checks(result)
    assert len(found) == 17
    # the scenario window is weeks before the simulated today, so usage is not fresh
    assert {name for name, e in found.items() if not e.passed} == {"usage_daily_freshness"}
