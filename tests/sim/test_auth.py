"""Auth on both dialects: 401 for a missing or wrong credential, 403 for API-scope keys."""

from pipelines.sim import SIM_FAL_API_SCOPE_KEY, SIM_LOWCODE_TOKEN

INVALID_KEY = {
    "error": {
        "type": "authorization_error",
        "message": "Invalid API key or malformed Authorization header",
    }
}
ADMIN_REQUIRED = {"error": {"type": "authorization_error", "message": "Admin API key required"}}
API_SCOPE = {"Authorization": f"Key {SIM_FAL_API_SCOPE_KEY}"}


def test_fal_request_without_key_answers_401(client):
    response = client.fal("/models", headers={})

    assert response.status_code == 401
    assert response.json() == INVALID_KEY


def test_fal_request_with_bearer_scheme_answers_401(client):
    response = client.fal("/models", headers={"Authorization": "Bearer sim_admin_key_id:x"})

    assert response.status_code == 401
    assert response.json() == INVALID_KEY


def test_api_scope_key_on_usage_answers_403_admin_key_required(client):
    response = client.fal("/models/usage", headers=API_SCOPE)

    assert response.status_code == 403
    assert response.json() == ADMIN_REQUIRED


def test_api_scope_key_on_compute_instances_answers_403(client):
    listing = client.fal("/compute/instances", headers=API_SCOPE)
    one = client.fal("/compute/instances/inst_x", headers=API_SCOPE)

    assert (listing.status_code, one.status_code) == (403, 403)
    assert listing.json() == ADMIN_REQUIRED


def test_api_scope_key_reads_models_pricing_and_analytics(client):
    models = client.fal("/models", headers=API_SCOPE)
    pricing = client.fal("/models/pricing", {"endpoint_id": "fal-ai/flux/dev"}, headers=API_SCOPE)
    analytics = client.fal(
        "/models/analytics", {"endpoint_id": "fal-ai/flux/dev"}, headers=API_SCOPE
    )

    assert [models.status_code, pricing.status_code, analytics.status_code] == [200, 200, 200]


def test_lowcode_request_with_wrong_token_answers_wrapped_401(client):
    response = client.request("GET", "/falai/v1/models", params={"api_token": "nope"})

    assert response.status_code == 401
    assert response.json() == {
        "message": "Unauthorized",
        "provider": "falai",
        "error": {"error": {"type": "authorization_error", "message": "Invalid api_token"}},
    }


def test_lowcode_request_without_token_answers_401(client):
    assert client.request("GET", "/falai/v1/usage").status_code == 401


def test_lowcode_answers_never_echo_the_api_token(client):
    responses = [
        client.lowcode("/models", {"limit": 500}),
        client.lowcode("/pricing", {"model_id": "no/such-model"}),
        client.lowcode("/nowhere"),
        client.lowcode("/models", {"limit": 1}),
    ]

    assert [r.status_code for r in responses] == [400, 404, 404, 200]
    assert all(SIM_LOWCODE_TOKEN not in r.text for r in responses)


def test_unknown_path_answers_404_not_found(client):
    response = client.fal("/nothing/here")

    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"
