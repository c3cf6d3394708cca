"""Opening the warehouse: every DuckDB connection falcost makes starts here.

- ``connect``: the plain session (UTC clock, no Python variables as tables); tests, benchmarks
  and the sync's pre-check (``pipelines.cli.guards.wait_for_warehouse``) use it.
- ``open_for_loads``: read-write, for the assets' loads and marts (``WarehouseResource``): a
  bounded cache and the current DDL.
- ``open_sandboxed``: read-only, for people's queries (``falcost sql``, ``falcost report``):
  the warehouse file and nothing else (``SANDBOX``).

DuckDB allows one writer process, and a file a writer holds cannot be opened by another
process at all. Each opener has a wait budget: while another process holds the file it waits
and tries again (``lock_wait``), and once the budget is spent DuckDB's own error, which names
the holder's program and pid, is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_delay,
    wait_exponential,
)

from warehouse import ensure_schema

FIRST_WAIT_SECONDS = 0.1
# DuckDB would otherwise keep up to 80 % of RAM as cache; loads and marts here are small, and a
# bounded cache keeps a year's backfill under 500 MB.
MEMORY_LIMIT = "256MB"
LOADS_CONFIG = {"custom_user_agent": "falcost"}
# A session for people's queries touches the warehouse file and nothing else: no other file
# read or written (COPY ... TO, EXPORT DATABASE, read_csv('/etc/passwd'), ATTACH), no extension
# installed or loaded (INSTALL/LOAD, or DuckDB fetching one on its own), and, once the session
# is set up, no setting changed back (lock_configuration).
SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
}


class LockWait(NamedTuple):
    """One wait for another process to release the file, as told to ``on_wait``."""

    error: duckdb.IOException  # DuckDB's message names the holder's program and pid
    seconds: float  # the wait about to start
    attempt: int  # 1 for the first wait


OnWait = Callable[[LockWait], object]


def is_locked(exc: BaseException) -> bool:
    """Whether DuckDB refused the file because another process holds it."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def lock_wait(budget_s: float, on_wait: OnWait | None = None) -> Retrying:
    """The one lock-wait policy: try again while the file is locked, ``budget_s`` in all.

    Waits double from 0.1 s, none longer than a tenth of the budget (a released file is
    noticed soon), and the last one ends when the budget does; then the last lock error is
    raised. Any other error is raised at once. ``on_wait`` is told before each wait.
    """
    backoff = wait_exponential(
        multiplier=FIRST_WAIT_SECONDS, max=max(budget_s / 10, FIRST_WAIT_SECONDS)
    )

    def wait(state: RetryCallState) -> float:
        return max(0.0, min(backoff(state), budget_s - state.seconds_since_start))

    def before_sleep(state: RetryCallState) -> None:
        if on_wait is not None:
            on_wait(
                LockWait(state.outcome.exception(), state.next_action.sleep, state.attempt_number)
            )

    return Retrying(
        retry=retry_if_exception(is_locked),
        wait=wait,
        stop=stop_after_delay(budget_s),
        before_sleep=before_sleep,
        reraise=True,
    )


def _open(
    path: str | Path,
    *,
    read_only: bool,
    config: dict[str, Any],
    wait_s: float,
    on_wait: OnWait | None,
    settings: tuple[str, ...] = (),
) -> duckdb.DuckDBPyConnection:
    for attempt in lock_wait(wait_s, on_wait):
        with attempt:
            con = duckdb.connect(str(path), read_only=read_only, config=config)
    try:
        con.execute("set TimeZone = 'UTC'")  # days derive from UTC instants
        # Only registered frames are visible to SQL, never a Python variable that shares a name.
        con.execute("set python_enable_replacements = false")
        for setting in settings:
            con.execute(setting)
    except BaseException:
        con.close()
        raise
    return con


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    wait_s: float = 0.0,
    on_wait: OnWait | None = None,
) -> duckdb.DuckDBPyConnection:
    """The warehouse with the plain session settings, waiting up to ``wait_s`` for a holder."""
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return _open(path, read_only=read_only, config={}, wait_s=wait_s, on_wait=on_wait)


def open_for_loads(
    path: str | Path, *, wait_s: float, on_wait: OnWait | None = None
) -> duckdb.DuckDBPyConnection:
    """The warehouse read-write, with the current DDL applied and a bounded cache."""
    Path(path).absolute().parent.mkdir(parents=True, exist_ok=True)
    con = _open(
        path,
        read_only=False,
        config=LOADS_CONFIG,
        wait_s=wait_s,
        on_wait=on_wait,
        settings=(f"set memory_limit = '{MEMORY_LIMIT}'",),
    )
    try:
        ensure_schema(con)
    except BaseException:
        con.close()
        raise
    return con


def open_sandboxed(
    path: str | Path, *, wait_s: float, on_wait: OnWait | None = None
) -> duckdb.DuckDBPyConnection:
    """The warehouse read-only, touching nothing else (``SANDBOX``); settings locked."""
    return _open(
        path,
        read_only=True,
        config=SANDBOX,
        wait_s=wait_s,
        on_wait=on_wait,
        settings=("set lock_configuration = true",),
    )
