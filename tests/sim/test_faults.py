"""Every fault option, on both dialects where it matters, and the request counters."""

import asyncio
import json
import time
from datetime import date

import httpx
import pytest

from pipelines.sim import SIM_FAL_KEY

FAL = {"Authorization": f"Key {SIM_FAL_KEY}"}
USAGE = {"start": "2026-11-10", "end": "2026-11-11", "timeframe": "day"}
RATE_LIMITED = {"error": {"type": "rate_limited", "message": "Rate limit exceeded"}}
SERVER_ERROR = {"error": {"type": "server_error", "message": "An unexpected error occurred"}}


def _burst(client, count, path="/v1/models"):
    """``count`` concurrent requests; their status codes in request order."""

    async def work(http):
        responses = await asyncio.gather(*(http.get(path, headers=FAL) for _ in range(count)))
        return [r.status_code for r in responses]

    return client.run(work)


def _sequence(client, count, path="/v1/models"):
    async def work(http):
        return [(await http.get(path, headers=FAL)).status_code for _ in range(count)]

    return client.run(work)


def test_latency_is_added_to_every_request(make_client):
    client = make_client(faults={"latency_s": 0.05})

    started = time.perf_counter()
    statuses = _sequence(client, 3)

    assert statuses == [200, 200, 200]
    assert time.perf_counter() - started >= 0.15


def test_max_in_flight_answers_429_to_the_excess_concurrent_requests(make_client):
    client = make_client(faults={"latency_s": 0.1, "max_in_flight": 2})

    statuses = _burst(client, 5)

    assert sorted(statuses) == [200, 200, 429, 429, 429]
    assert client.sim.stats["429"] == 3


def test_429_carries_retry_after_only_when_configured(make_client):
    plain = make_client(faults={"rate_429": 1.0})
    hinted = make_client(faults={"rate_429": 1.0, "retry_after": 3})

    bare, hint = plain.fal("/models"), hinted.fal("/models")

    assert bare.status_code == hint.status_code == 429
    assert bare.json() == hint.json() == RATE_LIMITED
    assert "retry-after" not in bare.headers and hint.headers["retry-after"] == "3"


def test_max_per_second_answers_429_above_the_rate(make_client):
    client = make_client(faults={"max_per_second": 3})

    statuses = _sequence(client, 6)

    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]


def test_rate_429_follows_a_seeded_sequence(make_client):
    first = _sequence(make_client(faults={"rate_429": 0.3}), 60)
    second = _sequence(make_client(faults={"rate_429": 0.3}), 60)
    other_seed = _sequence(make_client(seed=8, faults={"rate_429": 0.3}), 60)

    assert first == second != other_seed
    assert 8 <= first.count(429) <= 30 and set(first) == {200, 429}


def test_rate_5xx_answers_server_errors(make_client):
    client = make_client(faults={"rate_5xx": 0.5})

    responses = [client.fal("/models", {"limit": 1}) for _ in range(30)]

    statuses = [r.status_code for r in responses]
    assert set(statuses) == {200, 500}
    assert all(r.json() == SERVER_ERROR for r in responses if r.status_code == 500)
    assert client.sim.stats["5xx"] == statuses.count(500)


def test_fault_requests_ends_the_storm_after_n_requests(make_client):
    client = make_client(faults={"rate_429": 1.0, "rate_5xx": 0.0, "fault_requests": 4})

    assert _sequence(client, 8) == [429] * 4 + [200] * 4


def test_always_500_paths_fail_on_both_dialects(make_client):
    client = make_client(faults={"always_500_paths": ("/models/analytics",)})

    fal = client.fal("/models/analytics", {"endpoint_id": "fal-ai/flux/dev"})
    lowcode = client.lowcode("/analytics")
    other = client.fal("/models")

    assert fal.status_code == lowcode.status_code == 500
    assert fal.json() == SERVER_ERROR == lowcode.json()["error"]
    assert other.status_code == 200


