from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, timedelta

import pytest

from pipelines.fal import (
    FalAuthError,
    FalConfigError,
    FalResponseError,
    FalServerError,
    FalUnsupportedError,
    Source,
)
from pipelines.sim import SIM_FAL_API_SCOPE_KEY, Faults, Simulation
from tests.conftest import small_config
from tests.fal.helpers import call

START = date(2026, 9, 1)
END = date(2026, 9, 8)  # exclusive


def faulty(**faults) -> Simulation:
    return Simulation(small_config(faults=Faults(**faults)))


def usage_key(row: dict) -> tuple:
    return (
        row["usage_date"],
        row["endpoint_id"],
        row["unit"],
        round(row["unit_price"], 9),
        row["percent_discount"],
        row["auth_method"],
        round(row["quantity"], 9),
        round(row["cost_total"], 9),
    )


def expected_usage(sim: Simulation, start: date, end: date) -> set[tuple]:
    rows = set()
    day = start
    while day < end:
        for item in sim.usage_items(day):
            rows.add(usage_key({**item, "usage_date": day, "auth_method": item.get("auth_method")}))
        day += timedelta(days=1)
    return rows


def flat(pages: list[list[dict]]) -> list[dict]:
    return [row for page in pages for row in page]


@pytest.mark.parametrize("dialect", ["fal", "lowcodeapi"])
def test_models_pages_through_the_whole_catalogue_once(sim, dialect):
    models, stats = call(sim, lambda c: c.models(), dialect, model_page_size=25)
    ids = [m["endpoint_id"] for m in models]
    assert len(ids) == len(set(ids)) == sim.config.n_endpoints
    assert set(ids) == {m["endpoint_id"] for m in sim.models()}
    assert stats["pages"] == -(-sim.config.n_endpoints // 25)


def test_models_without_metadata_are_kept_with_null_attributes(sim):
    models, _ = call(sim, lambda c: c.models())
    bare = [m for m in models if not m["has_metadata"]]
    assert bare and all(m["display_name"] is None for m in bare)


@pytest.mark.parametrize("dialect", ["fal", "lowcodeapi"])
def test_pricing_isolates_unpriced_endpoints_instead_of_failing(sim, dialect):
    ids = sorted(m["endpoint_id"] for m in sim.models())
    result, _ = call(sim, lambda c: c.pricing(ids), dialect)
    truth = sim.current_prices()
    assert {p["endpoint_id"]: p["unit_price"] for p in result.prices} == {
        e: p["unit_price"] for e, p in truth.items()
    }
    assert result.unpriced == sorted(set(ids) - set(truth))
    assert result.unpriced  # the simulator has some


def test_known_unpriced_endpoints_are_asked_alone_and_save_requests(sim):
    ids = sorted(m["endpoint_id"] for m in sim.models())
    first, cold = call(sim, lambda c: c.pricing(ids))
    second, warm = call(sim, lambda c: c.pricing(ids, suspects=first.unpriced))
    assert second.unpriced == first.unpriced
    assert warm["requests"] == -(-(len(ids) - len(first.unpriced)) // 50) + len(first.unpriced)
    assert warm["requests"] < cold["requests"]


@pytest.mark.parametrize("dialect", ["fal", "lowcodeapi"])
def test_usage_matches_the_source_line_for_line(sim, dialect):
    pages, _ = call(sim, lambda c: c.usage(START, END), dialect, usage_page_size=50)
    rows = flat(pages)
    assert {usage_key(r) for r in rows} == expected_usage(sim, START, END)
    assert len(rows) == len({usage_key(r) for r in rows})


def test_usage_windows_split_long_ranges_and_still_cover_every_day(sim):
    pages, stats = call(sim, lambda c: c.usage(START, END), window_days=3)
    assert {usage_key(r) for r in flat(pages)} == expected_usage(sim, START, END)
    assert stats["requests"] >= 3


def test_offset_bucket_stamps_are_normalised_to_the_utc_day():
    sim = faulty(bucket_utc_offset="-05:00")
    pages, _ = call(sim, lambda c: c.usage(START, END))
    assert {r["usage_date"] for r in flat(pages)} == {START + timedelta(i) for i in range(7)}


def test_analytics_fans_out_over_id_batches_and_matches_the_source(sim):
    ids = sorted(m["endpoint_id"] for m in sim.models())
    pages, stats = call(sim, lambda c: c.analytics(START, END, ids))
    rows = flat(pages)
    assert stats["requests"] >= -(-len(ids) // 50)
    truth = {
        (day, item["endpoint_id"]): item["request_count"]
        for day in (START + timedelta(i) for i in range(7))
        for item in sim.analytics_items(day)
    }
    assert {(r["metric_date"], r["endpoint_id"]): r["request_count"] for r in rows} == truth


def test_a_429_storm_is_retried_and_the_data_is_still_exact():
    sim = faulty(rate_429=0.6, fault_requests=30)
    pages, stats = call(sim, lambda c: c.usage(START, END), usage_page_size=20)
    assert stats["retries"] > 0 and stats["rate_limited"] > 0
    assert {usage_key(r) for r in flat(pages)} == expected_usage(sim, START, END)


def test_a_5xx_that_never_ends_fails_after_the_bounded_attempts():
    sim = faulty(always_500_paths=("/models/usage",))
    with pytest.raises(FalServerError, match=r"'500 Internal Server Error' for GET /models/usage"):
        call(sim, lambda c: c.usage(START, END), max_in_flight=1)
    assert sim.stats["5xx"] == 8  # FAST_RETRY.max_attempts, for the one window in flight


def test_a_looping_cursor_stops_with_a_clear_error():
    sim = faulty(looping_cursor_paths=("/models/usage",))
    with pytest.raises(FalResponseError, match="page cursor repeated"):
        call(sim, lambda c: c.usage(START, END), usage_page_size=5)


def test_a_page_cap_stops_an_endless_list(sim):
    with pytest.raises(FalResponseError, match="more than 2 pages"):
        call(sim, lambda c: c.models(), model_page_size=10, max_pages=2)


def test_malformed_json_names_the_path_and_page():
    sim = faulty(malformed_json_paths=("/models/usage",))
    with pytest.raises(
        FalResponseError, match=r"malformed JSON .*GET /models/usage \(usage .* page 1\)"
    ):
        call(sim, lambda c: c.usage(START, END))


def test_an_html_page_with_status_200_is_not_taken_for_data():
    sim = faulty(html_200_paths=("/models",))
    with pytest.raises(FalResponseError, match="text/html instead of JSON"):
        call(sim, lambda c: c.models())


def test_a_missing_required_field_names_endpoint_and_field():
    sim = faulty(drop_field=("/models/usage", "unit"))
    with pytest.raises(FalResponseError, match=r"field 'unit' for endpoint '[^']+' is missing"):
        call(sim, lambda c: c.usage(START, END))


def test_answers_with_only_the_deprecated_cost_field_still_load():
    sim = faulty(deprecated_cost_only=True)
    pages, _ = call(sim, lambda c: c.usage(START, END))
    rows = flat(pages)
    assert rows and all(r["cost_subtotal"] == r["cost_total"] for r in rows)
    assert all(r["cost_discount"] == 0 and r["percent_discount"] is None for r in rows)


def test_a_wrong_key_fails_with_a_hint_and_without_the_key(sim):
    with pytest.raises(FalAuthError, match=r"401.*check FAL_KEY") as caught:
        call(sim, lambda c: c.models(), secret="wrong_id:wrong_secret")
    assert "wrong_secret" not in str(caught.value)


def test_an_api_scope_key_is_refused_for_usage_with_403(sim):
    with pytest.raises(FalAuthError, match=r"403.*ADMIN-scope"):
        call(sim, lambda c: c.usage(START, END), secret=SIM_FAL_API_SCOPE_KEY)


def test_a_wrong_proxy_token_fails_without_echoing_it(sim):
    with pytest.raises(FalAuthError, match="LOWCODEAPI_TOKEN") as caught:
        call(sim, lambda c: c.models(), "lowcodeapi", secret="tok-very-secret-123")
    assert "tok-very-secret-123" not in str(caught.value)


def test_plain_http_is_refused_for_non_loopback_hosts():
    with pytest.raises(FalConfigError, match="refusing plain http"):
        Source("fal", "fal", "http://api.example.com/v1", "k:s")
    assert Source("fal", "fal", "http://127.0.0.1:9/v1", "k:s").base_url
    assert "k:s" not in repr(Source("fal", "fal", "https://api.fal.ai/v1", "k:s"))


def test_operations_a_dialect_lacks_fail_before_any_request(sim):
    with pytest.raises(FalUnsupportedError, match="'start' is not supported by the 'simulator'"):
        call(sim, lambda c: c.start_instance("inst_1"))
    with pytest.raises(FalUnsupportedError, match="'batch'"):
        call(sim, lambda c: c.batch([]))
    assert sim.stats["requests"] == 0


def test_the_proxy_token_never_reaches_the_logs(sim, caplog):
    caplog.set_level(logging.DEBUG)
    call(sim, lambda c: c.models(), "lowcodeapi")
    assert "HTTP Request" in caplog.text and "api_token=***" in caplog.text
    assert "sim-lowcode-token" not in caplog.text


def test_requests_in_flight_stay_within_the_bound():
    sim = faulty(max_in_flight=4, latency_s=0.01)
    ids = sorted(m["endpoint_id"] for m in sim.models())
    _, stats = call(sim, lambda c: c.analytics(START, END, ids), max_in_flight=4)
    assert stats["rate_limited"] == 0 and sim.stats["429"] == 0


def test_instance_lifecycle_through_the_proxy(sim):
    async def lifecycle(c):
        created = await c.create_instance("gpu_1x_h100_sxm5", ssh_key="ssh-ed25519 AAAA test")
        started = await c.start_instance(created["id"])
        stopped = await c.stop_instance(created["id"])
        monitor = await c.monitor_instance(created["id"])
        await c.delete_instance(created["id"])
        listed = await c.instances()
        return created, started, stopped, monitor, listed

    created, started, stopped, monitor, listed = call(sim, lifecycle, "lowcodeapi")[0]
    assert (started["status"], stopped["status"]) == ("ready", "stopped")
    assert monitor["instance_id"] == created["id"]
    assert created["id"] not in {i["instance_id"] for i in listed}


def test_batch_through_the_proxy_answers_each_request(sim):
    requests = [{"method": "GET", "path": "/v1/models", "params": {"limit": 5}}]
    answer, _ = call(sim, lambda c: c.batch(requests), "lowcodeapi")
    assert answer["results"][0]["status"] == 200
    assert len(answer["results"][0]["body"]["models"]) == 5


def test_the_simulator_config_is_frozen_so_tests_cannot_leak_faults():
    config = small_config()
    assert replace(config, seed=1).seed == 1 and config.seed == 11
