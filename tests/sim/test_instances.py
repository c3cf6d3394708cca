"""Compute instances: time-derived statuses in 15-minute slots, and the mutations."""

from datetime import UTC, datetime, timedelta

import pytest

from pipelines.sim import SIM_FAL_KEY
from pipelines.sim.instances import INSTANCE_TYPES, REGIONS, SECTORS

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STATUSES = {"ready", "init", "pending", "provisioning", "stopped", "unknown"}


@pytest.fixture
def pinned(client):
    client.sim.set_now(NOON)
    return client


def _listing(client):
    return client.fal("/compute/instances").json()["instances"]


def test_fleet_holds_about_a_dozen_instances(pinned):
    counts = [len(pinned.sim.instances(NOON + timedelta(hours=h))) for h in range(0, 96, 6)]

    assert all(4 <= n <= 12 for n in counts)


def test_instance_fields_follow_the_spec_and_carry_no_timestamps(pinned):
    for item in _listing(pinned):
        assert set(item) <= {"id", "instance_type", "region", "sector", "ip", "status",
                             "creator_user_nickname"}  # fmt: skip
        assert item["id"].startswith("inst_")
        assert item["instance_type"] in INSTANCE_TYPES and item["region"] in REGIONS
        assert item["status"] in STATUSES
        assert ("ip" in item) == (item["status"] == "ready")
        assert item.get("sector", "sector_1") in SECTORS


def test_snapshots_fifteen_minutes_apart_differ(pinned):
    snapshots = []
    for slot in range(4):
        pinned.sim.set_now(NOON + timedelta(minutes=15 * slot))
        snapshots.append(_listing(pinned))

    assert all(a != b for a, b in zip(snapshots, snapshots[1:], strict=False))


def test_instances_appear_and_disappear_over_days(pinned):
    ids = [{i["id"] for i in pinned.sim.instances(NOON + timedelta(days=d))} for d in range(6)]

    assert len(set.union(*ids)) > len(ids[0])
    assert any(ids[0] - later for later in ids[1:])


def test_status_within_a_slot_is_stable(pinned):
    assert pinned.sim.instances(NOON) == pinned.sim.instances(NOON + timedelta(minutes=14))


def test_list_pages_by_cursor(pinned):
    pages = pinned.fal_pages("/compute/instances", {"limit": 2})

    ids = [i["id"] for p in pages for i in p["instances"]]
    assert ids == [i["id"] for i in pinned.sim.instances()] and len(pages) > 1


def test_create_answers_201_provisioning_then_ready_in_the_next_slot(pinned):
    body = {"instance_type": "gpu_8x_h100_sxm5", "ssh_key": "ssh-ed25519 AAAA x@y",
            "sector": "sector_2"}  # fmt: skip

    created = pinned.fal("/compute/instances", method="POST", json=body)
    instance_id = created.json()["id"]
    pinned.sim.set_now(NOON + timedelta(minutes=15))
    later = pinned.fal(f"/compute/instances/{instance_id}")

    assert created.status_code == 201
    assert created.json()["status"] == "provisioning" and created.json()["sector"] == "sector_2"
    assert later.json()["status"] == "ready" and "ip" in later.json()


@pytest.mark.parametrize(
    "body",
    [
        {"instance_type": "gpu_1x_h100_sxm5"},
        {"instance_type": "gpu-1x-a10g", "ssh_key": "k"},
        {"instance_type": "gpu_1x_h100_sxm5", "ssh_key": "k", "sector": "sector_1"},
    ],
)
def test_create_with_an_invalid_body_answers_400(pinned, body):
    response = pinned.fal("/compute/instances", method="POST", json=body)

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "validation_error"


