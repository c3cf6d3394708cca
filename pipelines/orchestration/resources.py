"""Dagster resources: the fal Platform API client and the DuckDB warehouse.

Resources are chosen once, from the environment, in ``from_environment``; secrets enter only as
``dg.EnvVar`` so they are never written into run config, the UI or the event log.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, TypeVar

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field, PrivateAttr

from pipelines import accounts, settings
from pipelines.fal import FalClient
from pipelines.fal.background import BackgroundSession
from pipelines.fetches import Fetch
from pipelines.orchestration.partitions import ACCOUNT_NAMES
from pipelines.sources import account_client, make_client
from warehouse.combine import refuse_mismatch
from warehouse.connection import LockWait, open_for_loads

T = TypeVar("T")
# How long a load or mart waits for another process to release the warehouse (as long as
# dagster-duckdb's own retries); the sync waits 30 s before its run starts (cli.guards).
LOCK_WAIT_SECONDS = 100.0


def run_assets(run: dg.DagsterRun, instance: dg.DagsterInstance | None) -> set[str]:
    """The asset keys ("raw/models", …) a run materializes: its selection, else its plan's."""
    if run.asset_selection:
        return {key.to_user_string() for key in run.asset_selection}
    if instance is None or run.execution_plan_snapshot_id is None:
        return set()
    plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    wanted = set(plan.step_keys_to_execute or ())
    return {
        output.properties.asset_key.to_user_string()
        for step in plan.steps
        if not wanted or step.key in wanted
        for output in step.outputs
        if output.properties and output.properties.asset_key
    }


class FalPlatformResource(dg.ConfigurableResource):
    """The fal Platform API: the real one (``fal``), the LowCodeAPI proxy, or the simulator."""

    source: str = Field(default="simulator", description="fal, lowcodeapi or simulator")
    fal_key: str | None = Field(default=None, repr=False, description="fal ADMIN key (EnvVar)")
    fal_base_url: str = settings.DEFAULT_FAL_BASE_URL
    lowcodeapi_token: str | None = Field(default=None, repr=False, description="(EnvVar)")
    lowcodeapi_base_url: str = settings.DEFAULT_LOWCODEAPI_BASE_URL
    max_in_flight: int = Field(default=settings.DEFAULT_MAX_IN_FLIGHT, ge=1)
    window_days: int = Field(default=90, ge=1, description="longest range per usage request")
    simulator_seed: int = settings.DEFAULT_SIMULATOR_SEED
    warehouse_path: str | None = Field(
        default=None,
        description="the warehouse file, read at the start of a run so prices and analytics "
        "can be asked for as soon as the new listing arrives (see pipelines.prefetch)",
    )
    _session: BackgroundSession | None = PrivateAttr(default=None)
    _started: dict[str, Future] = PrivateAttr(default_factory=dict)
    _account: accounts.Account | None = PrivateAttr(default=None)  # set per run (accounts file)

    def __repr__(self) -> str:
        return f"FalPlatformResource(source={self.source!r}, max_in_flight={self.max_in_flight})"

    __str__ = __repr__

    def client(self, progress: Callable[[str], None] | None = None) -> FalClient:
        """A new client for this source, or for the run's account of the accounts file (use as
        ``async with``); raises ``FalConfigError``."""
        if self._account is not None:
            return account_client(self._account, progress=progress)
        return make_client(
            self.source,
            fal_key=self.fal_key,
            fal_base_url=self.fal_base_url,
            lowcodeapi_token=self.lowcodeapi_token,
            lowcodeapi_base_url=self.lowcodeapi_base_url,
            max_in_flight=self.max_in_flight,
            window_days=self.window_days,
            simulator_seed=self.simulator_seed,
            progress=progress,
        )

    def run(
        self,
        work: Callable[[FalClient], Awaitable[T]],
        progress: Callable[[str], None] | None = None,
    ) -> tuple[T, dict[str, int]]:
        """Run ``work`` with a fresh client on its own event loop; return its result and stats."""

        async def go() -> tuple[T, dict[str, int]]:
            async with self.client(progress) as client:
                result = await work(client)
                return result, client.stats

        return asyncio.run(go())

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Open the run's one API session and start every fetch its raw assets will make."""
        run = context.run
        if run is None:
            return
        latest = context.instance.get_run_by_id(run.run_id) if context.instance else None
        if latest is not None and latest.is_finished:
            return  # resources set up again after the run (e.g. for its hooks): nothing to fetch
        from pipelines.prefetch import adopt, run_window, start_fetches

        name = accounts.run_account(run.tags)
        self._account = accounts.named(name) if name else None
        path = self.loads_path(name)
        selected, window = run_assets(run, context.instance), run_window(run.tags)
        early = adopt(selected, window, path, name)
        if early is not None:  # ``falcost sync`` started them before Dagster was imported
            early.session.client.progress = context.log.info
            self._session, self._started = early.session, early.started
            return
        self._session = BackgroundSession(self.client(progress=context.log.info)).__enter__()
        self._started = start_fetches(self._session, selected, window, path)

    def loads_path(self, account: str | None) -> str | None:
        """The file the run's loads write: the warehouse, or the account's own file."""
        if account is None or self.warehouse_path is None:
            return self.warehouse_path
        return accounts.staging_path(self.warehouse_path, account)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._session is not None:
            self._session.__exit__(None, None, None)
            self._session, self._started = None, {}

    def fetch(
        self, fetch: Fetch, progress: Callable[[str], None] | None = None
    ) -> tuple[Any, dict[str, int]]:
        """``fetch``'s result and request counts: taken from the run's session when it was
        started there for the very same question, else fetched now (on that session, if any)."""
        from pipelines.prefetch import keyed

        started = self._started.pop(fetch.key[0], None)
        if started is not None:
            (key, result), counts = started.result()
            if key == fetch.key:
                return result, counts
            dg.get_dagster_logger().info(
                f"{fetch.key[0]}: the run started a different question; asking anew"
            )
        if self._session is not None:
            (_, result), counts = self._session.submit(keyed(fetch)).result()
            return result, counts
        return self.run(fetch.work, progress)


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse file, opened for loads (``warehouse.connection.open_for_loads``).

    While another process holds the file, the connection waits up to ``LOCK_WAIT_SECONDS``,
    logging each wait with DuckDB's message, which names the holder. The connection is closed
    on every exit (``DuckDBResource`` leaves it open when the body raises).

    With an accounts file, a run's raw tables and marts go to its account's own file
    (``pipelines.accounts.staging_path``): ``get_connection`` opens that one, and
    ``get_team_connection`` the warehouse every account is combined into.
    """

    _staging: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        name = accounts.run_account(context.run.tags) if context.run else None
        self._staging = accounts.staging_path(self.database, name) if name else None

    @property
    def loads_path(self) -> str:
        """The file this run loads: its account's own, or the warehouse for one account."""
        if self._staging is None and ACCOUNT_NAMES:  # as the code location saw them
            raise accounts.AccountsError(
                "with an accounts file, a run that loads names its account: run falcost sync, "
                f"a schedule, or a partition of one account (or tag the run {accounts.ACCOUNT_TAG})"
            )
        return self._staging or self.database

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with _opened(self.loads_path) as con:
            if self._staging is None:  # one account: never into a warehouse of several
                refuse_mismatch(con, self.database, several=False)
            yield con

    @contextmanager
    def get_team_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with _opened(self.database) as con:
            yield con


