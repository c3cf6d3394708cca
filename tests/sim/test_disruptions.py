"""Fault options added for the reliability matrix: stalls, cuts, endless cursors, schema drift,
NaN and null values, hostile names, and switching faults on a running simulation."""

import json
import math
import time
from datetime import UTC, datetime

import httpx
import pytest

from pipelines.sim import SCENARIOS, SIM_FAL_KEY, Faults, SimConfig, Simulation, serving
from pipelines.sim.faults import HOSTILE_ID_SUFFIX, hostile_id, hostile_label

FAL = {"Authorization": f"Key {SIM_FAL_KEY}"}
USAGE = {"start": "2026-11-10", "end": "2026-11-11", "timeframe": "day", "limit": 1000}


def _items(response):
    return [item for bucket in response.json()["time_series"] for item in bucket["results"]]


def test_rate_stall_answers_late_until_the_storm_ends(make_client):
    client = make_client(faults={"rate_stall": 1.0, "stall_s": 0.3, "fault_requests": 1})

    started = time.perf_counter()
    first = client.fal("/models", {"limit": 1})
    stalled = time.perf_counter() - started
    second = client.fal("/models", {"limit": 1})

    assert first.status_code == second.status_code == 200
    assert stalled >= 0.3  # how soon the next one comes is measured by benchmarks/bounds.py


def test_rate_cut_drops_the_connection_mid_body_on_loopback():
    faults = Faults(rate_cut=1.0, fault_requests=1)
    sim = Simulation(SimConfig(n_endpoints=120, n_used=20, faults=faults))

    with serving(sim) as url, httpx.Client(base_url=url, headers=FAL, timeout=5) as client:
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete|peer closed"):
            client.get("/v1/models", params={"limit": 100})
        whole = client.get("/v1/models", params={"limit": 100})

    assert whole.status_code == 200 and len(whole.json()["models"]) == 100


def test_a_cut_answer_to_a_post_comes_after_the_instance_was_created():
    faults = Faults(rate_cut=1.0, fault_requests=1)
    sim = Simulation(SimConfig(n_endpoints=120, n_used=20, faults=faults))
    body = {"instance_type": "gpu_1x_h100_sxm5", "ssh_key": "ssh-ed25519 AAAA x@y"}
    headers = {**FAL, "Idempotency-Key": "lost-answer"}
    sim.set_now(datetime(2026, 11, 25, 12, tzinfo=UTC))
    before = {i["id"] for i in sim.instances()}

    with serving(sim) as url, httpx.Client(base_url=url, timeout=5) as client:
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete|peer closed"):
            client.post("/v1/compute/instances", json=body, headers=headers)
        created = {i["id"] for i in sim.instances()} - before
        retried = client.post("/v1/compute/instances", json=body, headers=headers)

    assert len(created) == 1
    assert retried.status_code == 201 and {retried.json()["id"]} == created
    assert {i["id"] for i in sim.instances()} - before == created


def test_disruptions_leave_the_seeded_429_sequence_unchanged(make_client):
    def statuses(**faults):
        client = make_client(faults={"rate_429": 0.3, **faults})
        return [client.fal("/models", {"limit": 1}).status_code for _ in range(40)]

    assert statuses() == statuses(rate_stall=0.5, stall_s=0.001)


def test_endless_cursor_always_offers_another_page(make_client):
    client = make_client(faults={"endless_cursor_paths": ("/models/usage",)})

    far = client.fal("/models/usage", {**USAGE, "cursor": "OTk5"})  # page 999, past the data

    assert far.json()["time_series"] == [] and far.json()["has_more"] is True
    assert far.json()["next_cursor"] == "MTAwMA=="  # page 1000


def test_extra_fields_appear_on_bodies_buckets_and_items(make_client):
    client = make_client(faults={"extra_fields": True})

    usage = client.fal("/models/usage", USAGE).json()
    models = client.fal("/models", {"limit": 5}).json()

    assert "x_added_2027" in usage and "x_added_2027" in usage["time_series"][0]
    assert all("x_added_2027" in i for i in usage["time_series"][0]["results"])
    assert all("x_added_2027" in m for m in models["models"])
    assert "x_added_2027" not in client.sim.models()[0]  # shared catalogue items untouched


def test_nan_cost_sends_the_bare_nan_token_once_per_page(make_client):
    client = make_client(faults={"nan_cost": True})

    response = client.fal("/models/usage", USAGE)

    costs = [item["cost_total"] for item in _items(response)]
    assert sum(math.isnan(c) for c in costs) == 1  # httpx reads NaN like Python's json does
    tokens = json.loads(response.text, parse_constant=lambda token: token)
    assert tokens["time_series"][0]["results"][0]["cost_total"] == "NaN"  # the bare token


def test_null_endpoint_id_nulls_one_item_per_page(make_client):
    client = make_client(faults={"null_endpoint_id": True})

    items = _items(client.fal("/models/usage", USAGE))

    assert [i["endpoint_id"] for i in items].count(None) == 1


def test_hostile_names_reach_the_wire_and_map_back_when_echoed(make_client):
    client = make_client(faults={"hostile_names": True})
    plain = client.sim.models()[0]["endpoint_id"]

    models = client.fal("/models", {"limit": 3}).json()["models"]
    price = client.fal("/models/pricing", {"endpoint_id": hostile_id(plain)}).json()["prices"]
    usage = _items(client.fal("/models/usage", {**USAGE, "expand": ["time_series", "auth_method"]}))

    assert models[0]["endpoint_id"] == hostile_id(plain) and HOSTILE_ID_SUFFIX.count("'") == 1
    assert price[0]["endpoint_id"] == hostile_id(plain)
    assert all(i["endpoint_id"].endswith(HOSTILE_ID_SUFFIX) for i in usage)
    assert {i["auth_method"] for i in usage} <= {
        hostile_label(a) for a in ("Batch Key", "Production Key", "Staging Key", "User token")
    }


def test_set_faults_switches_the_faults_of_a_running_simulation(make_client):
    client = make_client(faults={"rate_5xx": 1.0})

    assert client.fal("/models").status_code == 500
    client.sim.set_faults(Faults())
    assert client.fal("/models").status_code == 200
    assert client.sim.config.faults == Faults()


def test_the_new_options_have_named_scenarios():
    for name in ("stalls", "resets", "endless_cursor", "schema_drift", "nan_cost",
                 "null_endpoint_id", "hostile_names"):  # fmt: skip
        assert SCENARIOS[name] != Faults()
