"""GET /v1/models/usage: money arithmetic, grain, paging and agreement with ground truth."""

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

DAY = date(2026, 11, 10)
ONE_DAY = {"start": "2026-11-10", "end": "2026-11-11", "timeframe": "day"}
NINE = Decimal("1e-9")


def _day_items(client, **extra):
    params = {**ONE_DAY, "limit": 1000, **extra}
    return [i for page in client.fal_pages("/models/usage", params)
            for i in client.series_items(page)]  # fmt: skip


def _grain(item):
    return (item["endpoint_id"], item["unit"], item["unit_price"], item["percent_discount"],
            item.get("auth_method"))  # fmt: skip


def test_usage_money_is_exact_in_decimal_to_nine_places(client):
    response = client.fal(
        "/models/usage", {**ONE_DAY, "limit": 1000, "expand": "time_series,auth_method"}
    )

    items = client.series_items(client.decimal_json(response))
    assert len(items) > 300
    for item in items:
        pd = item["percent_discount"]
        subtotal = (item["quantity"] * item["unit_price"]).quantize(NINE)
        total = subtotal if pd is None else (subtotal * (100 - pd) / 100).quantize(NINE)
        assert item["cost_subtotal"] == subtotal
        assert item["cost_total"] == total == item["cost"]
        assert item["cost_discount"] == subtotal - total
        assert item["currency"] == "USD"


def test_usage_numbers_round_trip_through_json_floats(client):
    for item in client.sim.usage_items(DAY):
        for key in ("quantity", "unit_price", "cost_subtotal", "cost_discount", "cost_total"):
            value = Decimal(repr(item[key]))
            assert float(value) == item[key]
            assert value == value.quantize(NINE)


def test_quantities_are_integers_except_for_second_like_units(client):
    for item in client.sim.usage_items(DAY):
        if "second" in item["unit"] or item["unit"] == "1m tokens":
            assert Decimal(repr(item["quantity"])).as_tuple().exponent >= -2
        else:
            assert isinstance(item["quantity"], int)


def test_usage_grain_is_unique_per_day(client):
    items = _day_items(client, expand=["time_series", "auth_method"])

    assert len(items) == len({_grain(i) for i in items})


def test_paged_usage_equals_the_ground_truth_items(client):
    items = _day_items(client, expand=["time_series", "auth_method"], limit=97)

    assert items == client.sim.usage_items(DAY)


def test_a_bucket_continues_on_the_next_page(client):
    params = {"start": "2026-11-09", "end": "2026-11-11", "timeframe": "day", "limit": 1000}
    total = sum(
        len(b["results"]) for b in client.fal("/models/usage", params).json()["time_series"]
    )
    split = total - 10  # the last page holds the tail of the second day only

    first, second = client.fal_pages("/models/usage", {**params, "limit": split})

    assert [b["bucket"] for b in first["time_series"]] == [
        "2026-11-09T00:00:00+00:00", "2026-11-10T00:00:00+00:00"]  # fmt: skip
    assert [b["bucket"] for b in second["time_series"]] == ["2026-11-10T00:00:00+00:00"]
    assert len(client.series_items(first)) == split and len(client.series_items(second)) == 10
    assert first["next_cursor"] == "Mg==" and second["next_cursor"] is None


def test_items_within_a_bucket_are_sorted_by_endpoint_auth_and_price(client):
    items = _day_items(client, expand=["time_series", "auth_method"])
    keys = [(i["endpoint_id"], i["auth_method"], i["unit_price"], i["percent_discount"] or -1)
            for i in items]  # fmt: skip

    assert keys == sorted(keys)


def test_rows_without_the_auth_method_expand_are_sums_over_auth_methods(client):
    merged = _day_items(client)
    split = client.sim.usage_items(DAY)
    sums = defaultdict(Decimal)
    for item in split:
        key = (item["endpoint_id"], item["unit_price"], item["percent_discount"])
        sums[key] += Decimal(repr(item["cost_total"]))

    assert all("auth_method" not in i for i in merged)
    assert {(i["endpoint_id"], i["unit_price"], i["percent_discount"]):
            Decimal(repr(i["cost_total"])) for i in merged} == sums  # fmt: skip


def test_auth_methods_cover_two_api_keys_and_a_user_token(client):
    labels = Counter(i["auth_method"] for i in client.sim.usage_items(DAY))

    assert {"Production Key", "Staging Key", "User token"} <= set(labels)


def test_discounted_usage_comes_as_separate_rows(client):
    items = client.sim.usage_items(DAY)
    rates = defaultdict(set)
    for item in items:
        rates[(item["endpoint_id"], item["auth_method"])].add(item["percent_discount"])

    assert {i["percent_discount"] for i in items} == {None, 10, 20}
    assert any(len(found) > 1 for found in rates.values())


def test_some_used_endpoints_change_list_price_during_the_history(client):
    def prices(day):
        return {i["endpoint_id"]: i["unit_price"] for i in client.sim.usage_items(day)}

    early, late = prices(date(2025, 1, 2)), prices(date(2026, 11, 1))

    assert any(early[e] != late[e] for e in early.keys() & late.keys())


