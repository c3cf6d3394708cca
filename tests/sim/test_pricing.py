"""GET /v1/models/pricing (and its 404 quirk), the LowCodeAPI pricing route, estimates."""

from datetime import timedelta
from decimal import Decimal

import pytest

NOT_FOUND = {
    "error": {"type": "not_found", "message": "Pricing not found for one or more endpoints"}
}


def _unpriced(client):
    return next(m["endpoint_id"] for m in client.sim.models()
                if m["endpoint_id"] not in client.sim.current_prices())  # fmt: skip


def test_pricing_answers_every_requested_price_in_request_order(client):
    response = client.fal("/models/pricing", {"endpoint_id": "fal-ai/veo3,fal-ai/flux/dev"})

    assert response.json() == {
        "prices": [
            {"endpoint_id": "fal-ai/veo3", "unit_price": 0.75, "unit": "second", "currency": "USD"},
            {"endpoint_id": "fal-ai/flux/dev", "unit_price": 0.025, "unit": "megapixels",
             "currency": "USD"},
        ],
        "next_cursor": None,
        "has_more": False,
    }  # fmt: skip


def test_pricing_batch_with_one_unpriced_endpoint_answers_404(client):
    ids = ["fal-ai/flux/dev", _unpriced(client), "fal-ai/veo3"]

    response = client.fal("/models/pricing", [("endpoint_id", i) for i in ids])

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_pricing_with_an_unknown_endpoint_answers_404(client):
    response = client.fal("/models/pricing", {"endpoint_id": "fal-ai/flux/dev,acme/nothing"})

    assert response.status_code == 404


@pytest.mark.parametrize("count", [0, 51])
def test_pricing_needs_between_1_and_50_endpoint_ids(client, count):
    ids = [m["endpoint_id"] for m in client.sim.models()[:count]]

    response = client.fal("/models/pricing", [("endpoint_id", i) for i in ids])

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "validation_error"


def test_about_one_percent_of_endpoints_are_unpriced(client):
    unpriced = len(client.sim.models()) - len(client.sim.current_prices())

    assert 5 <= unpriced <= 40


def test_unit_prices_have_at_most_six_decimals(client):
    for price in client.sim.current_prices().values():
        assert Decimal(repr(price["unit_price"])).as_tuple().exponent >= -6


def test_lowcode_pricing_without_ids_pages_through_every_priced_endpoint(client):
    prices, cursor = {}, None
    while True:
        params = {"cursor": cursor} if cursor else {}
        body = client.lowcode("/pricing", params).json()["result"]
        prices.update({p.pop("endpoint_id"): p for p in body["prices"]})
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert prices == client.sim.current_prices()


def test_lowcode_pricing_by_model_id_keeps_the_404_quirk(client):
    priced = client.lowcode("/pricing", {"model_id": "fal-ai/flux/dev"})
    unpriced = client.lowcode("/pricing", {"model_id": _unpriced(client)})

    assert priced.json()["result"]["prices"][0]["unit_price"] == 0.025
    assert unpriced.status_code == 404
    assert unpriced.json()["error"] == NOT_FOUND


def test_unit_price_estimate_multiplies_units_by_list_price(client):
    body = {"estimate_type": "unit_price",
            "endpoints": {"fal-ai/flux/dev": {"unit_quantity": 50},
                          "fal-ai/veo3": {"unit_quantity": 8}}}  # fmt: skip

    response = client.fal("/models/pricing/estimate", method="POST", json=body)

    assert response.status_code == 200
    assert response.json() == {"estimate_type": "unit_price", "total_cost": 7.25, "currency": "USD"}


def test_historical_estimate_uses_units_per_call_of_the_last_30_days(client):
    sim = client.sim
    endpoint = "fal-ai/kling-video/v2/pro/text-to-video"
    days = [sim.today - timedelta(days=n) for n in range(1, 31)]
    units = sum(i["quantity"] for d in days for i in sim.usage_items(d)
                if i["endpoint_id"] == endpoint)  # fmt: skip
    calls = sum(i["success_count"] for d in days for i in sim.analytics_items(d)
                if i["endpoint_id"] == endpoint)  # fmt: skip
    body = {"estimate_type": "historical_api_price", "endpoints": {endpoint: {"call_quantity": 10}}}

    response = client.fal("/models/pricing/estimate", method="POST", json=body)

    assert units / calls == pytest.approx(5.0)
    assert response.json()["total_cost"] == pytest.approx(10 * 5.0 * 0.28)


def test_estimate_with_unknown_type_answers_400(client):
    body = {"estimate_type": "guess", "endpoints": {"fal-ai/flux/dev": {"unit_quantity": 1}}}

    response = client.fal("/models/pricing/estimate", method="POST", json=body)

    assert response.status_code == 400


def test_estimate_for_an_unpriced_endpoint_answers_404(client):
    body = {"estimate_type": "unit_price", "endpoints": {_unpriced(client): {"unit_quantity": 1}}}

    assert client.fal("/models/pricing/estimate", method="POST", json=body).status_code == 404


@pytest.mark.parametrize("changes", [0, 3])
def test_recent_price_changes_show_in_the_usage_of_the_last_weeks(changes):
    """The demo account's price changes fall inside its window: the usage of the last 41
    days is billed at two unit prices for exactly ``recent_price_changes`` endpoints, and the
    pricing route answers the new price."""
    from pipelines.sim import Simulation
    from tests.conftest import small_config

    sim = Simulation(small_config(recent_price_changes=changes))
    today = sim.config.today
    days = [today - timedelta(days=n) for n in range(1, 42)]
    seen: dict[str, set[float]] = {}
    for day in days:
        for item in sim.usage_items(day):
            seen.setdefault(item["endpoint_id"], set()).add(item["unit_price"])
    baseline = Simulation(small_config())
    base_seen: dict[str, set[float]] = {}
    for day in days:
        for item in baseline.usage_items(day):
            base_seen.setdefault(item["endpoint_id"], set()).add(item["unit_price"])
    changed = {e for e, prices in seen.items() if len(prices) > 1}
    changed_before = {e for e, prices in base_seen.items() if len(prices) > 1}
    assert len(changed - changed_before) == changes
    for endpoint in changed - changed_before:
        last = [i for i in sim.usage_items(days[0]) if i["endpoint_id"] == endpoint]
        if last:
            assert sim.current_prices()[endpoint]["unit_price"] == last[0]["unit_price"]
