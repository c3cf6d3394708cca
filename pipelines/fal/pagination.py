"""Page loops by the spec's rules, not by one server's habits, guarded against servers that spin.

fal pages with an opaque ``next_cursor`` (API.md §1.2); LowCodeAPI documents ``limit``/``offset``
for its lists (LOWCODEAPI.md). Servers differ in what they send on each page, so one rule table
decides for both schemes, on the body after the proxy's ``{message, provider, result}`` envelope
is taken off (wrapped and bare bodies read alike). A *cursor* below is a non-empty string;
``null``, ``""`` and an absent key are all "no cursor"; ``has_more`` absent or ``null`` is
"unknown". The page is *full* when it holds at least ``limit`` items.

=========  ===========  ==========================  ========================================
has_more   next_cursor  cursor list                 offset list
=========  ===========  ==========================  ========================================
false      any          end                         end
true       cursor       follow the cursor           follow the cursor (offset is dropped)
true       none         error: cannot continue      next offset; error on an empty page
unknown    cursor       follow the cursor           follow the cursor
unknown    none         end (null cursor = no more) full page: next offset; else end
=========  ===========  ==========================  ========================================

``has_more: true`` is never overruled by a missing cursor: a cursor list that says there is more
but gives no way to ask for it fails naming the path instead of passing as complete. An offset
list whose page is full asks once more even when the server says nothing: an empty answer costs
one request, a missed page loses data.

Guards, each an error naming the path: a cursor seen before, a non-empty page identical to an
earlier one (a server ignoring ``offset`` or looping with fresh cursors), ``MAX_EMPTY_RUN`` empty
pages in a row that still say there is more, more than ``max_pages`` pages, and more than the
retry policy's ``max_list_seconds`` for the whole list. A progress line is logged every
``PROGRESS_EVERY`` pages.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from pipelines.fal.errors import FalResponseError
from pipelines.fal.session import ApiSession, QueryParams

log = logging.getLogger("pipelines.fal")

DEFAULT_MAX_PAGES = 10_000
MAX_EMPTY_RUN = 25
PROGRESS_EVERY = 200

Scheme = Literal["cursor", "offset"]


@dataclass(frozen=True)
class Next:
    """What to ask for after a page: ``cursor`` or ``offset`` set, or ``end``."""

    cursor: str | None = None
    offset: int | None = None
    end: bool = False


END = Next(end=True)


def page_markers(body: dict[str, Any], where: str) -> tuple[bool | None, str | None]:
    """``has_more`` (None when absent or null) and the cursor (None when null, empty or absent)."""
    has_more = body.get("has_more")
    if has_more is not None and not isinstance(has_more, bool):
        raise FalResponseError(f"{where}: 'has_more' is not a boolean ({has_more!r})")
    cursor = body.get("next_cursor")
    if isinstance(cursor, int) and not isinstance(cursor, bool):
        cursor = str(cursor)  # a page number sent as a number: still a token to send back
    if cursor is not None and not isinstance(cursor, str):
        raise FalResponseError(f"{where}: 'next_cursor' is not a string ({cursor!r})")
    return has_more, cursor or None


def next_step(
    scheme: Scheme,
    has_more: bool | None,
    cursor: str | None,
    *,
    items: int,
    limit: int,
    offset: int,
    where: str,
) -> Next:
    """Apply the rule table of this module to one page. ``offset`` counts items so far."""
    if has_more is False:
        return END
    if cursor is not None:
        return Next(cursor=cursor)
    if scheme == "cursor":
        if has_more:
            raise FalResponseError(
                f"{where}: the server says there is more (has_more: true) but sent no "
                "next_cursor to ask for it; stopping rather than loading part of the list"
            )
        return END
    if has_more or items >= limit:
        if items == 0:
            if not has_more:
                return END
            raise FalResponseError(
                f"{where}: an empty page says there is more (has_more: true) but gives no "
                "cursor, and the offset cannot advance; stopping"
            )
        return Next(offset=offset)
    return END


def _brief(item: Any) -> Any:
    """An item, or for a time-series bucket its stamp, size and end items (not every result)."""
    if isinstance(item, dict) and isinstance(item.get("results"), list) and item["results"]:
        results = item["results"]
        return [item.get("bucket"), len(results), results[0], results[-1]]
    return item


def _fingerprint(items: list[Any]) -> str:
    """Cheap identity of a page: its size and its first and last items."""
    ends = [len(items), _brief(items[0]), _brief(items[-1])]
    return json.dumps(ends, sort_keys=True, default=str)


async def pages(
    session: ApiSession,
    path: str,
    params: QueryParams,
    *,
    collection: str,
    scheme: Scheme = "cursor",
    limit: int | None = None,
    what: str = "",
    max_pages: int = DEFAULT_MAX_PAGES,
) -> AsyncIterator[dict[str, Any]]:
    """Yield every page of a list, other params identical on each page.

    ``limit`` is sent on every page when given (an offset list needs it to know a full page).
    The list's time budget is the session retry policy's ``max_list_seconds``. Raises
    ``FalResponseError`` when a guard of this module trips.
    """
    if scheme == "offset" and not limit:
        raise ValueError("an offset list needs a page size")
    base = params + ([("limit", limit)] if limit else [])
    name = f"GET {path}" + (f" ({what})" if what else "")
    step = Next(offset=0) if scheme == "offset" else Next()
    cursors: set[str] = set()
    prints: set[str] = set()
    received = empty_run = 0
    max_seconds = session.retry.max_list_seconds
    started = time.monotonic()
    for page in range(1, max_pages + 1):
        if step.cursor is not None:
            query = base + [("cursor", step.cursor)]
        elif step.offset is not None:
            query = base + [("offset", step.offset)]
        else:
            query = base
        where = f"{name} page {page}"
        label = f"{what} page {page}".strip()
        body = await session.request_json("GET", path, params=query, what=label)
        if not isinstance(body, dict):
            raise FalResponseError(f"{where}: expected a JSON object, got {type(body).__name__}")
        items = body.get(collection)
        if not isinstance(items, list):
            raise FalResponseError(f"{where}: the answer has no '{collection}' list")
        if items:
            empty_run = 0
            mark = _fingerprint(items)
            if mark in prints:
                raise FalResponseError(
                    f"{where} repeats an earlier page (the server ignores the page asked for, "
                    "or loops); stopping"
                )
            prints.add(mark)
        else:
            empty_run += 1
        yield body
        received += len(items)
        has_more, cursor = page_markers(body, where)
        step = next_step(
            scheme, has_more, cursor, items=len(items), limit=limit or 0, offset=received,
            where=where,
        )  # fmt: skip
        if step.end:
            return
        if step.cursor is not None:
            if step.cursor in cursors:
                raise FalResponseError(
                    f"{name}: page cursor repeated after {page} pages; the server is looping, "
                    "stopping"
                )
            cursors.add(step.cursor)
        if empty_run >= MAX_EMPTY_RUN:
            raise FalResponseError(
                f"{name}: {empty_run} empty pages in a row still say there is more; "
                "the list does not end, stopping"
            )
        elapsed = time.monotonic() - started
        if elapsed > max_seconds:
            raise FalResponseError(
                f"{name}: still paging after {elapsed:.0f} s and {page} pages "
                f"(the list budget is {max_seconds:.0f} s); stopping"
            )
        if page % PROGRESS_EVERY == 0:
            log.warning("%s: %d pages, %d items so far, still going", name, page, received)
    raise FalResponseError(f"{name}: more than {max_pages} pages; stopping")