def test_summary_equals_the_sum_of_the_time_series(client):
    params = {"start": "2026-10-01", "end": "2026-10-08", "timeframe": "day", "limit": 1000,
              "expand": ["time_series", "summary"], "endpoint_id": "fal-ai/flux/dev"}  # fmt: skip

    body = client.fal("/models/usage", params).json()

    series = sum(Decimal(repr(i["cost_total"])) for i in client.series_items(body))
    summary = sum(Decimal(repr(i["cost_total"])) for i in body["summary"])
    assert len(body["time_series"]) == 7 and series == summary > 0


def test_summary_alone_is_paged_by_limit(client):
    params = {**ONE_DAY, "expand": "summary", "limit": 50}

    pages = client.fal_pages("/models/usage", params)

    assert "time_series" not in pages[0]
    assert sum(len(p["summary"]) for p in pages) == len(_day_items(client))


def test_endpoint_filter_keeps_only_those_endpoints(client):
    items = _day_items(client, endpoint_id="fal-ai/flux/dev,fal-ai/veo3")

    assert {i["endpoint_id"] for i in items} == {"fal-ai/flux/dev", "fal-ai/veo3"}


def test_bucket_stamps_are_utc_midnight_by_default(client):
    body = client.fal("/models/usage", {**ONE_DAY, "limit": 1}).json()

    assert body["time_series"][0]["bucket"] == "2026-11-10T00:00:00+00:00"


def test_bucket_offset_writes_the_same_instant_with_another_offset(make_client):
    client = make_client(faults={"bucket_utc_offset": "-05:00"})
    params = {"start": "2025-01-15", "end": "2025-01-16", "timeframe": "day", "limit": 1}

    body = client.fal("/models/usage", params).json()

    assert body["time_series"][0]["bucket"] == "2025-01-14T19:00:00-05:00"


def test_end_is_exclusive_on_fal(client):
    body = client.fal("/models/usage", {**ONE_DAY, "limit": 1000}).json()

    assert [b["bucket"][:10] for b in body["time_series"]] == ["2026-11-10"]


def test_week_buckets_start_on_monday_and_sum_their_days(client):
    params = {"start": "2026-09-07", "end": "2026-09-21", "timeframe": "week", "limit": 1000,
              "endpoint_id": "fal-ai/flux/dev"}  # fmt: skip

    body = client.fal("/models/usage", params).json()

    days = [date(2026, 9, 7) + timedelta(days=n) for n in range(7)]
    expected = sum(Decimal(repr(i["cost_total"])) for d in days
                   for i in client.sim.usage_items(d, auth_method=False)
                   if i["endpoint_id"] == "fal-ai/flux/dev")  # fmt: skip
    first_week = sum(Decimal(repr(i["cost_total"])) for i in body["time_series"][0]["results"])
    assert [b["bucket"][:10] for b in body["time_series"]] == ["2026-09-07", "2026-09-14"]
    assert first_week == expected


def test_month_buckets_open_on_the_first_of_the_month(make_client):
    client = make_client(max_window_days=400)
    params = {"start": "2026-01-01", "end": "2026-07-15", "limit": 1, "endpoint_id": "fal-ai/veo3"}

    pages = client.fal_pages("/models/usage", params)

    buckets = sorted({b["bucket"][:10] for p in pages for b in p["time_series"]})
    assert buckets == [f"2026-{m:02d}-01" for m in range(1, 8)]


@pytest.mark.parametrize(
    ("start", "end", "first_buckets"),
    [
        ("2026-11-01", "2026-11-10", ["2026-11-01", "2026-11-02"]),  # < 64 days: day
        ("2026-08-20", "2026-11-10", ["2026-08-17", "2026-08-24"]),  # < 183 days: week
    ],
)
def test_timeframe_is_auto_detected_from_the_range(client, start, end, first_buckets):
    params = {"start": start, "end": end, "limit": 1000, "endpoint_id": "fal-ai/flux/dev"}

    body = client.fal("/models/usage", params).json()

    assert [b["bucket"][:10] for b in body["time_series"][:2]] == first_buckets


def test_short_ranges_put_each_day_in_its_midnight_bucket(client):
    params = {"start": "2026-11-10T00:00:00Z", "end": "2026-11-10T01:00:00Z", "limit": 1000}

    body = client.fal("/models/usage", params).json()

    assert [b["bucket"] for b in body["time_series"]] == ["2026-11-10T00:00:00+00:00"]
    assert client.series_items(body) == client.sim.usage_items(DAY, auth_method=False)


def test_default_window_is_the_last_24_hours(client):
    from datetime import UTC, datetime

    client.sim.set_now(datetime(2026, 11, 25, 14, 30, tzinfo=UTC))

    body = client.fal("/models/usage", {"limit": 1000}).json()

    assert [b["bucket"][:10] for b in body["time_series"]] == ["2026-11-25"]


def test_window_longer_than_90_days_answers_400(client):
    response = client.fal("/models/usage", {"start": "2026-01-01", "end": "2026-04-02"})

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "validation_error"


def test_timezone_other_than_utc_answers_400(client):
    response = client.fal("/models/usage", {**ONE_DAY, "timezone": "America/New_York"})

    assert response.status_code == 400
    assert "UTC" in response.json()["error"]["message"]


def test_usage_limit_above_1000_answers_400(client):
    assert client.fal("/models/usage", {**ONE_DAY, "limit": 1001}).status_code == 400


def test_usage_before_usage_start_is_empty(client):
    params = {"start": "2024-12-01", "end": "2025-01-01", "timeframe": "day"}

    body = client.fal("/models/usage", params).json()

    assert body == {"time_series": [], "next_cursor": None, "has_more": False}
