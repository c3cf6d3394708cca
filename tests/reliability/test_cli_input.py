"""Scenario 15: bad command-line input is refused before any request, with exit status 2.

tests/test_cli.py::test_bad_dates_exit_2_before_any_request covers an end before the start,
a far-future end, a start before the first partition (a 10-year range) and a word instead of
a date. Here: more malformed dates (also the other ISO 8601 forms Python 3.11 reads, such as
``20260801`` and ``2026-W31-1``: only YYYY-MM-DD is a day), today's (incomplete) day, proof
that the simulator saw no request and no warehouse was created, and the exit status of a
real process. ``falcost api``'s bad input is in tests/test_cli_api.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from pipelines.cli import main
from tests.reliability.harness import falcost, sync_env

TODAY = datetime.now(UTC).date()  # the CLI judges "complete day" by the real clock


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2026-02-30"], "'2026-02-30' is not a date (YYYY-MM-DD)"),
        (["--end", "2026-13-01"], "'2026-13-01' is not a date (YYYY-MM-DD)"),
        (["--start", ""], "'' is not a date (YYYY-MM-DD)"),
        (["--start", "2026-09-01'; drop table raw.usage_daily; --"], "is not a date"),
        (["--start", "20260801"], "'20260801' is not a date (YYYY-MM-DD)"),
        (["--end", "2026-W31-1"], "'2026-W31-1' is not a date (YYYY-MM-DD)"),
        (["--start", "2026-09-01T00:00"], "'2026-09-01T00:00' is not a date (YYYY-MM-DD)"),
        (["--start", "２０２６-０９-０１"], "is not a date (YYYY-MM-DD)"),  # full-width digits
        (["--end", TODAY.isoformat()], "is not a complete UTC day yet"),
        (["--start", TODAY.isoformat()], f"--start {TODAY} is after --end"),
        (["--start", "2016-01-01", "--end", "2026-01-01"], "is before the first partition"),
    ],
    ids=[
        "feb-30",
        "month-13",
        "empty",
        "sql",
        "basic-iso",
        "week-date",
        "a-time",
        "full-width",
        "today",
        "start-today",
        "ten-years",
    ],
)
def test_bad_dates_exit_2_with_one_error_line_and_nothing_sent(
    account, url, tmp_path, monkeypatch, args, message
):
    warehouse = tmp_path / "falcost.duckdb"
    for name, value in sync_env(url, warehouse, tmp_path / "home").items():
        monkeypatch.setenv(name, value)

    result = CliRunner().invoke(main, ["sync", *args])

    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert account.stats["requests"] == 0
    assert not warehouse.exists()


def test_a_real_process_exits_2_on_a_garbage_date(account, url, tmp_path):
    env = sync_env(url, tmp_path / "falcost.duckdb", tmp_path / "home")
    yesterday = (TODAY - timedelta(days=1)).isoformat()

    result = falcost("sync", "--start", "next tuesday", "--end", yesterday, env=env)

    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")] == [
        "Error: Invalid value for --start: 'next tuesday' is not a date (YYYY-MM-DD)"
    ]
    assert account.stats["requests"] == 0
