"""Latitude: each legal answer the spec allows, set alone, and today's server by default."""

import json
import re
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import combinations

import pytest

from pipelines.sim import SIM_FAL_KEY, Latitude, SimConfig
from pipelines.sim.__main__ import config_from_args
from pipelines.sim.latitude import EXTRA_KEY, MONEY_FIELDS

SMALL = {"n_endpoints": 120, "n_used": 20}
FIVE_DAYS = {"start": "2026-11-01", "end": "2026-11-06", "timeframe": "day"}
DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(5)]
NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)
NANO = Decimal("0.000000001")
MONEY = re.compile(r'"(' + "|".join(MONEY_FIELDS) + r')":(-?[0-9.eE+-]+)')


@pytest.fixture
def latitude(make_client):
    """``latitude(**choices)``: a small simulation answering with those choices."""

    def make(**choices):
        client = make_client(latitude=Latitude(**choices), **SMALL)
        client.sim.set_now(NOON)
        return client

    return make


def _unwrap(body):
    if isinstance(body, dict) and "provider" in body and ("result" in body or "error" in body):
        return body.get("result", body)
    return body


def _strip(value):
    """The body without the unknown fields ``extra_fields`` adds."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != EXTRA_KEY}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _objects(value):
    """Every object in a body, except the unknown fields' own values."""
    if isinstance(value, dict):
        yield value
        for k, v in value.items():
            if k != EXTRA_KEY:
                yield from _objects(v)
    elif isinstance(value, list):
        for v in value:
            yield from _objects(v)


def _utc_day(stamp):
    instant = datetime.fromisoformat(stamp).astimezone(UTC)
    assert instant.time() == datetime.min.time(), stamp
    return instant.date()


def _read_list(client, path, collection, *, lowcode=False, limit=50, params=None):
    """Every item of a list, read by the rules every latitude keeps: follow a non-null
    ``next_cursor``; else ``has_more: true`` means the next offset; anything else is the end."""
    items, cursor, offset = [], None, 0
    for _ in range(200):
        query = {**(params or {}), "limit": limit}
        if cursor:
            query["cursor"] = cursor
        elif lowcode:
            query["offset"] = offset
        response = (client.lowcode if lowcode else client.fal)(path, query)
        assert response.status_code == 200, response.text
        body = _strip(_unwrap(response.json()))
        items.extend(body[collection])
        offset += len(body[collection])
        cursor = body.get("next_cursor")
        if not cursor and body.get("has_more") is not True:
            return items
        assert cursor or lowcode, "a cursor list said has_more without a cursor"
    raise AssertionError("the list does not end")


def _usage_pages(client, params, *, limit):
    pages, cursor = [], None
    while len(pages) < 200:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.fal("/models/usage", query)
        assert response.status_code == 200, response.text
        pages.append(_strip(response.json()))
        cursor = pages[-1].get("next_cursor")
        if not cursor:
            return pages
    raise AssertionError("usage pages do not end")


def _by_day(pages):
    days = {}
    for page in pages:
        for bucket in page["time_series"]:
            days.setdefault(_utc_day(bucket["bucket"]), []).extend(bucket["results"])
    return days


# -- the default and the seeded draw --------------------------------------------------------


def test_no_latitude_is_todays_server(make_client):
    client = make_client(**SMALL)

    last = client.fal("/models", {"limit": 100, "cursor": "Mg=="}).json()
    proxy = client.lowcode("/models", {"limit": 100, "offset": 0}).json()

    assert SimConfig().latitude == Latitude() and Latitude().plain_rendering
    assert Latitude().describe() == "none (today's server)"
    assert last["next_cursor"] is None and last["has_more"] is False and len(last["models"]) == 20
    assert set(proxy) == {"message", "provider", "result"}
    assert proxy["result"]["next_cursor"] == "Mg==" and proxy["result"]["has_more"] is True
    assert client.fal("/models", headers={}).status_code == 401


