"""Helpers for the simulator's contract tests: an in-process client over ASGITransport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from pipelines.sim import (
    SIM_FAL_KEY,
    SIM_LOWCODE_TOKEN,
    Faults,
    SimConfig,
    Simulation,
    create_app,
)

TODAY = date(2026, 11, 25)
FAL = {"Authorization": f"Key {SIM_FAL_KEY}"}
TOKEN = {"api_token": SIM_LOWCODE_TOKEN}


class SimClient:
    """A ``Simulation`` plus its app, spoken to with ``httpx.AsyncClient`` + ``ASGITransport``.

    Each helper runs its requests inside one ``asyncio.run`` (no pytest-asyncio plugin).
    """

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.app = create_app(sim)

    def run(self, work: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
                return await work(client)

        return asyncio.run(main())

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.run(lambda client: client.request(method, url, **kwargs))

    def fal(self, path: str, params: Any = None, *, method: str = "GET", **kw: Any) -> Any:
        kw.setdefault("headers", FAL)
        return self.request(method, f"/v1{path}", params=params, **kw)

    def lowcode(self, path: str, params: Any = None, *, method: str = "GET", **kw: Any) -> Any:
        merged = [*TOKEN.items(), *_items(params)]
        return self.request(method, f"/falai/v1{path}", params=merged, **kw)

    def fal_pages(self, path: str, params: Any = None) -> list[dict[str, Any]]:
        """Every page of a cursor-paged fal list, following next_cursor."""

        async def work(client: httpx.AsyncClient) -> list[dict[str, Any]]:
            pages, cursor = [], None
            while True:
                query = _items(params) + ([("cursor", cursor)] if cursor else [])
                response = await client.get(f"/v1{path}", params=query, headers=FAL)
                assert response.status_code == 200, response.text
                pages.append(response.json())
                cursor = pages[-1]["next_cursor"]
                if cursor is None:
                    return pages
                assert len(pages) < 500, "pagination does not end"

        return self.run(work)

    @staticmethod
    def decimal_json(response: httpx.Response) -> Any:
        """The body with every JSON number read as ``Decimal``, digit for digit."""
        return json.loads(response.text, parse_float=Decimal, parse_int=Decimal)

    @staticmethod
    def series_items(body: dict[str, Any]) -> list[dict[str, Any]]:
        return [item for bucket in body["time_series"] for item in bucket["results"]]


def _items(params: Any) -> list[tuple[str, Any]]:
    if params is None:
        return []
    if isinstance(params, dict):
        out: list[tuple[str, Any]] = []
        for key, value in params.items():
            out.extend((key, v) for v in (value if isinstance(value, list) else [value]))
        return out
    return list(params)


@pytest.fixture
def make_client() -> Callable[..., SimClient]:
    """``make_client(**config)``: ``today`` defaults to TODAY; ``faults=`` takes Faults kwargs."""

    def make(faults: dict[str, Any] | None = None, **config: Any) -> SimClient:
        config.setdefault("today", TODAY)
        return SimClient(Simulation(SimConfig(faults=Faults(**(faults or {})), **config)))

    return make


@pytest.fixture
def client(make_client: Callable[..., SimClient]) -> SimClient:
    return make_client()
