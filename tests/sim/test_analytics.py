"""GET /v1/models/analytics: required ids, requested metrics only, consistency with usage."""

from collections import defaultdict
from datetime import date, timedelta
from fractions import Fraction

WEEK = {"start": "2026-11-01", "end": "2026-11-08", "timeframe": "day", "limit": 1000}
ENDPOINTS = "fal-ai/flux/dev,fal-ai/veo3,fal-ai/kling-video/v2/pro/text-to-video,fal-ai/any-llm"
DURATIONS = ["p25_duration", "p50_duration", "p75_duration", "p90_duration", "p95_duration",
             "p99_duration"]  # fmt: skip


def test_analytics_without_endpoint_id_answers_400_on_fal(client):
    response = client.fal("/models/analytics", WEEK)

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "validation_error"


def test_analytics_answers_only_request_count_by_default(client):
    body = client.fal("/models/analytics", {**WEEK, "endpoint_id": ENDPOINTS}).json()

    items = client.series_items(body)
    assert len(body["time_series"]) == 7
    assert items and all(set(i) == {"endpoint_id", "request_count"} for i in items)


def test_analytics_answers_exactly_the_metrics_requested(client):
    expand = ["time_series", "success_count", "p90_duration", "cold_boot_count"]

    body = client.fal("/models/analytics", {**WEEK, "endpoint_id": ENDPOINTS, "expand": expand})

    keys = {tuple(sorted(i)) for i in client.series_items(body.json())}
    assert keys == {("cold_boot_count", "endpoint_id", "p90_duration", "success_count")}


def test_request_count_is_success_plus_user_error_plus_error(client):
    for item in client.sim.analytics_items(date(2026, 11, 3)):
        assert item["request_count"] == (
            item["success_count"] + item["user_error_count"] + item["error_count"]
        )
        breakdown = ("startup_error_count", "connection_error_count", "timeout_error_count",
                     "runtime_error_count")  # fmt: skip
        assert sum(item[k] for k in breakdown) == item["error_count"]
        assert item["request_count"] > 0


def test_usage_quantity_is_a_fixed_number_of_units_per_successful_request(client):
    sim = client.sim
    ratios = defaultdict(set)
    for day in (date(2026, 11, 1) + timedelta(days=n) for n in range(7)):
        successes = {i["endpoint_id"]: i["success_count"] for i in sim.analytics_items(day)}
        quantities = defaultdict(Fraction)
        for item in sim.usage_items(day):
            quantities[item["endpoint_id"]] += Fraction(repr(item["quantity"]))
        assert set(quantities) == {e for e, n in successes.items() if n > 0}
        for endpoint, quantity in quantities.items():
            ratios[endpoint].add(quantity / successes[endpoint])

    assert ratios and all(len(found) == 1 for found in ratios.values())


def test_duration_percentiles_are_ordered(client):
    for item in client.sim.analytics_items(date(2026, 11, 3)):
        values = [item[k] for k in DURATIONS]
        assert values == sorted(values) and values[0] > 0
        prepare = [item[f"p{p}_prepare_duration"] for p in (50, 75, 90, 95, 99)]
        assert prepare == sorted(prepare)


def test_week_analytics_sum_the_daily_counts(client):
    params = {"start": "2026-11-02", "end": "2026-11-09", "timeframe": "week",
              "endpoint_id": "fal-ai/flux/dev", "expand": "time_series,request_count"}  # fmt: skip

    body = client.fal("/models/analytics", params).json()

    daily = sum(i["request_count"] for n in range(7)
                for i in client.sim.analytics_items(date(2026, 11, 2) + timedelta(days=n))
                if i["endpoint_id"] == "fal-ai/flux/dev")  # fmt: skip
    assert body["time_series"][0]["results"][0]["request_count"] == daily


def test_unknown_metric_answers_400(client):
    params = {**WEEK, "endpoint_id": "fal-ai/flux/dev", "expand": "time_series,latency"}

    assert client.fal("/models/analytics", params).status_code == 400


def test_lowcode_analytics_without_model_id_covers_every_endpoint_with_requests(client):
    params = {"start_date": "2026-11-03", "end_date": "2026-11-03", "metric": "requests"}

    body = client.lowcode("/analytics", {**params, "limit": 1000}).json()["result"]

    expected = [
        {"endpoint_id": i["endpoint_id"], "request_count": i["request_count"]}
        for i in client.sim.analytics_items(date(2026, 11, 3))
    ]
    assert client.series_items(body) == expected
