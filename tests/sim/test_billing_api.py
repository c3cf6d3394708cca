"""The rest of fal's bill: serverless usage, API keys, the credit balance, the organization
routes, the FOCUS statement, the Date header and the CLI switches (API.md §8, §11, §16)."""

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from pipelines.sim import SIM_FAL_API_SCOPE_KEY, SIM_FAL_KEY, SimConfig, Simulation, serving
from pipelines.sim.__main__ import config_from_args
from pipelines.sim.traffic import AUTH_STRUCTURED

from .conftest import TODAY

DAY = date(2026, 11, 10)  # old enough to be final
ONE_DAY = {"start": "2026-11-10", "end": "2026-11-11", "timeframe": "day"}
CLOSED = "2026-10"
SERVERLESS_FIELDS = ["app", "environment", "machine_type", "unit", "quantity", "unit_price",
                     "percent_discount", "cost_subtotal", "cost_discount", "cost_total", "cost",
                     "currency", "is_surge"]  # fmt: skip
FORBIDDEN = {"type": "authorization_error"}
NINE = Decimal("1e-9")


@pytest.fixture
def enterprise(make_client):
    return make_client(enterprise=True)


def _items(client, path, params):
    pages = client.fal_pages(path, params)
    return [i for p in pages for i in client.series_items(p)], pages


