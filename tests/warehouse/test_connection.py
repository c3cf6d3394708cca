"""The one lock-wait policy (``warehouse.connection.lock_wait``); a real holder is waited out in
tests/test_cli.py (the sync's pre-check) and tests/reliability/test_contention.py (a load)."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.connection import lock_wait

LOCKED = (
    'IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held in '
    "/usr/bin/python3 (PID 4242)"
)


def test_a_lock_error_is_retried_within_the_budget_then_raised_naming_the_holder():
    waits = []

    def locked() -> None:
        raise duckdb.IOException(LOCKED)

    with pytest.raises(duckdb.IOException, match=r"\(PID 4242\)"):
        lock_wait(1.0, waits.append)(locked)

    assert [w.attempt for w in waits] == list(range(1, len(waits) + 1))
    assert waits[0].seconds == pytest.approx(0.1)
    assert max(w.seconds for w in waits) <= 0.1  # none longer than a tenth of the budget
    assert all("PID 4242" in str(w.error) for w in waits)
    assert sum(w.seconds for w in waits) <= 1.0  # the last wait ends with the budget


def test_another_error_is_raised_at_once_without_waiting():
    waits, calls = [], []

    def missing() -> None:
        calls.append(1)
        raise duckdb.IOException('Cannot open database "w.duckdb" in read-only mode')

    with pytest.raises(duckdb.IOException, match="read-only mode"):
        lock_wait(30, waits.append)(missing)

    assert calls == [1] and waits == []


def test_a_released_file_is_taken_on_the_next_try():
    attempts = []

    def free_on_the_third_try() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise duckdb.IOException(LOCKED)
        return "connection"

    assert lock_wait(5)(free_on_the_third_try) == "connection"
    assert len(attempts) == 3
