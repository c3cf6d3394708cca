"""The LowCodeAPI dialect: wrapped and bare bodies, inclusive end dates, batch."""

from pipelines.sim import SIM_LOWCODE_TOKEN

USAGE = {"start_date": "2026-11-09", "end_date": "2026-11-10", "limit": 1000}


def test_lowcode_success_bodies_are_wrapped_by_default(client):
    body = client.lowcode("/models", {"limit": 3}).json()

    assert set(body) == {"message", "provider", "result"}
    assert body["message"] == "Request completed" and body["provider"] == "falai"
    assert body["result"] == client.fal("/models", {"limit": 3}).json()


def test_lowcode_bodies_are_bare_when_wrapping_is_off(make_client):
    client = make_client(wrap_lowcode=False)

    ok = client.lowcode("/models", {"limit": 3})
    missing = client.lowcode("/models/model_id", {"model_id": "fal-ai/none"})

    assert ok.json() == client.fal("/models", {"limit": 3}).json()
    assert missing.status_code == 404 and set(missing.json()) == {"error"}


def test_lowcode_errors_are_wrapped_with_the_upstream_status(client):
    response = client.lowcode("/usage", {"start_date": "2026-01-01", "end_date": "2026-06-01"})

    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Bad Request" and body["provider"] == "falai"
    assert body["error"]["error"]["type"] == "validation_error"


def test_lowcode_end_date_is_inclusive(client):
    lowcode = client.lowcode("/usage", USAGE).json()["result"]
    fal = client.fal("/models/usage", {"start": "2026-11-09", "end": "2026-11-11", "limit": 1000})

    assert [b["bucket"][:10] for b in lowcode["time_series"]] == ["2026-11-09", "2026-11-10"]
    assert lowcode == fal.json()


def test_lowcode_model_id_filters_usage_like_endpoint_id(client):
    lowcode = client.lowcode("/usage", {**USAGE, "model_id": "fal-ai/veo3"}).json()["result"]

    assert {i["endpoint_id"] for i in client.series_items(lowcode)} == {"fal-ai/veo3"}


def test_lowcode_usage_passes_fal_params_through(client):
    params = {**USAGE, "expand": "time_series,auth_method", "limit": 7}

    body = client.lowcode("/usage", params).json()["result"]

    assert len(client.series_items(body)) == 7 and body["next_cursor"] == "Mg=="
    assert all("auth_method" in i for i in client.series_items(body))


def test_lowcode_rejects_an_end_date_that_is_not_a_date(client):
    assert client.lowcode("/usage", {"start_date": "yesterday"}).status_code == 400


def test_batch_dispatches_each_request_and_wraps_the_results(client):
    requests = [
        {"method": "GET", "path": "/v1/models", "params": {"limit": 2}},
        {"method": "GET", "path": "/v1/pricing", "params": {"model_id": "fal-ai/flux/dev"}},
        {"method": "GET", "path": "/v1/pricing", "params": {"model_id": "acme/none"}},
        {"method": "GET", "path": "/v1/usage", "params": {**USAGE, "limit": 1}},
        {"method": "GET", "path": "/v1/unknown"},
    ]

    response = client.lowcode("/batch", method="POST", json={"requests": requests})

    results = response.json()["result"]["results"]
    assert response.status_code == 200
    assert [r["status"] for r in results] == [200, 200, 404, 200, 404]
    assert results[0]["body"] == client.fal("/models", {"limit": 2}).json()
    assert results[1]["body"]["prices"][0]["endpoint_id"] == "fal-ai/flux/dev"
    assert results[2]["body"]["error"]["type"] == "not_found"
    assert len(client.series_items(results[3]["body"])) == 1


def test_batch_with_more_than_20_requests_answers_400(client):
    requests = [{"method": "GET", "path": "/v1/models"}] * 21

    response = client.lowcode("/batch", method="POST", json={"requests": requests})

    assert response.status_code == 400


def test_batch_without_token_answers_401(client):
    response = client.request("POST", "/falai/v1/batch", json={"requests": []})

    assert response.status_code == 401
    assert SIM_LOWCODE_TOKEN not in response.text