def test_malformed_json_paths_answer_200_with_truncated_json(make_client):
    client = make_client(faults={"malformed_json_paths": ("/models/usage",)})

    response = client.fal("/models/usage", USAGE)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_html_200_paths_answer_an_html_page(make_client):
    client = make_client(faults={"html_200_paths": ("/models/pricing",)})

    fal = client.fal("/models/pricing", {"endpoint_id": "fal-ai/flux/dev"})
    lowcode = client.lowcode("/pricing", {"model_id": "fal-ai/flux/dev"})

    for response in (fal, lowcode):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.text.startswith("<!DOCTYPE html>")


def test_looping_cursor_never_advances(make_client):
    client = make_client(faults={"looping_cursor_paths": ("/models",)})

    first = client.fal("/models").json()
    second = client.fal("/models", {"cursor": first["next_cursor"]}).json()
    third = client.fal("/models", {"cursor": second["next_cursor"]}).json()

    assert first["next_cursor"] == second["next_cursor"] == third["next_cursor"] == "Mg=="
    assert third["has_more"] is True


def test_drop_field_removes_the_field_from_every_item_of_that_path(make_client):
    client = make_client(faults={"drop_field": ("/models/usage", "unit")})

    usage = client.series_items(client.fal("/models/usage", {**USAGE, "limit": 1000}).json())
    lowcode = client.lowcode("/usage", {"start_date": "2026-11-10", "end_date": "2026-11-10"})
    pricing = client.fal("/models/pricing", {"endpoint_id": "fal-ai/flux/dev"}).json()

    assert usage and all("unit" not in i for i in usage)
    assert all("unit" not in i for i in client.series_items(lowcode.json()["result"]))
    assert pricing["prices"][0]["unit"] == "megapixels"


def test_negative_cost_makes_one_item_per_page_negative(make_client):
    client = make_client(faults={"negative_cost": True})

    pages = client.fal_pages("/models/usage", {**USAGE, "limit": 100})

    negative = [[i for i in client.series_items(p) if i["cost_total"] < 0] for p in pages]
    assert len(pages) > 2 and all(len(found) == 1 for found in negative)
    assert all(i["cost"] == i["cost_total"] < 0 for found in negative for i in found)


def test_duplicate_usage_row_repeats_the_first_item_of_page_one_on_page_two(make_client):
    client = make_client(faults={"duplicate_usage_row": True})

    first, second, *_ = client.fal_pages("/models/usage", {**USAGE, "limit": 100})

    assert client.series_items(second)[0] == client.series_items(first)[0]
    assert len(client.series_items(second)) == 101


def test_deprecated_cost_only_usage_carries_only_cost(make_client):
    client = make_client(faults={"deprecated_cost_only": True})

    items = client.series_items(client.fal("/models/usage", {**USAGE, "limit": 1000}).json())

    assert items == client.sim.usage_items(date(2026, 11, 10), auth_method=False)
    for item in items:
        assert set(item) == {"endpoint_id", "unit", "quantity", "unit_price", "cost", "currency"}


def test_stats_count_requests_throttles_errors_and_routes(make_client):
    client = make_client(faults={"rate_429": 1.0, "fault_requests": 1})

    statuses = _sequence(client, 3) + [client.lowcode("/models").status_code]
    client.fal("/nothing")

    assert statuses == [429, 200, 200, 200]
    stats = client.sim.stats
    assert stats["requests"] == 5 and stats["429"] == 1 and stats["5xx"] == 0
    assert stats["/v1/models"] == 2 and stats["/falai/v1/models"] == 1


def test_named_scenarios_are_fault_values():
    from pipelines.sim import SCENARIOS, Faults

    assert SCENARIOS["none"] == Faults()
    assert all(isinstance(f, Faults) for f in SCENARIOS.values())


def test_storm_errors_come_before_the_auth_check(make_client):
    client = make_client(faults={"rate_5xx": 1.0, "fault_requests": 1})

    async def work(http: httpx.AsyncClient):
        return [(await http.get("/falai/v1/models", params={"api_token": "x"})).status_code
                for _ in range(2)]  # fmt: skip

    assert client.run(work) == [500, 401]
