"""Limits every request has: a whole-request deadline, a cap on the answer's size, and a
redirect reported as one (not as a body that is not JSON)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pipelines.fal import (
    FalClient,
    FalResponseError,
    FalStatusError,
    FalTransportError,
    RetryPolicy,
)
from pipelines.sim import Simulation
from pipelines.sim.server import serve_app
from tests.conftest import small_config
from tests.fal.helpers import FAST_RETRY, make_client, source


async def trickle(scope, receive, send) -> None:
    """An ASGI app that promises 20 bytes and sends one every 0.1 s."""
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"20")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    for _ in range(20):
        await send({"type": "http.response.body", "body": b" ", "more_body": True})
        await asyncio.sleep(0.1)


def test_an_answer_that_trickles_is_cut_off_at_the_request_deadline():
    policy = RetryPolicy(max_attempts=2, backoff_base=0.001, max_backoff=0.01, request_deadline=0.5)

    async def go(root: str) -> None:
        async with FalClient(source("fal", root=root), retry=policy) as client:
            await client.models()

    with serve_app(trickle) as root, pytest.raises(FalTransportError) as failure:
        asyncio.run(go(root))
    assert "GET /models" in str(failure.value)
    assert "no complete answer within 0.5 s (the request deadline)" in str(failure.value)


def test_an_answer_over_the_size_cap_fails_naming_path_and_limit():
    sim = Simulation(small_config())

    async def go() -> None:
        async with make_client(sim, model_page_size=100) as client:
            client.session.max_body_bytes = 2_000
            await client.models()

    with pytest.raises(FalResponseError, match=r"GET /models .*over the 2,000-byte limit"):
        asyncio.run(go())


def test_a_streamed_answer_without_a_length_is_capped_too():
    async def chunks():
        for _ in range(10):
            yield b" " * 1000

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks(), headers={"content-type": "application/json"})

    async def go() -> None:
        transport = httpx.MockTransport(handler)
        async with FalClient(source(), transport=transport, retry=FAST_RETRY) as client:
            client.session.max_body_bytes = 5_000
            await client.models()

    with pytest.raises(FalResponseError, match="passed 5,000 bytes, the limit on one response"):
        asyncio.run(go())


def test_a_redirect_is_reported_as_a_redirect_without_its_query():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://login.example/sso?token=abc"})

    async def go() -> None:
        transport = httpx.MockTransport(handler)
        async with FalClient(source(), transport=transport, retry=FAST_RETRY) as client:
            await client.models()

    with pytest.raises(FalStatusError) as failure:
        asyncio.run(go())
    message = str(failure.value)
    assert message.startswith("'302 Found' for GET /models")
    assert "redirected to https://login.example/sso; check the base URL" in message
    assert "token" not in message
