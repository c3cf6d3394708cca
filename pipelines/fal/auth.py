"""httpx auth for both dialects; neither shows its secret in ``repr``."""

from __future__ import annotations

from collections.abc import Generator

import httpx


class KeyAuth(httpx.Auth):
    """fal's scheme: ``Authorization: Key <key_id:key_secret>``."""

    def __init__(self, key: str) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Key {self._key}"
        yield request

    def __repr__(self) -> str:
        return "KeyAuth(key=***)"


class QueryTokenAuth(httpx.Auth):
    """LowCodeAPI's scheme: the token travels as the ``api_token`` query parameter."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = request.url.copy_merge_params({"api_token": self._token})
        yield request

    def __repr__(self) -> str:
        return "QueryTokenAuth(token=***)"