def test_from_seed_draws_every_choice_independently_and_deterministically():
    drawn = [Latitude.from_seed(n) for n in range(64)]

    assert drawn == [Latitude.from_seed(n) for n in range(64)]
    assert [lat.seed for lat in drawn] == list(range(64))
    for field in fields(Latitude):
        assert len({getattr(lat, field.name) for lat in drawn}) > 1, field.name
    flags = [f.name for f in fields(Latitude) if isinstance(getattr(drawn[0], f.name), bool)]
    for a, b in combinations(flags, 2):
        assert len({(getattr(lat, a), getattr(lat, b)) for lat in drawn}) == 4, (a, b)


@pytest.mark.parametrize(
    "choices",
    [{"last_cursor": "nil"}, {"whole_numbers": "hex"}, {"limit_counts": "pages"},
     {"bare_share": 1.5}, {"money_decimals": 6}, {"bucket_offsets": ("+02:00",)}],
)  # fmt: skip
def test_a_choice_outside_the_menu_is_refused(choices):
    with pytest.raises(ValueError, match="Latitude"):
        Latitude(**choices)


def test_module_cli_takes_a_latitude_seed():
    seeded, _ = config_from_args(["--latitude", "5"])
    plain, _ = config_from_args([])

    assert seeded.latitude == Latitude.from_seed(5) and plain.latitude == Latitude()


@pytest.mark.parametrize("seed", range(6))
def test_any_seeded_latitude_reads_back_to_the_ground_truth(make_client, seed):
    client = make_client(latitude=Latitude.from_seed(seed), **SMALL)
    client.sim.set_now(NOON)
    truth = {day: client.sim.usage_items(day) for day in DAYS}
    usage = {**FIVE_DAYS, "expand": ["time_series", "auth_method"]}

    fal_models = _read_list(client, "/models", "models")
    proxy_models = _read_list(client, "/models", "models", lowcode=True, limit=50)
    instances = _read_list(client, "/compute/instances", "instances", lowcode=True, limit=3)

    assert fal_models == proxy_models == client.sim.models()
    assert instances == client.sim.instances()
    assert _by_day(_usage_pages(client, usage, limit=25)) == truth


# -- pagination signals ---------------------------------------------------------------------


def test_last_page_cursor_can_be_absent(latitude):
    client = latitude(last_cursor="absent")

    first = client.fal("/models", {"limit": 100}).json()
    last = client.fal("/models", {"limit": 100, "cursor": first["next_cursor"]}).json()

    assert first["next_cursor"] == "Mg==" and first["has_more"] is True
    assert "next_cursor" not in last and last["has_more"] is False and len(last["models"]) == 20


def test_has_more_can_be_absent_from_every_page(latitude):
    client = latitude(has_more=False)

    pages = client.fal_pages("/models", {"limit": 50})
    usage = _usage_pages(client, FIVE_DAYS, limit=25)

    assert len(pages) == 3 and all("has_more" not in page for page in pages + usage)
    assert pages[-1]["next_cursor"] is None
    assert [m for p in pages for m in p["models"]] == client.sim.models()


def test_proxy_offset_pages_can_say_null_cursor_and_has_more(latitude):
    client = latitude(offset_null_cursor=True)

    pages = [
        client.lowcode("/models", {"limit": 50, "offset": offset}).json()["result"]
        for offset in (0, 50, 100)
    ]

    assert [(p["next_cursor"], p["has_more"], len(p["models"])) for p in pages] == [
        (None, True, 50), (None, True, 50), (None, False, 20)
    ]  # fmt: skip
    assert [m for p in pages for m in p["models"]] == client.sim.models()


def test_null_cursor_full_pages_keep_has_more_even_when_has_more_is_dropped(latitude):
    client = latitude(offset_null_cursor=True, has_more=False, last_cursor="absent")

    full = client.lowcode("/models", {"limit": 50, "offset": 0}).json()["result"]
    last = client.lowcode("/models", {"limit": 50, "offset": 100}).json()["result"]

    assert full["next_cursor"] is None and full["has_more"] is True
    assert "next_cursor" not in last and "has_more" not in last