@contextmanager
def _opened(path: str) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_for_loads(path, wait_s=LOCK_WAIT_SECONDS, on_wait=_log_lock_wait)
    try:
        yield con
    finally:
        con.close()


def _log_lock_wait(wait: LockWait) -> None:
    dg.get_dagster_logger().warning(
        f"warehouse busy, retrying in {wait.seconds:.1f} s: {wait.error}"
    )


def from_environment(env: Mapping[str, str] = os.environ) -> dict[str, dg.ConfigurableResource]:
    """Pick the source and the warehouse from the environment (CONTRACT.md's variables)."""
    source = settings.source_name(env)
    fal = FalPlatformResource(
        source=source,
        fal_key=dg.EnvVar(settings.FAL_KEY) if env.get(settings.FAL_KEY) else None,
        fal_base_url=env.get(settings.FAL_API_BASE_URL) or settings.DEFAULT_FAL_BASE_URL,
        lowcodeapi_token=(
            dg.EnvVar(settings.LOWCODEAPI_TOKEN) if env.get(settings.LOWCODEAPI_TOKEN) else None
        ),
        lowcodeapi_base_url=(
            env.get(settings.LOWCODEAPI_BASE_URL) or settings.DEFAULT_LOWCODEAPI_BASE_URL
        ),
        max_in_flight=settings.int_setting(
            env, settings.MAX_IN_FLIGHT, settings.DEFAULT_MAX_IN_FLIGHT
        ),
        simulator_seed=settings.int_setting(
            env, settings.SIMULATOR_SEED, settings.DEFAULT_SIMULATOR_SEED
        ),
        warehouse_path=settings.warehouse_path(env),
    )
    return {"fal": fal, "warehouse": WarehouseResource(database=settings.warehouse_path(env))}
