"""Page loops for both schemes, each guarded so a misbehaving server cannot make them spin.

fal pages with an opaque ``next_cursor`` (loop until it is null); LowCodeAPI's documented list
paging is ``limit``/``offset`` (the end is a short page, or ``has_more``/``next_cursor`` saying so).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pipelines.fal.errors import FalResponseError
from pipelines.fal.session import ApiSession, QueryParams

DEFAULT_MAX_PAGES = 10_000


def _page_body(body: Any, path: str, page: int, collection: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise FalResponseError(f"GET {path} page {page}: expected a JSON object")
    if collection not in body:
        raise FalResponseError(f"GET {path} page {page}: the answer has no '{collection}' field")
    return body


async def cursor_pages(
    session: ApiSession,
    path: str,
    params: QueryParams,
    *,
    collection: str,
    what: str = "",
    max_pages: int = DEFAULT_MAX_PAGES,
) -> AsyncIterator[dict[str, Any]]:
    """Yield every page of a cursor-paged list, with the other params identical on each page.

    Raises ``FalResponseError`` on a cursor seen before or past ``max_pages`` pages.
    """
    cursor: str | None = None
    seen: set[str] = set()
    for page in range(1, max_pages + 1):
        query = params + ([("cursor", cursor)] if cursor else [])
        label = f"{what} page {page}".strip()
        body = _page_body(
            await session.request_json("GET", path, params=query, what=label),
            path,
            page,
            collection,
        )
        yield body
        cursor = body.get("next_cursor")
        if not cursor or body.get("has_more") is False:
            return
        if cursor in seen:
            raise FalResponseError(
                f"GET {path}: page cursor repeated after {page} pages ({what or 'list'}); "
                "the server is looping, stopping"
            )
        seen.add(cursor)
    raise FalResponseError(f"GET {path}: more than {max_pages} pages ({what or 'list'}); stopping")


async def offset_pages(
    session: ApiSession,
    path: str,
    params: QueryParams,
    *,
    collection: str,
    id_field: str,
    page_size: int,
    what: str = "",
    max_pages: int = DEFAULT_MAX_PAGES,
) -> AsyncIterator[dict[str, Any]]:
    """Yield every page of a ``limit``/``offset`` list.

    Raises ``FalResponseError`` when a page starts with an item already seen (the server ignores
    ``offset``) or past ``max_pages`` pages.
    """
    offset = 0
    first_ids: set[Any] = set()
    for page in range(1, max_pages + 1):
        query = params + [("limit", page_size), ("offset", offset)]
        label = f"{what} page {page}".strip()
        body = _page_body(
            await session.request_json("GET", path, params=query, what=label),
            path,
            page,
            collection,
        )
        items = body[collection]
        if items and isinstance(items[0], dict):
            first = items[0].get(id_field)
            if first in first_ids:
                raise FalResponseError(
                    f"GET {path}: page {page} repeats an earlier page (offset ignored?); stopping"
                )
            first_ids.add(first)
        yield body
        at_end = (
            len(items) < page_size
            or body.get("has_more") is False
            or ("next_cursor" in body and body["next_cursor"] is None)
        )
        if at_end:
            return
        offset += len(items)
    raise FalResponseError(f"GET {path}: more than {max_pages} pages ({what or 'list'}); stopping")