def test_proxy_can_ignore_offset_and_answer_cursor_pages(latitude):
    client = latitude(offset_ignored=True, offset_null_cursor=True)

    first = client.lowcode("/models", {"limit": 50, "offset": 0}).json()["result"]
    skipped = client.lowcode("/models", {"limit": 50, "offset": 50}).json()["result"]
    second = client.lowcode("/models", {"limit": 50, "cursor": skipped["next_cursor"]})
    fleet = client.lowcode("/compute/instances", {"limit": 2, "offset": 2}).json()["result"]

    assert skipped == first and skipped["next_cursor"] == "Mg=="
    assert second.json()["result"]["models"] == client.sim.models()[50:100]
    assert fleet["instances"] == client.sim.instances()[:2] and fleet["next_cursor"] == "Mg=="


# -- usage and analytics pages --------------------------------------------------------------


def test_limit_can_count_buckets(latitude):
    client = latitude(limit_counts="buckets")

    pages = _usage_pages(client, FIVE_DAYS, limit=2)

    assert [len(p["time_series"]) for p in pages] == [2, 2, 1]
    assert _by_day(pages) == {d: client.sim.usage_items(d, auth_method=False) for d in DAYS}
    assert pages[0]["has_more"] is True and pages[-1]["has_more"] is False


def test_a_bucket_can_be_split_across_pages(latitude):
    client = latitude(limit_counts="buckets", split_buckets=True)

    pages = _usage_pages(client, FIVE_DAYS, limit=2)
    one_day = _usage_pages(client, {**FIVE_DAYS, "end": "2026-11-02"}, limit=1)

    stamps = [[b["bucket"] for b in p["time_series"]] for p in pages]
    assert all(len(s) <= 2 for s in stamps) and len(pages) == 5
    assert all(a[-1] == b[0] for a, b in zip(stamps, stamps[1:-1], strict=False))
    assert _by_day(pages) == {d: client.sim.usage_items(d, auth_method=False) for d in DAYS}
    halves = [p["time_series"][0]["results"] for p in one_day]
    assert len(one_day) == 2 and halves[0] and halves[1] and halves[0] != halves[1]


def test_analytics_pages_follow_the_same_choices(latitude):
    client = latitude(limit_counts="buckets", split_buckets=True, bucket_offsets=("-05:00",))
    ids = sorted({p.endpoint.endpoint_id for p in client.sim.profiles})[:10]
    params = {**FIVE_DAYS, "endpoint_id": ids, "limit": 2}

    first = client.fal("/models/analytics", params).json()
    second = client.fal("/models/analytics", {**params, "cursor": first["next_cursor"]}).json()

    assert first["time_series"][-1]["bucket"] == second["time_series"][0]["bucket"]
    assert first["time_series"][0]["bucket"] == "2026-10-31T19:00:00-05:00"


@pytest.mark.parametrize(
    ("offset", "stamp"),
    [("+01:00", "2026-11-01T01:00:00+01:00"), ("-05:00", "2026-10-31T19:00:00-05:00"),
     ("Z", "2026-11-01T00:00:00Z"), ("+00:00", "2026-11-01T00:00:00+00:00")],
)  # fmt: skip
def test_buckets_can_be_stamped_in_any_offset_for_the_same_utc_day(latitude, offset, stamp):
    client = latitude(bucket_offsets=(offset,))

    body = client.fal("/models/usage", {**FIVE_DAYS, "limit": 1000}).json()

    assert body["time_series"][0]["bucket"] == stamp
    assert [_utc_day(b["bucket"]) for b in body["time_series"]] == DAYS


def test_bucket_offsets_are_drawn_per_bucket(latitude):
    client = latitude(bucket_offsets=("Z", "+00:00", "+01:00", "-05:00", "+05:30"))
    params = {"start": "2026-10-01", "end": "2026-10-31", "timeframe": "day", "limit": 1000}

    pages = _usage_pages(client, params, limit=1000)

    stamps = [b["bucket"] for p in pages for b in p["time_series"]]
    assert len({s[19:] for s in stamps}) >= 4
    assert sorted({_utc_day(s) for s in stamps}) == [
        date(2026, 10, 1) + timedelta(days=i) for i in range(30)
    ]


