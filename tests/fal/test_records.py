"""Records read every legal form of a page the same way: bucket offsets, number forms, money
written with 9 or more decimals, all exact to the nano-dollar once framed."""

import asyncio
import json
from datetime import date
from decimal import Decimal

import httpx
import pytest

from pipelines import frames
from pipelines.fal import records
from pipelines.fal.errors import FalResponseError
from pipelines.sim import SIM_FAL_KEY, Latitude, SimConfig, Simulation, create_app

DAY = date(2026, 11, 10)
ONE_DAY = {"start": "2026-11-10", "end": "2026-11-11", "timeframe": "day", "limit": 1000}
USAGE = {**ONE_DAY, "expand": ["time_series", "auth_method"]}
MONEY = ("unit_price", "cost_subtotal", "cost_discount", "cost_total")


def _served(latitude: Latitude, path: str, params: dict) -> tuple[Simulation, dict]:
    """The body ``path`` answers with ``latitude``, parsed as the client's session parses it."""
    sim = Simulation(SimConfig(today=date(2026, 11, 25), n_endpoints=120, n_used=20,
                               latitude=latitude))  # fmt: skip

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(sim))
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            headers = {"Authorization": f"Key {SIM_FAL_KEY}"}
            return await client.get(f"/v1{path}", params=params, headers=headers)

    response = asyncio.run(get())
    assert response.status_code == 200, response.text
    return sim, json.loads(response.content)


def _usage(body: dict) -> list[dict]:
    return records.usage_records(body, "GET /models/usage", records.BucketDates("usage"))


@pytest.mark.parametrize(
    "stamp",
    ["2025-01-15T00:00:00Z", "2025-01-15T00:00:00+00:00", "2025-01-15T01:00:00+01:00",
     "2025-01-14T19:00:00-05:00", "2025-01-15T05:30:00+05:30", "2025-01-15T00:00:00"],
)  # fmt: skip
def test_a_bucket_in_any_offset_is_the_utc_day_it_starts(stamp):
    assert records.BucketDates("usage")(stamp) == date(2025, 1, 15)


def test_a_bucket_that_is_not_a_utc_midnight_is_refused():
    with pytest.raises(FalResponseError, match="not the start of a UTC day"):
        records.BucketDates("usage")("2025-01-15T00:00:00-05:00")


@pytest.mark.parametrize("offsets", [("Z",), ("+01:00",), ("-05:00",), ("+05:30", "Z")])
def test_usage_with_buckets_in_other_offsets_reads_as_with_utc_buckets(offsets):
    _, plain = _served(Latitude(), "/models/usage", USAGE)
    _, shifted = _served(Latitude(bucket_offsets=offsets), "/models/usage", USAGE)

    assert _usage(shifted) == _usage(plain) and {r["usage_date"] for r in _usage(plain)} == {DAY}


@pytest.mark.parametrize("form", ["float", "int", "mixed"])
def test_whole_numbers_as_ints_or_floats_make_the_same_frames(form):
    ids = ["fal-ai/flux/dev", "fal-ai/flux/schnell", "fal-ai/kling-video/v2.1/pro/text-to-video"]
    analytics = {**ONE_DAY, "endpoint_id": ids,
                 "expand": ["time_series", *records.ANALYTICS_METRICS]}  # fmt: skip
    where, dates = "GET /models/analytics", records.BucketDates("analytics")
    _, plain_usage = _served(Latitude(), "/models/usage", USAGE)
    _, usage = _served(Latitude(whole_numbers=form), "/models/usage", USAGE)
    _, plain_analytics = _served(Latitude(), "/models/analytics", analytics)
    _, counts = _served(Latitude(whole_numbers=form), "/models/analytics", analytics)

    assert frames.usage_frame(_usage(usage)).equals(frames.usage_frame(_usage(plain_usage)))
    expected = frames.analytics_frame(records.analytics_records(plain_analytics, where, dates))
    framed = frames.analytics_frame(records.analytics_records(counts, where, dates))
    assert framed.equals(expected) and framed.height > 0


@pytest.mark.parametrize("decimals", [9, 12, 20])
def test_money_with_nine_decimals_or_more_is_exact_to_the_nano_dollar(decimals):
    latitude = Latitude(nano_prices=True, money_decimals=decimals)
    sim, body = _served(latitude, "/models/usage", USAGE)

    framed = frames.usage_frame(_usage(body))

    truth = sim.usage_items(DAY)
    assert framed.height == len(truth) > 0
    for name in MONEY:
        expected = [Decimal(repr(item[name])).quantize(Decimal("1e-9")) for item in truth]
        assert framed[name].to_list() == expected, name
    assert any(d.as_tuple().exponent == -9 and d != d.quantize(Decimal("1e-6"))
               for d in framed["unit_price"].to_list())  # fmt: skip
