"""Environment variable names and non-secret defaults, in one place (see CONTRACT.md)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

SOURCE = "FALCOST_SOURCE"
FAL_KEY = "FAL_KEY"
FAL_API_BASE_URL = "FAL_API_BASE_URL"
LOWCODEAPI_TOKEN = "LOWCODEAPI_TOKEN"
LOWCODEAPI_BASE_URL = "LOWCODEAPI_BASE_URL"
WAREHOUSE = "FALCOST_WAREHOUSE"
MAX_IN_FLIGHT = "FALCOST_MAX_IN_FLIGHT"
SIMULATOR_SEED = "FALCOST_SIMULATOR_SEED"
DAGSTER_HOME = "DAGSTER_HOME"
# A PostgreSQL URL: Dagster's run, event-log and schedule storage go there instead of SQLite files.
DAGSTER_PG_URL = "FALCOST_DAGSTER_PG_URL"

SOURCES = ("fal", "lowcodeapi", "simulator")
DEFAULT_FAL_BASE_URL = "https://api.fal.ai/v1"
DEFAULT_LOWCODEAPI_BASE_URL = "https://api.lowcodeapi.com/falai"
DEFAULT_WAREHOUSE = "warehouse/falcost.duckdb"
DEFAULT_DAGSTER_HOME = ".dagster_home"
DEFAULT_MAX_IN_FLIGHT = 8
DEFAULT_SIMULATOR_SEED = 7
# First day of the daily partitions; backfills cannot start earlier.
HISTORY_START = date(2025, 1, 1)
# a day loaded this long after it ended, and not revised by that load, is final
FINAL_AFTER = timedelta(days=3)
DAY_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# The Dagster instance settings every falcost run needs, wherever it runs from; the repository's
# dagster.yaml (read by `dagster dev` from the repository root) holds the same settings, and
# tests/test_cli.py keeps the two equal.
_INSTANCE_SETTINGS = """\
telemetry:
  enabled: false
concurrency:
  # Every asset that writes DuckDB is in the "duckdb" pool; one slot serialises the writers.
  pools:
    default_limit: 1
  # Overlapping schedules queue instead of contending for the DuckDB file lock.
  runs:
    max_concurrent_runs: 1
"""
DAGSTER_INSTANCE_YAML = (
    "# Written by falcost into $DAGSTER_HOME (see pipelines/settings.py);"
    " edit freely, it is kept.\n" + _INSTANCE_SETTINGS
)
# The same settings with the run history in PostgreSQL (``FALCOST_DAGSTER_PG_URL`` set), so
# that several processes and machines (falcost sync, dagster-daemon, the UI) share one history.
# Dagster reads the URL from the environment itself: its password is never written to disk.
# QueuedRunCoordinator is Dagster's default, named here because the one-run queue above depends
# on it. Run monitoring fails a launched run whose worker never started, instead of letting it
# hold the one run slot for ever, and frees the pool slots that ended runs still hold.
DAGSTER_POSTGRES_INSTANCE_YAML = (
    "# Written by falcost into $DAGSTER_HOME while FALCOST_DAGSTER_PG_URL is set (see\n"
    "# pipelines/settings.py); edit freely, an edited file is kept.\n"
    + _INSTANCE_SETTINGS
    + f"""\
storage:
  postgres:
    postgres_url:
      env: {DAGSTER_PG_URL}
run_coordinator:
  module: dagster
  class: QueuedRunCoordinator
run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 300
"""
)
# Every dagster.yaml falcost writes: a file equal to one of them is falcost's own and follows
# the environment; any other file is the user's and is kept (``settle_dagster_home``).
FALCOST_INSTANCE_YAMLS = (DAGSTER_INSTANCE_YAML, DAGSTER_POSTGRES_INSTANCE_YAML)


def dagster_instance_yaml(env: Mapping[str, str] = os.environ) -> str:
    """The instance settings for this environment: PostgreSQL storage when
    ``FALCOST_DAGSTER_PG_URL`` is set, else Dagster's embedded SQLite files."""
    wanted = env.get(DAGSTER_PG_URL, "").strip()
    return DAGSTER_POSTGRES_INSTANCE_YAML if wanted else DAGSTER_INSTANCE_YAML


def source_name(env: Mapping[str, str] = os.environ) -> str:
    """FALCOST_SOURCE, else fal with a key, lowcodeapi with a token, else the simulator."""
    chosen = env.get(SOURCE, "").strip().lower()
    if chosen:
        return chosen
    if env.get(FAL_KEY):
        return "fal"
    if env.get(LOWCODEAPI_TOKEN):
        return "lowcodeapi"
    return "simulator"


def warehouse_path(env: Mapping[str, str] = os.environ) -> str:
    return env.get(WAREHOUSE) or DEFAULT_WAREHOUSE


def readable_path(env: Mapping[str, str] = os.environ) -> str:
    """The file people's queries open: the warehouse's published read-only copy once a sync
    has made one (``warehouse.publish``), else the warehouse itself."""
    from warehouse.publish import readable_path as beside

    return str(beside(warehouse_path(env)))


def dagster_home(env: Mapping[str, str] = os.environ) -> Path:
    """``$DAGSTER_HOME``, else ``./.dagster_home``, as an absolute path (Dagster wants one)."""
    return Path(env.get(DAGSTER_HOME) or DEFAULT_DAGSTER_HOME).expanduser().absolute()


def parse_day(value: str) -> date:
    """A UTC day written ``YYYY-MM-DD``, and no other way.

    Python 3.11's ``date.fromisoformat`` also reads ``20260801`` and ``2026-W31-1``; a day
    typed by mistake must be refused, not turned into another window. Raises ``ValueError``.
    """
    problem = f"{value!r} is not a date (YYYY-MM-DD)"
    if not DAY_FORMAT.fullmatch(value):
        raise ValueError(problem)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(problem) from None


MAX_CATALOG_SHRINK = "FALCOST_MAX_CATALOG_SHRINK"
MAX_UNPRICED_SHARE = "FALCOST_MAX_UNPRICED_SHARE"
SHARE_SETTINGS = (MAX_CATALOG_SHRINK, MAX_UNPRICED_SHARE)


def share_setting(env: Mapping[str, str], name: str) -> float | None:
    """A share from 0 to 1, or None when unset; raises ``ValueError`` naming the variable."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        share = float(raw)
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"{name} must be a share from 0 to 1, got {raw!r}")
    return share


BILLING_EVENTS = "FALCOST_BILLING_EVENTS"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def flag_setting(env: Mapping[str, str], name: str) -> bool:
    """An on/off switch (1/true/yes/on or 0/false/no/off); raises ``ValueError`` otherwise."""
    raw = env.get(name, "").strip().lower()
    if raw not in _TRUE + _FALSE:
        raise ValueError(f"{name} must be 1 or 0 (on or off), got {raw!r}")
    return raw in _TRUE


def int_setting(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
