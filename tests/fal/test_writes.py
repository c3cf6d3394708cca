"""Writes are safe to retry: creates carry one Idempotency-Key per operation, and a request
without one is never sent twice once its body may have reached the server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from pipelines.fal import FalClient, FalNotFoundError, FalTransportError, Source
from pipelines.sim import Faults, Simulation, serving
from pipelines.sim.instances import slot_of
from tests.conftest import small_config
from tests.fal.helpers import FAST_RETRY, source

FAL = Source("simulator", "fal", "http://127.0.0.1/v1", "id:secret")
INSTANCE = {"id": "inst_1", "instance_type": "gpu_1x_h100_sxm5", "region": "us-west",
            "status": "provisioning"}  # fmt: skip


def run(handler: Callable[[httpx.Request], httpx.Response], work, dialect_source=FAL):
    async def go():
        transport = httpx.MockTransport(handler)
        async with FalClient(dialect_source, transport=transport, retry=FAST_RETRY) as client:
            return await work(client)

    return asyncio.run(go())


class Flaky:
    """Fails the first ``failures`` requests with ``error``, then answers ``status``/``body``."""

    def __init__(self, error: Exception | int, failures: int, status: int, body=None) -> None:
        self.error, self.failures, self.status, self.body = error, failures, status, body
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) <= self.failures:
            if isinstance(self.error, int):
                return httpx.Response(self.error, json={"error": {"type": "x", "message": "x"}})
            raise self.error
        return httpx.Response(self.status, json=self.body)


def lost(request_text: str = "reset") -> httpx.ReadError:
    return httpx.ReadError(request_text)


def test_a_create_retried_after_a_lost_answer_sends_the_same_idempotency_key():
    server = Flaky(lost(), 2, 201, INSTANCE)
    created = run(server, lambda c: c.create_instance("gpu_1x_h100_sxm5", ssh_key="ssh-ed25519 A"))
    assert created["id"] == "inst_1"
    keys = [r.headers.get("idempotency-key") for r in server.requests]
    assert len(keys) == 3 and keys[0] and len(set(keys)) == 1


def test_two_creates_carry_two_keys():
    server = Flaky(lost(), 0, 201, INSTANCE)

    async def twice(client: FalClient) -> None:
        await client.create_instance("gpu_1x_h100_sxm5", ssh_key="k")
        await client.create_instance("gpu_1x_h100_sxm5", ssh_key="k")

    run(server, twice)
    keys = {r.headers["idempotency-key"] for r in server.requests}
    assert len(keys) == 2


@pytest.mark.parametrize(
    ("error", "tries"),
    [(lost(), 1), (httpx.ReadTimeout("slow"), 1), (httpx.ConnectError("refused"), 3), (429, 3)],
    ids=["reset", "read-timeout", "never-connected", "rate-limited"],
)
def test_a_post_without_a_key_is_retried_only_when_it_never_arrived(error, tries):
    server = Flaky(error, 2, 200, {"results": []})
    proxy = source("lowcodeapi")
    batch = [{"method": "POST", "path": "/v1/compute/instances", "body": {}}]
    if tries == 1:
        with pytest.raises(FalTransportError, match="not retried: it may have taken effect"):
            run(server, lambda c: c.batch(batch), proxy)
    else:
        run(server, lambda c: c.batch(batch), proxy)
    assert len(server.requests) == tries
    assert all("idempotency-key" not in r.headers for r in server.requests)


def test_a_batch_of_reads_is_retried_like_a_read():
    server = Flaky(lost(), 2, 200, {"results": []})
    run(server, lambda c: c.batch([{"method": "GET", "path": "/v1/models"}]), source("lowcodeapi"))
    assert len(server.requests) == 3


def test_a_delete_whose_answer_was_lost_and_then_404s_has_done_its_work():
    server = Flaky(lost(), 1, 404, {"error": {"type": "not_found", "message": "gone"}})
    assert run(server, lambda c: c.delete_instance("inst_1")) is None
    assert len(server.requests) == 2


def test_a_delete_of_an_unknown_instance_is_still_an_error():
    server = Flaky(lost(), 0, 404, {"error": {"type": "not_found", "message": "no such"}})
    with pytest.raises(FalNotFoundError):
        run(server, lambda c: c.delete_instance("inst_nope"))


@pytest.mark.parametrize("dialect", ["fal", "lowcodeapi"])
def test_creates_under_connection_resets_make_exactly_one_instance_each(dialect):
    """Real sockets: the simulator cuts a share of answers mid-body after acting on them."""
    sim = Simulation(small_config(faults=Faults(rate_cut=0.5, fault_requests=40)))
    sim.set_now(datetime(2026, 9, 1, 12, 5, tzinfo=UTC))
    slot = slot_of(sim.now())
    before = {i["id"] for i in sim.fleet.snapshot(slot)}
    creates = 6

    async def go(root: str) -> list[str]:
        async with FalClient(source(dialect, root=root), retry=FAST_RETRY) as client:
            made = [
                await client.create_instance("gpu_1x_h100_sxm5", ssh_key="ssh-ed25519 AAAA test")
                for _ in range(creates)
            ]
            return [m["id"] for m in made]

    with serving(sim) as root:
        ids = asyncio.run(go(root))
    after = {i["id"] for i in sim.fleet.snapshot(slot)}
    assert len(set(ids)) == creates
    assert after - before == set(ids)