def _csv(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def _billed(lines, key=lambda line: line["x_Product"]):
    sums = defaultdict(Decimal)
    for line in lines:
        sums[key(line)] += Decimal(line["BilledCost"])
    return dict(sums)


def _served_usage_total(client, day):
    return sum(Decimal(repr(i["cost_total"])) for i in client.sim.usage_items(day))


def _served_serverless_total(client, day):
    return sum(Decimal(repr(i["cost_total"])) for i in client.sim.serverless_rows(day))


# -- /serverless/usage --------------------------------------------------------------------------


def test_serverless_rows_have_fal_fields_and_exact_money(client):
    body = client.decimal_json(client.fal("/serverless/usage", ONE_DAY))

    items = client.series_items(body)
    assert items and all(list(i) == SERVERLESS_FIELDS for i in items)
    for item in items:
        subtotal = item["quantity"] * item["unit_price"]
        pd = item["percent_discount"]
        total = subtotal if pd is None else (subtotal * (100 - pd) / 100).quantize(NINE)
        assert item["unit"] == "second" and item["quantity"] == int(item["quantity"])
        assert item["cost_subtotal"] == subtotal and item["cost_total"] == total == item["cost"]
        assert item["cost_discount"] == subtotal - total and item["currency"] == "USD"
    assert {i["environment"] for i in items} <= {"production", None}
    assert body["next_cursor"] is None and body["has_more"] is False
    assert client.fal("/serverless/usage", ONE_DAY).json()["time_series"][0]["results"] == (
        client.sim.serverless_rows(DAY)
    )


def test_serverless_surge_rows_are_separate_and_cost_more(client):
    params = {"start": "2026-09-01", "end": "2026-11-01", "timeframe": "day", "limit": 1000}
    items, _ = _items(client, "/serverless/usage", params)

    surge = [i for i in items if i["is_surge"]]
    plain = {(i["app"], i["environment"]): i["unit_price"] for i in items if not i["is_surge"]}
    assert surge and any(i["percent_discount"] for i in items)
    for item in surge:
        base = Decimal(repr(plain[(item["app"], item["environment"])]))
        assert Decimal(repr(item["unit_price"])) == base * Decimal("1.5")


def test_serverless_pages_filters_and_summary(client):
    params = {"start": "2026-10-01", "end": "2026-10-15", "timeframe": "day"}
    whole, _ = _items(client, "/serverless/usage", {**params, "limit": 1000})
    paged, pages = _items(client, "/serverless/usage", {**params, "limit": 3})
    upscaler, _ = _items(client, "/serverless/usage", {**params, "app": "sim-team/upscaler"})
    summary = client.decimal_json(
        client.fal("/serverless/usage", {**params, "expand": "summary", "limit": 1000})
    )["summary"]

    assert paged == whole and len(pages) > 3
    assert upscaler and {i["app"] for i in upscaler} == {"sim-team/upscaler"}
    total = sum(Decimal(repr(i["cost_total"])) for i in whole)
    assert sum(i["cost_total"] for i in summary) == total


def test_bill_routes_need_the_admin_key_and_are_not_on_the_proxy(client):
    api_scope = {"Authorization": f"Key {SIM_FAL_API_SCOPE_KEY}"}

    for path in ("/serverless/usage", "/keys", "/account/billing", "/organization/usage"):
        assert client.fal(path, headers=api_scope).status_code == 403
    assert client.lowcode("/serverless/usage").status_code == 404


def test_a_revision_corrects_usage_the_estimate_the_invoice_and_the_balance_alike(make_client):
    client = make_client(enterprise=True)
    day = date(2026, 10, 5)
    estimate = {"source": "estimate", "start": "2026-10-05", "end": "2026-10-06"}
    invoice = {"source": "invoice", "charge_month": CLOSED}
    served_before = client.sim.serverless_rows(day)
    estimate_before = _billed(_csv(client.fal("/account/focus", estimate)))
    invoice_before = _billed(_csv(client.fal("/account/focus", invoice)))
    balance_before = client.sim.credit_balance()
    day_before = client.sim.day_charges(day)

    client.sim.revise_usage(day, 1.5)

    served = client.fal("/serverless/usage", {"start": "2026-10-05", "end": "2026-10-06"})
    estimate_after = _billed(_csv(client.fal("/account/focus", estimate)))
    invoice_after = _billed(_csv(client.fal("/account/focus", invoice)))
    day_after = client.sim.day_charges(day)
    change = {p: day_after[p] - day_before[p] for p in day_before}
    assert client.series_items(served.json()) == client.sim.serverless_rows(day) != served_before
    assert all(change[p] > 0 for p in ("model_apis", "serverless", "compute"))
    assert {p: estimate_after[p] - estimate_before[p] for p in change} == change
    assert {p: invoice_after[p] - invoice_before[p] for p in change} == change
    assert client.sim.credit_balance() == balance_before - sum(change.values())


# -- /keys ---------------------------------------------------------------------------------------


def test_keys_page_by_cursor_and_expand_creator_info(client):
    pages = client.fal_pages("/keys", {"limit": 2})
    keys = [k for p in pages for k in p["keys"]]
    expanded = client.fal("/keys", {"expand": "creator_info", "limit": 100}).json()

    used = {a["api_key_id"]: a["detail"] for a in AUTH_STRUCTURED.values() if "api_key_id" in a}
    assert len(pages) == 3 and pages[-1]["has_more"] is False
    assert len(keys) == len(used) + 2 and all(
        set(k) == {"key_id", "alias", "scope", "created_at"} for k in keys
    )
    assert {k["key_id"]: k["alias"] for k in keys if k["key_id"] in used} == used
    assert all(k["scope"] == "API" and k["created_at"].endswith("Z") for k in keys)
    assert all(k["created_at"] < "2025-01-01" for k in keys)
    assert expanded["keys"] == client.sim.api_keys()
    assert all(k["creator_nickname"] and "@" in k["creator_email"] for k in expanded["keys"])
    assert client.fal("/keys", {"limit": 101}).status_code == 400


def test_usage_auth_method_structured_names_the_keys(client):
    params = {**ONE_DAY, "expand": "time_series,auth_method_structured", "limit": 1000}
    items = client.series_items(client.fal("/models/usage", params).json())
    key_ids = {k["key_id"] for k in client.fal("/keys").json()["keys"]}

    structured = [i["auth_method_structured"] for i in items]
    assert all("detail" in s for s in structured)
    assert {s["api_key_id"] for s in structured if "api_key_id" in s} <= key_ids
    assert any(s.get("login_username") for s in structured)


# -- /account/billing ---------------------------------------------------------------------------


def test_account_billing_answers_the_balance_only_with_expand_credits(client):
    plain = client.fal("/account/billing").json()
    body = client.decimal_json(client.fal("/account/billing", {"expand": "credits"}))

    assert plain == {"username": "sim-team"}
    assert body == {
        "username": "sim-team",
        "credits": {"current_balance": client.sim.credit_balance(), "currency": "USD"},
    }
    assert client.fal("/account/billing", {"expand": "nope"}).status_code == 400


def test_balance_is_initial_credit_plus_topups_minus_final_charges(client):
    sim = client.sim
    days = [sim.credit_start + timedelta(days=n) for n in range((TODAY - sim.credit_start).days)]
    charged = sum(sum(sim.day_charges(d).values()) for d in days)
    topups = sim.topups()

    assert topups and all(d <= TODAY and a % 10_000 == 0 and a > 0 for d, a in topups)
    assert sim.credit_balance() == sim.initial_credit() + sum(a for _, a in topups) - charged
    # billed at final volumes: yesterday is charged in full while usage still shows 80 %
    yesterday = TODAY - timedelta(days=1)
    assert sim.day_charges(yesterday)["model_apis"] > _served_usage_total(client, yesterday)
    assert sim.day_charges(TODAY + timedelta(days=1)) == dict.fromkeys(
        ("model_apis", "serverless", "compute"), Decimal(0)
    )


def test_balance_moves_with_the_clock(make_client):
    sim = make_client().sim
    later = (sim.credit_balance(), len(sim.topups()))
    sim.set_today(TODAY - timedelta(days=25))

    assert sim.credit_balance() != later[0]
    assert len(sim.topups()) < later[1]
    assert sim.credit_start == max(sim.config.usage_start, TODAY - timedelta(days=60))


# -- /organization/* ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/organization/usage", {}),
        ("/organization/teams", {}),
        ("/account/focus", {"source": "invoice", "charge_month": CLOSED}),
    ],
)
def test_enterprise_routes_answer_403_for_other_accounts(client, path, params):
    response = client.fal(path, params)

    assert response.status_code == 403
    assert response.json()["error"].items() >= FORBIDDEN.items()


