"""Scenarios 5 and 6: answers that are not the JSON they claim to be, and lists that never end.

The client-level versions are in tests/fal/test_client.py
(test_malformed_json_names_the_path_and_page,
test_an_html_page_with_status_200_is_not_taken_for_data,
test_a_looping_cursor_stops_with_a_clear_error, test_a_page_cap_stops_an_endless_list, and
tests/fal/test_pagination.py);
here the usage job runs over a synced warehouse.
"""

from __future__ import annotations

import re

from pipelines.fal.pagination import MAX_EMPTY_RUN
from pipelines.sim import Faults
from tests.reliability.harness import fails_cleanly_then_heals, quick_fal

WINDOW = r"usage 2026-09-0\d\.\.2026-09-0\d"


def test_a_truncated_json_body_fails_the_days_naming_path_and_page(account, url, synced):
    truncated = Faults(malformed_json_paths=("/models/usage",))

    [failures] = fails_cleanly_then_heals(account, url, synced, truncated)

    assert list(failures) == ["raw__usage_daily"]
    pattern = rf"malformed JSON in the answer to GET /models/usage \({WINDOW} page 1\)"
    assert re.search(pattern, failures["raw__usage_daily"])


def test_an_html_page_with_200_fails_the_days_naming_path_and_page(account, url, synced):
    html = Faults(html_200_paths=("/models/usage",))

    [failures] = fails_cleanly_then_heals(account, url, synced, html)

    pattern = rf"GET /models/usage \({WINDOW} page 1\) answered 200 with text/html instead of JSON"
    assert re.search(pattern, failures["raw__usage_daily"])


def test_a_repeating_cursor_fails_the_days_instead_of_looping(account, url, synced):
    looping = Faults(looping_cursor_paths=("/models/usage",))

    [failures] = fails_cleanly_then_heals(account, url, synced, looping)

    pattern = rf"GET /models/usage \({WINDOW}\): page cursor repeated after 2 pages"
    assert re.search(pattern, failures["raw__usage_daily"])


def test_an_endless_list_stops_long_before_the_page_cap(account, url, synced):
    """Fresh cursors and has_more: true forever, with nothing on the pages past the data."""
    endless = Faults(endless_cursor_paths=("/models/usage",))

    [failures] = fails_cleanly_then_heals(account, url, synced, endless, fal=quick_fal(url))

    pattern = rf"GET /models/usage \({WINDOW}\): {MAX_EMPTY_RUN} empty pages in a row"
    assert re.search(pattern, failures["raw__usage_daily"])
    # three windows of data pages plus the empty run each, then the healing re-run
    assert account.stats["/v1/models/usage"] <= 3 * (MAX_EMPTY_RUN + 2) + 3


def test_a_page_cap_still_bounds_a_list(account, url, synced):
    endless = Faults(endless_cursor_paths=("/models/usage",))

    [failures] = fails_cleanly_then_heals(
        account, url, synced, endless, fal=quick_fal(url, max_pages=5)
    )

    pattern = rf"GET /models/usage \({WINDOW}\): more than 5 pages; stopping"
    assert re.search(pattern, failures["raw__usage_daily"])
