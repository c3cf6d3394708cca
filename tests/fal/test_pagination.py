"""The page-loop rule table (``pipelines.fal.pagination``), row by row, over real httpx.

A scripted server answers the first page with the markers under test; if the client asks again,
the second page is short and says it is the last. Each row states the outcome the spec's rules
give: ``end`` (one request), ``cursor`` or ``offset`` (a second request carrying that), or
``error`` (the list fails naming its path, instead of passing as complete).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from pipelines.fal import FalResponseError, RetryPolicy, Source
from pipelines.fal.pagination import MAX_EMPTY_RUN, pages
from pipelines.fal.session import ApiSession

LIMIT = 4
PATH = "/things"
TOKEN = "Mg=="

RULES = """
cursor  false   value   full    end
cursor  false   value   short   end
cursor  false   value   empty   end
cursor  false   null    full    end
cursor  false   null    short   end
cursor  false   null    empty   end
cursor  false   absent  full    end
cursor  false   absent  short   end
cursor  false   absent  empty   end
cursor  true    value   full    cursor
cursor  true    value   short   cursor
cursor  true    value   empty   cursor
cursor  true    null    full    error
cursor  true    null    short   error
cursor  true    null    empty   error
cursor  true    absent  full    error
cursor  true    absent  short   error
cursor  true    absent  empty   error
cursor  absent  value   full    cursor
cursor  absent  value   short   cursor
cursor  absent  value   empty   cursor
cursor  absent  null    full    end
cursor  absent  null    short   end
cursor  absent  null    empty   end
cursor  absent  absent  full    end
cursor  absent  absent  short   end
cursor  absent  absent  empty   end
offset  false   value   full    end
offset  false   value   short   end
offset  false   value   empty   end
offset  false   null    full    end
offset  false   null    short   end
offset  false   null    empty   end
offset  false   absent  full    end
offset  false   absent  short   end
offset  false   absent  empty   end
offset  true    value   full    cursor
offset  true    value   short   cursor
offset  true    value   empty   cursor
offset  true    null    full    offset
offset  true    null    short   offset
offset  true    null    empty   error
offset  true    absent  full    offset
offset  true    absent  short   offset
offset  true    absent  empty   error
offset  absent  value   full    cursor
offset  absent  value   short   cursor
offset  absent  value   empty   cursor
offset  absent  null    full    offset
offset  absent  null    short   end
offset  absent  null    empty   end
offset  absent  absent  full    offset
offset  absent  absent  short   end
offset  absent  absent  empty   end
"""
ROWS = [tuple(line.split()) for line in RULES.strip().splitlines()]
SIZES = {"full": LIMIT, "short": LIMIT - 1, "empty": 0}


def wrap(body: dict[str, Any], wrapped: bool) -> dict[str, Any]:
    return (
        {"message": "Request completed", "provider": "falai", "result": body} if wrapped else body
    )


class Script:
    """Answers GET /things: the first page as told, then one short last page."""

    def __init__(self, first: dict[str, Any], wrapped: bool) -> None:
        self.first, self.wrapped = first, wrapped
        self.queries: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.queries.append(dict(request.url.params))
        if len(self.queries) == 1:
            body = self.first
        else:
            body = {"items": [{"id": "last"}], "next_cursor": None, "has_more": False}
        return httpx.Response(200, json=wrap(body, self.wrapped))


def first_page(has_more: str, cursor: str, fill: str) -> dict[str, Any]:
    body: dict[str, Any] = {"items": [{"id": f"a{i}"} for i in range(SIZES[fill])]}
    if has_more != "absent":
        body["has_more"] = has_more == "true"
    if cursor != "absent":
        body["next_cursor"] = TOKEN if cursor == "value" else None
    return body


def collect(handler, scheme: str = "cursor", retry: RetryPolicy | None = None, **options) -> list:
    source = Source("simulator", "fal", "http://127.0.0.1/v1", "id:secret")

    async def go() -> list:
        transport = httpx.MockTransport(handler)
        async with ApiSession(source, transport=transport, retry=retry) as session:
            limit = options.pop("limit", LIMIT)
            found = []
            async for body in pages(
                session, PATH, [], collection="items", scheme=scheme, limit=limit, **options
            ):
                found.extend(item["id"] for item in body["items"])
            return found

    return asyncio.run(go())


@pytest.mark.parametrize("wrapped", [False, True], ids=["bare", "wrapped"])
@pytest.mark.parametrize(("scheme", "has_more", "cursor", "fill", "outcome"), ROWS)
def test_rule_table(scheme, has_more, cursor, fill, outcome, wrapped):
    first = first_page(has_more, cursor, fill)
    script = Script(first, wrapped)
    if outcome == "error":
        with pytest.raises(FalResponseError, match=f"GET {PATH}"):
            collect(script, scheme)
        assert len(script.queries) == 1
        return
    found = collect(script, scheme)
    first_ids = [item["id"] for item in first["items"]]
    if outcome == "end":
        assert len(script.queries) == 1 and found == first_ids
        return
    assert len(script.queries) == 2 and found == [*first_ids, "last"]
    second = script.queries[1]
    assert second["limit"] == str(LIMIT)
    if outcome == "cursor":
        assert second["cursor"] == TOKEN and "offset" not in second
    else:
        assert second["offset"] == str(SIZES[fill]) and "cursor" not in second


class OffsetServer:
    """An offset list of ``total`` items whose pages say ``has_more`` but never a cursor."""

    def __init__(self, total: int) -> None:
        self.total, self.requests = total, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        chunk = [{"id": i} for i in range(offset, min(offset + limit, self.total))]
        more = offset + limit < self.total
        return httpx.Response(200, json={"items": chunk, "next_cursor": None, "has_more": more})


def test_a_null_cursor_does_not_end_an_offset_list_that_has_more():
    server = OffsetServer(230)
    found = collect(server, "offset", limit=100)
    assert found == list(range(230)) and server.requests == 3


def test_a_page_repeated_with_a_fresh_cursor_is_an_error_not_more_data():
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        page = {"items": [{"id": 1}, {"id": 2}], "next_cursor": f"c{count}", "has_more": True}
        return httpx.Response(200, json=page)

    with pytest.raises(FalResponseError, match="repeats an earlier page"):
        collect(handler)
    assert count == 2


def test_an_offset_the_server_ignores_is_caught_on_the_second_page():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [{"id": i} for i in range(LIMIT)]})

    with pytest.raises(FalResponseError, match="repeats an earlier page"):
        collect(handler, "offset")


def test_endless_empty_pages_stop_long_before_the_page_cap():
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        return httpx.Response(200, json={"items": [], "next_cursor": f"c{count}", "has_more": True})

    with pytest.raises(FalResponseError, match=f"{MAX_EMPTY_RUN} empty pages in a row"):
        collect(handler)
    assert count == MAX_EMPTY_RUN


def test_a_list_past_its_time_budget_stops_naming_the_path():
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        page = {"items": [{"id": count}], "next_cursor": f"c{count}", "has_more": True}
        return httpx.Response(200, json=page)

    with pytest.raises(FalResponseError, match=r"GET /things: still paging .* list budget is 0 s"):
        collect(handler, retry=RetryPolicy(max_list_seconds=0))
    assert count == 1


def test_a_cursor_seen_before_is_a_loop():
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        body = {"items": [{"id": count}], "next_cursor": "same", "has_more": True}
        return httpx.Response(
            200, content=json.dumps(body), headers={"content-type": "application/json"}
        )

    with pytest.raises(FalResponseError, match="cursor repeated"):
        collect(handler)
    assert count == 2


@pytest.mark.parametrize("value", ["yes", 1, [True]])
def test_a_has_more_that_is_not_a_boolean_is_refused(value):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [], "has_more": value})

    with pytest.raises(FalResponseError, match="'has_more' is not a boolean"):
        collect(handler)
