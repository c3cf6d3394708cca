"""Late data, upstream revisions and price changes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from pipelines.sim import SimConfig, Simulation

TODAY = date(2026, 11, 25)


def _requests(sim, day):
    return sum(i["request_count"] for i in sim.analytics_items(day))


def _cost(items):
    return sum(Decimal(repr(i["cost_total"])) for i in items)


@pytest.mark.parametrize(
    ("age", "fraction"), [(0, 0.50), (1, 0.80), (2, 0.95), (3, 0.99), (4, 1.0)]
)
def test_recent_days_show_a_fraction_of_their_final_volume(age, fraction):
    now = Simulation(SimConfig(today=TODAY))
    later = Simulation(SimConfig(today=TODAY + timedelta(days=10)))
    day = TODAY - timedelta(days=age)

    assert _requests(now, day) / _requests(later, day) == pytest.approx(fraction, abs=0.005)


def test_days_after_today_have_no_usage_or_analytics():
    sim = Simulation(SimConfig(today=TODAY))
    tomorrow = TODAY + timedelta(days=1)

    assert sim.usage_items(tomorrow) == [] and sim.analytics_items(tomorrow) == []


def test_set_today_completes_the_days_that_were_late():
    sim = Simulation(SimConfig(today=TODAY))
    yesterday = TODAY - timedelta(days=1)
    partial = _requests(sim, yesterday)

    sim.set_today(TODAY + timedelta(days=7))

    assert sim.config.today == TODAY + timedelta(days=7)
    assert _requests(sim, yesterday) > partial


def test_revise_usage_scales_quantities_costs_and_request_counts(client):
    day = date(2026, 10, 1)
    before_usage, before_requests = client.sim.usage_items(day), _requests(client.sim, day)

    client.sim.revise_usage(day, 1.1)

    after = client.sim.usage_items(day)
    assert float(_cost(after) / _cost(before_usage)) == pytest.approx(1.1, abs=0.01)
    assert _requests(client.sim, day) / before_requests == pytest.approx(1.1, abs=0.01)
    assert all(isinstance(i["quantity"], int) for i in after if i["unit"] == "image")


def test_revised_day_is_served_over_http(client):
    day = date(2026, 10, 1)
    params = {"start": "2026-10-01", "end": "2026-10-02", "timeframe": "day", "limit": 1000,
              "expand": "time_series,auth_method"}  # fmt: skip

    client.sim.revise_usage(day, 0.5)

    items = client.series_items(client.fal("/models/usage", params).json())
    assert items == client.sim.usage_items(day)


def test_set_price_applies_from_its_effective_day_on(client):
    sim, endpoint = client.sim, "fal-ai/flux/dev"
    effective = date(2026, 11, 1)

    sim.set_price(endpoint, 0.03, effective=effective)

    def price(day):
        return {i["unit_price"] for i in sim.usage_items(day) if i["endpoint_id"] == endpoint}

    assert price(effective - timedelta(days=1)) == {0.025}
    assert price(effective) == {0.03}
    pricing = client.fal("/models/pricing", {"endpoint_id": endpoint}).json()
    assert (
        pricing["prices"][0]["unit_price"] == 0.03 == sim.current_prices()[endpoint]["unit_price"]
    )


def test_future_price_is_not_answered_before_it_is_effective(client):
    client.sim.set_price("fal-ai/flux/dev", 0.5, effective=TODAY + timedelta(days=3))

    pricing = client.fal("/models/pricing", {"endpoint_id": "fal-ai/flux/dev"}).json()

    assert pricing["prices"][0]["unit_price"] == 0.025


def test_set_price_refuses_more_than_six_decimals(client):
    with pytest.raises(ValueError, match="6 decimals"):
        client.sim.set_price("fal-ai/flux/dev", 0.0000001, effective=TODAY)