def test_organization_teams(enterprise):
    teams = enterprise.fal("/organization/teams").json()["teams"]

    assert [(t["username"], t["is_org_root"]) for t in teams] == [
        ("sim-team", True),
        ("sim-research", False),
    ]
    assert all(t["name"] and t["created_at"].endswith("Z") for t in teams)


def test_organization_usage_of_the_account_equals_its_charges(enterprise):
    items, _ = _items(enterprise, "/organization/usage", {**ONE_DAY, "limit": 1000})

    sums = defaultdict(Decimal)
    for item in items:
        sums[item["username"], item["product"]] += Decimal(repr(item["cost"]))
    charges = enterprise.sim.day_charges(DAY)
    assert {p: sums["sim-team", p] for p in charges} == charges
    assert sums["sim-research", "model_apis"] > 0 and sums["sim-research", "compute"] > 0
    assert ("sim-research", "serverless") not in sums
    compute = [i["endpoint_id"] for i in items if i["product"] == "compute"]
    assert all(e.startswith("type: gpu_") and e.endswith(")") for e in compute)
    assert set(items[0]) == {
        "username",
        "product",
        "endpoint_id",
        "unit",
        "quantity",
        "unit_price",
        "cost",
        "currency",
    }


def test_organization_usage_filters_and_pages(enterprise):
    params = {**ONE_DAY, "limit": 1000}
    whole, _ = _items(enterprise, "/organization/usage", params)
    paged, pages = _items(enterprise, "/organization/usage", {**params, "limit": 50})
    research, _ = _items(
        enterprise,
        "/organization/usage",
        {**params, "team_username": "sim-research", "product": "compute"},
    )

    assert paged == whole and len(pages) > 2
    assert research == [
        i for i in whole if i["username"] == "sim-research" and i["product"] == "compute"
    ]
    bad = enterprise.fal("/organization/usage", {**params, "product": "gpus"})
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "validation_error"


# -- /account/focus -----------------------------------------------------------------------------


def test_focus_needs_a_source_and_well_formed_months(enterprise):
    for params in (
        {},
        {"source": "bill"},
        {"source": "invoice"},
        {"source": "invoice", "charge_month": "2026-13"},
        {"source": "invoice", "charge_month": "2026-09", "billing_month": "2026-09"},
    ):
        response = enterprise.fal("/account/focus", params)
        assert response.status_code == 400, params
        assert response.json()["error"]["type"] == "validation_error"


def test_invoice_of_an_open_month_is_404(enterprise):
    for params in (
        {"charge_month": "2026-11"},
        {"billing_month": "2026-12"},
        {"charge_month": "2024-12"},
    ):
        response = enterprise.fal("/account/focus", {"source": "invoice", **params})
        assert response.status_code == 404
        assert response.json()["error"]["type"] == "not_found"