def test_timeframe_absent_is_picked_from_the_range_and_the_cap_is_a_choice(latitude):
    capped, uncapped = latitude(), latitude(window_cap=False)
    ten_weeks = {"start": "2026-08-31", "end": "2026-11-09", "limit": 1000}
    long = {"start": "2026-03-01", "end": "2026-10-01", "limit": 1000}

    weeks = capped.fal("/models/usage", ten_weeks).json()["time_series"]
    refused = capped.fal("/models/usage", long)
    months = uncapped.fal("/models/usage", long).json()["time_series"]

    assert {_utc_day(b["bucket"]).weekday() for b in weeks} == {0} and len(weeks) == 10
    assert refused.status_code == 400 and "90 days" in refused.json()["error"]["message"]
    assert [_utc_day(b["bucket"]).day for b in months] == [1] * 7


# -- bodies ---------------------------------------------------------------------------------


def test_proxy_bodies_can_come_bare_or_wrapped_per_response(latitude):
    mixed, bare = latitude(bare_share=0.5), latitude(bare_share=1.0)

    shapes = ["result" in mixed.lowcode("/models", {"limit": n}).json() for n in range(1, 21)]
    again = [mixed.lowcode("/models", {"limit": 7}).content for _ in range(2)]
    error = bare.request("GET", "/falai/v1/models", params={"api_token": "wrong"})

    assert set(shapes) == {True, False} and again[0] == again[1]
    assert "models" in bare.lowcode("/models").json()
    assert error.status_code == 401 and set(error.json()) == {"error"}


def test_unknown_fields_can_appear_on_every_object(latitude, make_client):
    client, plain = latitude(extra_fields=True), make_client(**SMALL)
    usage = {**FIVE_DAYS, "expand": ["time_series", "auth_method_structured"], "limit": 100}
    answers = [
        (client.lowcode("/models", {"limit": 100}), plain.lowcode("/models", {"limit": 100})),
        (client.fal("/models/usage", usage), plain.fal("/models/usage", usage)),
        (client.fal("/models/usage", {"timeframe": "year"}), None),
    ]

    for answer, reference in answers:
        body = answer.json()
        assert all(EXTRA_KEY in obj for obj in _objects(body))
        if reference is not None:
            assert _strip(body) == reference.json()
    models = answers[0][0].json()["result"]["models"]
    assert any(EXTRA_KEY in m.get("metadata", {}) for m in models)


def test_keys_can_come_in_any_order(latitude, make_client):
    client, plain = latitude(shuffle_keys=True), make_client(**SMALL)

    shuffled = [client.fal("/models/usage", {**FIVE_DAYS, "limit": 50}) for _ in range(2)]
    reference = plain.fal("/models/usage", {**FIVE_DAYS, "limit": 50})

    assert shuffled[0].content == shuffled[1].content != reference.content
    assert shuffled[0].json() == reference.json()
    orders = {tuple(item) for item in client.series_items(shuffled[0].json())}
    assert len(orders) > 1


def test_whole_numbers_can_be_written_as_floats(latitude, make_client):
    ids = ["fal-ai/flux/dev", "fal-ai/flux/schnell"]
    params = {**FIVE_DAYS, "endpoint_id": ids, "expand": ["time_series", "request_count"]}
    client, plain = latitude(whole_numbers="float"), make_client(**SMALL)

    def no_ints(token):
        raise AssertionError(f"integer token {token}")

    body = json.loads(client.fal("/models/analytics", params).text, parse_int=no_ints)

    assert body == plain.fal("/models/analytics", params).json()
    assert re.search(r'"request_count":\d+\.0[,}]', client.fal("/models/analytics", params).text)