def test_same_idempotency_key_creates_one_instance(pinned):
    body = {"instance_type": "gpu_1x_h100_sxm5", "ssh_key": "k"}
    headers = {"Authorization": f"Key {SIM_FAL_KEY}", "Idempotency-Key": "abc"}
    before = len(_listing(pinned))

    first = pinned.fal("/compute/instances", method="POST", json=body, headers=headers)
    again = pinned.fal("/compute/instances", method="POST", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(_listing(pinned)) == before + 1


def test_get_of_an_unknown_instance_answers_404(pinned):
    response = pinned.fal("/compute/instances/inst_nope")

    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_delete_answers_204_and_the_instance_is_gone(pinned):
    victim = _listing(pinned)[0]["id"]

    deleted = pinned.fal(f"/compute/instances/{victim}", method="DELETE")

    assert deleted.status_code == 204 and deleted.content == b""
    assert pinned.fal(f"/compute/instances/{victim}").status_code == 404
    assert victim not in {i["id"] for i in _listing(pinned)}


def test_lowcode_stop_and_start_stick_until_the_schedule_changes(pinned):
    target = next(i for i in _listing(pinned) if i["status"] == "ready")["id"]
    params = {"instance_id": target}

    stopped = pinned.lowcode("/compute/instances/instance_id/stop", params, method="POST")
    seen = pinned.lowcode("/compute/instances/instance_id", params).json()["result"]
    started = pinned.lowcode("/compute/instances/instance_id/start", params, method="POST")

    assert stopped.json()["result"]["status"] == "stopped" and seen["status"] == "stopped"
    assert started.json()["result"]["status"] == "ready"


def test_lowcode_stop_gives_way_to_the_next_scheduled_change(pinned):
    sim = pinned.sim
    target = next(i for i in _listing(pinned) if i["status"] == "ready")["id"]
    pinned.lowcode("/compute/instances/instance_id/stop", {"instance_id": target}, method="POST")

    later = [
        next((i["status"] for i in sim.instances(NOON + timedelta(minutes=15 * s))
              if i["id"] == target), None)
        for s in range(1, 400)
    ]  # fmt: skip

    assert any(status != "stopped" for status in later)


def test_lowcode_monitor_reports_the_requested_metrics(pinned):
    ready = next(i for i in _listing(pinned) if i["status"] == "ready")["id"]

    params = {"instance_id": ready, "metrics": "cpu,memory"}

    body = pinned.lowcode("/compute/instances/instance_id/monitor", params).json()["result"]

    assert body["instance_id"] == ready and body["status"] == "ready"
    assert set(body["metrics"]) == {"cpu", "memory"}
    assert all(0 < v <= 100 for v in body["metrics"].values())


def test_lowcode_list_filters_by_status_and_pages_by_offset(pinned):
    stopped = pinned.lowcode("/compute/instances", {"status": "stopped"}).json()["result"]
    first = pinned.lowcode("/compute/instances", {"limit": 2}).json()["result"]
    second = pinned.lowcode("/compute/instances", {"limit": 2, "offset": 2}).json()["result"]

    assert all(i["status"] == "stopped" for i in stopped["instances"])
    assert [i["id"] for i in first["instances"] + second["instances"]] == [
        i["id"] for i in pinned.sim.instances()[:4]
    ]


def test_lowcode_create_answers_201(pinned):
    body = {"instance_type": "gpu_1x_h100_sxm5", "ssh_key": "k"}

    response = pinned.lowcode("/compute/instances", method="POST", json=body)

    assert response.status_code == 201
    assert response.json()["result"]["status"] == "provisioning"


def test_the_seed_documents_own_create_example_names_every_problem_at_once(pinned):
    example = {"instance_type": "gpu-1x-a10g", "name": "my-ai-instance"}

    fal = pinned.fal("/compute/instances", method="POST", json=example)
    proxy = pinned.lowcode("/compute/instances", method="POST", json=example)

    assert fal.status_code == proxy.status_code == 400
    message = fal.json()["error"]["message"]
    assert proxy.json()["error"]["error"]["message"] == message
    assert "'gpu-1x-a10g'" in message and "ssh_key is required" in message
    assert all(instance_type in message for instance_type in INSTANCE_TYPES)


def _keyed(key):
    return {"Authorization": f"Key {SIM_FAL_KEY}", "Idempotency-Key": key}


def test_an_idempotency_key_replays_its_answer_for_ten_minutes_only(pinned):
    body = {"instance_type": "gpu_1x_h100_sxm5", "ssh_key": "k"}
    before = len(_listing(pinned))

    first = pinned.fal("/compute/instances", method="POST", json=body, headers=_keyed("k1"))
    pinned.sim.set_now(NOON + timedelta(minutes=9, seconds=59))
    replayed = pinned.fal("/compute/instances", method="POST", json=body, headers=_keyed("k1"))
    via_proxy = pinned.lowcode("/compute/instances", method="POST", json=body,
                               headers={"Idempotency-Key": "k1"})  # fmt: skip
    pinned.sim.set_now(NOON + timedelta(minutes=10))
    expired = pinned.fal("/compute/instances", method="POST", json=body, headers=_keyed("k1"))

    assert first.status_code == replayed.status_code == via_proxy.status_code == 201
    assert first.json() == replayed.json() == via_proxy.json()["result"]
    assert expired.status_code == 201 and expired.json()["id"] != first.json()["id"]
    assert len(_listing(pinned)) == before + 2


def test_a_rejected_create_does_not_use_up_its_idempotency_key(pinned):
    bad = pinned.fal("/compute/instances", method="POST", json={}, headers=_keyed("k2"))
    good = pinned.fal("/compute/instances", method="POST", headers=_keyed("k2"),
                      json={"instance_type": "gpu_1x_h100_sxm5", "ssh_key": "k"})  # fmt: skip

    assert bad.status_code == 400 and good.status_code == 201


def test_a_delete_with_an_idempotency_key_replays_its_204(pinned):
    victim, other = (i["id"] for i in _listing(pinned)[:2])

    first = pinned.fal(f"/compute/instances/{victim}", method="DELETE", headers=_keyed("d1"))
    again = pinned.fal(f"/compute/instances/{victim}", method="DELETE", headers=_keyed("d1"))
    unkeyed = pinned.fal(f"/compute/instances/{victim}", method="DELETE")
    proxy = pinned.lowcode("/compute/instances/instance_id", {"instance_id": victim},
                           method="DELETE", headers={"Idempotency-Key": "d1"})  # fmt: skip
    other_id = pinned.fal(f"/compute/instances/{other}", method="DELETE", headers=_keyed("d1"))

    assert first.status_code == again.status_code == proxy.status_code == 204
    assert again.content == b"" and unkeyed.status_code == 404
    assert other_id.status_code == 204 and other not in {i["id"] for i in _listing(pinned)}