def test_invoice_bills_exactly_the_months_final_charges(enterprise):
    lines = _csv(enterprise.fal("/account/focus", {"source": "invoice", "charge_month": CLOSED}))
    by_billing_month = enterprise.fal(
        "/account/focus", {"source": "invoice", "billing_month": "2026-11"}
    )

    charges = enterprise.sim.month_charges(CLOSED)
    assert _billed(lines) == charges
    assert sum(Decimal(line["BilledCost"]) for line in lines) == sum(charges.values())
    assert (
        by_billing_month.text
        == enterprise.fal("/account/focus", {"source": "invoice", "charge_month": CLOSED}).text
    )
    assert lines == enterprise.sim.focus_lines("invoice", charge_month=CLOSED)
    first = lines[0]
    assert (first["ChargePeriodStart"], first["ChargePeriodEnd"]) == (
        "2026-10-01T00:00:00Z",
        "2026-11-01T00:00:00Z",
    )
    assert {line["ServiceName"] for line in lines} == {"Model APIs", "Serverless", "Compute"}
    assert {
        (line["ChargeCategory"], line["ProviderName"], line["BillingCurrency"]) for line in lines
    } == {("Usage", "fal", "USD")}
    assert all("e" not in line["BilledCost"].lower() for line in lines)


def test_invoice_drift_adds_exactly_the_configured_amount(make_client):
    drift = Decimal("12.345678901")
    plain = make_client(enterprise=True)
    drifted = make_client(enterprise=True, faults={"invoice_drift_usd": drift})
    params = {"source": "invoice", "charge_month": CLOSED}

    before, after = (
        _csv(plain.fal("/account/focus", params)),
        _csv(drifted.fal("/account/focus", params)),
    )

    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 1
    (b, a), models = changed[0], [line for line in before if line["x_Product"] == "model_apis"]
    assert Decimal(a["BilledCost"]) - Decimal(b["BilledCost"]) == drift
    assert Decimal(b["BilledCost"]) == max(Decimal(line["BilledCost"]) for line in models)
    total = sum(Decimal(line["BilledCost"]) for line in after)
    assert total == sum(drifted.sim.month_charges(CLOSED).values()) + drift


def test_invoice_tax_is_one_more_line(make_client):
    client = make_client(enterprise=True, faults={"invoice_tax_usd": 99.5})
    lines = _csv(client.fal("/account/focus", {"source": "invoice", "charge_month": CLOSED}))

    tax = [line for line in lines if line["ChargeCategory"] == "Tax"]
    assert len(tax) == 1 and tax[0]["ServiceName"] == "Tax" and tax[0]["x_Product"] == ""
    assert Decimal(tax[0]["BilledCost"]) == Decimal("99.5")


def test_estimate_sums_to_what_is_served_today_day_by_day(enterprise):
    start, end = TODAY - timedelta(days=5), TODAY + timedelta(days=1)
    window = {"start": start.isoformat(), "end": end.isoformat(), "timeframe": "day"}
    lines = _csv(enterprise.fal("/account/focus", {"source": "estimate", **window}))
    pages = enterprise.fal_pages(
        "/organization/usage",
        {**window, "product": "compute", "team_username": "sim-team", "limit": 1000},
    )

    billed = _billed(lines, lambda line: (line["ChargePeriodStart"][:10], line["x_Product"]))
    compute = defaultdict(Decimal)
    for bucket in (b for page in pages for b in page["time_series"]):
        for item in bucket["results"]:
            compute[bucket["bucket"][:10]] += Decimal(repr(item["cost"]))
    for n in range(6):
        day = (start + timedelta(days=n)).isoformat()
        assert billed[day, "model_apis"] == _served_usage_total(enterprise, date.fromisoformat(day))
        assert billed[day, "serverless"] == _served_serverless_total(
            enterprise, date.fromisoformat(day)
        )
        assert billed[day, "compute"] == compute[day]
    assert billed[str(TODAY), "model_apis"] < enterprise.sim.day_charges(TODAY)["model_apis"]
    assert lines == enterprise.sim.focus_lines("estimate", start=start, end=end)


def test_estimate_reaches_back_90_days_at_most(enterprise):
    old = (TODAY - timedelta(days=120)).isoformat()
    response = enterprise.fal(
        "/account/focus",
        {"source": "estimate", "start": old, "end": (TODAY - timedelta(days=100)).isoformat()},
    )

    assert response.status_code == 400