def test_whole_numbers_can_be_written_as_ints_or_mixed(latitude, make_client):
    plain = make_client(**SMALL).fal("/models/usage", {**FIVE_DAYS, "limit": 200})
    ints = latitude(whole_numbers="int").fal("/models/usage", {**FIVE_DAYS, "limit": 200})
    mixed = latitude(whole_numbers="mixed").fal("/models/usage", {**FIVE_DAYS, "limit": 200})

    def no_whole_floats(token):
        assert Decimal(token) != Decimal(token).to_integral_value(), token
        return float(token)

    assert '"cost_discount":0.0' in plain.text
    assert json.loads(ints.text, parse_float=no_whole_floats) == plain.json()
    assert mixed.json() == plain.json()
    assert re.search(r'"cost_discount":0\.0[,}]', mixed.text)
    assert re.search(r'"cost_discount":0[,}]', mixed.text)


def test_money_can_be_written_with_more_decimals_and_the_same_value(latitude):
    client = latitude(money_decimals=12)
    day = DAYS[0]

    response = client.fal("/models/usage", {**FIVE_DAYS, "end": "2026-11-02", "limit": 1000})

    written = MONEY.findall(response.text)
    assert written and all(len(text.split(".")[1]) == 12 for _, text in written)
    items = client.series_items(client.decimal_json(response))
    truth = client.sim.usage_items(day, auth_method=False)
    assert len(items) == len(truth)
    for item, expected in zip(items, truth, strict=True):
        for name in MONEY_FIELDS & set(expected):
            assert item[name] == Decimal(repr(expected[name])), name


def test_nano_prices_carry_nine_decimals_exactly_into_costs_and_ground_truth(latitude):
    client = latitude(nano_prices=True)
    used = sorted({p.endpoint.endpoint_id for p in client.sim.profiles})[:5]
    one_day = {**FIVE_DAYS, "end": "2026-11-02", "limit": 1000, "expand": ["time_series",
               "auth_method"]}  # fmt: skip

    prices = client.decimal_json(client.fal("/models/pricing", {"endpoint_id": used}))
    items = client.series_items(client.decimal_json(client.fal("/models/usage", one_day)))

    truth_prices = client.sim.current_prices()
    for price in prices["prices"]:
        expected = truth_prices[price["endpoint_id"]]["unit_price"]
        assert price["unit_price"] == Decimal(repr(expected))
        assert price["unit_price"].as_tuple().exponent == -9
    truth = client.sim.usage_items(DAYS[0])
    assert len(items) == len(truth)
    for item, expected in zip(items, truth, strict=True):
        money = [item[name] for name in ("unit_price", "cost_subtotal", "cost_total")]
        assert all(value == value.quantize(NANO) for value in money)
        assert item["cost_total"] == item["cost_subtotal"] - item["cost_discount"]
        exact = (item["quantity"] * item["unit_price"]).quantize(NANO, ROUND_HALF_EVEN)
        assert item["cost_subtotal"] == exact
        for name in ("unit_price", "cost_subtotal", "cost_discount", "cost_total"):
            assert item[name] == Decimal(repr(expected[name])), name
    assert any(item["unit_price"] != item["unit_price"].quantize(Decimal("0.000001"))
               for item in items)  # fmt: skip


# -- auth -----------------------------------------------------------------------------------


def test_models_can_answer_without_a_key(latitude):
    client = latitude(models_key_optional=True)

    anonymous = client.fal("/models", {"limit": 5}, headers={})
    wrong = client.fal("/models", headers={"Authorization": "Key nope:nope"})
    usage = client.fal("/models/usage", FIVE_DAYS, headers={})
    keyed = client.fal("/models", {"limit": 5}, headers={"Authorization": f"Key {SIM_FAL_KEY}"})

    assert anonymous.status_code == 200 and anonymous.json() == keyed.json()
    assert wrong.status_code == 401 and usage.status_code == 401


def test_a_running_simulation_can_change_its_latitude(latitude):
    client = latitude()
    params = {**FIVE_DAYS, "end": "2026-11-02", "limit": 1000}
    before = client.fal("/models/usage", params).json()

    client.sim.set_latitude(Latitude(nano_prices=True, last_cursor="absent"))
    after = client.fal("/models/usage", params).json()

    assert "next_cursor" in before and "next_cursor" not in after
    assert client.series_items(after) == client.sim.usage_items(DAYS[0], auth_method=False)
    assert client.series_items(after) != client.series_items(before)