# -- Date header, CLI ----------------------------------------------------------------------------


def test_every_answer_carries_the_simulated_clock_in_date(client):
    client.sim.set_now(datetime(2030, 1, 2, 13, 45, 7, 500, tzinfo=UTC))
    answers = [
        client.fal("/keys"),
        client.fal("/nope"),
        client.fal("/keys", headers={}),
        client.lowcode("/models"),
    ]

    assert {a.headers["date"] for a in answers} == {"Wed, 25 Nov 2026 13:45:07 GMT"}


def test_date_header_over_loopback_is_the_only_one():
    sim = Simulation(SimConfig(n_endpoints=120, n_used=20, today=TODAY))
    sim.set_now(datetime(2026, 11, 1, 8, 0, 1, tzinfo=UTC))

    with serving(sim) as url, httpx.Client(base_url=url, timeout=10) as http:
        response = http.get("/v1/keys", headers={"Authorization": f"Key {SIM_FAL_KEY}"})

    assert response.headers.get_list("date") == ["Wed, 25 Nov 2026 08:00:01 GMT"]


def test_cli_switches_enterprise_and_invoice_faults():
    config, _ = config_from_args(["--enterprise", "--invoice-drift", "2.5", "--invoice-tax", "1"])
    plain, _ = config_from_args([])

    assert config.enterprise and config.faults.invoice_drift_usd == Decimal("2.5")
    assert config.faults.invoice_tax_usd == Decimal(1)
    assert not plain.enterprise and plain.faults.invoice_drift_usd == 0


# -- /models/billing-events ---------------------------------------------------------------------


def _small_endpoints(client, count=4):
    totals = defaultdict(int)
    for item in client.sim.usage_items(DAY):
        totals[item["endpoint_id"]] += 1 if item["unit"] == "video" else item["quantity"]
    return sorted(totals, key=lambda e: (totals[e], e))[:count]


def test_billing_events_sum_exactly_to_the_days_usage_rows(client):
    endpoints = _small_endpoints(client)
    params = {**ONE_DAY, "endpoint_id": endpoints, "limit": 7, "expand": "auth_method"}
    pages = client.fal_pages("/models/billing-events", params)
    events = [e for p in pages for e in p["billing_events"]]

    rows = [i for i in client.sim.usage_items(DAY) if i["endpoint_id"] in endpoints]
    grain = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for e in events:
        sums = grain[e["endpoint_id"], e["auth_method"], e["percent_discount"]]
        sums[0] += Decimal(repr(e["cost_total"]))
        sums[1] += Decimal(repr(e["cost_subtotal"]))
        sums[2] += e["cost_estimate_nano_usd"]
    assert len(pages) > 2 and len({e["request_id"] for e in events}) == len(events)
    assert {
        (r["endpoint_id"], r["auth_method"], r["percent_discount"]): [
            Decimal(repr(r["cost_total"])), Decimal(repr(r["cost_subtotal"])),
            int(Decimal(repr(r["cost_total"])) * 10**9)]
        for r in rows
    } == dict(grain)  # fmt: skip
    assert all(e["timestamp"].startswith("2026-11-10T") for e in events)


def test_billing_events_by_request_id_and_key(client):
    first = client.fal("/models/billing-events", {**ONE_DAY, "limit": 20}).json()
    wanted = [e["request_id"] for e in first["billing_events"][::5]]
    named = client.fal("/models/billing-events", {**ONE_DAY, "request_id": wanted}).json()
    by_key = client.fal("/models/billing-events", {**ONE_DAY, "api_key_id": "key_stag_42bd",
                        "expand": "auth_method_structured", "limit": 50}).json()  # fmt: skip

    assert named["billing_events"] == first["billing_events"][::5]
    assert {e["auth_method_structured"]["api_key_id"] for e in by_key["billing_events"]} == {
        "key_stag_42bd"
    }


def test_billing_events_cap_the_range_and_the_page(client):
    too_long = client.fal("/models/billing-events", {"start": "2026-08-01", "end": "2026-11-01"})
    too_big = client.fal("/models/billing-events", {**ONE_DAY, "limit": 10_001})

    assert (too_long.status_code, too_big.status_code) == (400, 400)
    assert len(client.fal("/models/billing-events", {**ONE_DAY, "limit": 10_000}).json()[
        "billing_events"]) == 10_000  # fmt: skip
